"""A real PostgreSQL, reached the way production reaches it: the URL (postgresql+asyncpg://...)
is in the file $DATABASE_URL_FILE names. One async engine per test session; rows are deleted after
every test. The seed's room names are UNIQUE: correct on a database of its own, IntegrityError
when two processes share one."""

import os

import pytest
from sqlalchemy import text

from bookings import db, service, settings


@pytest.fixture(scope="session")
async def engine():
    if not os.environ.get("DATABASE_URL_FILE"):
        pytest.skip("DATABASE_URL_FILE is not set: integration tests need PostgreSQL")
    engine = db.make_engine(settings.load())
    await db.create_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine):
    sessions = db.sessions(engine)
    try:
        async with sessions() as s:
            yield s
            await s.rollback()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM bookings"))
            await conn.execute(text("DELETE FROM rooms"))


ROOMS = [("Ada", 8), ("Turing", 4), ("Hopper", 12)]


@pytest.fixture
async def rooms(session):
    """Three rooms, committed, as an admin would have set them up."""
    for name, capacity in ROOMS:
        await service.add_room(session, name, capacity)
    await session.commit()
    return [name for name, _ in ROOMS]
