"""A real PostgreSQL at $DATABASE_URL. Every test starts from a known catalog (fixed SKUs, which
are primary keys) and empties the tables afterwards: correct on a database of its own, a collision
when two processes share one, which is why the integration lane runs with `-n 0`."""

import pytest

from warehouse import db, settings, stock

CATALOG = [("MUG-BLUE", "Blue mug"), ("MUG-RED", "Red mug"), ("CAP-LOGO", "Logo cap"), ("PEN-GEL", "Gel pen")]


@pytest.fixture(scope="session")
def database_url():
    if not settings.DATABASE_URL:
        pytest.skip("DATABASE_URL is not set: integration tests need PostgreSQL")
    with db.connect() as conn:
        db.migrate(conn)
    return settings.DATABASE_URL


@pytest.fixture
def conn(database_url):
    connection = db.connect(database_url)
    for sku, name in CATALOG:
        stock.add_item(connection, sku, name)
    try:
        yield connection
    finally:
        connection.execute("DELETE FROM stock")
        connection.execute("DELETE FROM items")
        connection.close()
