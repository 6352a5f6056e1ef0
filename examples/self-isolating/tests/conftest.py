"""Database isolation, done by the suite itself: each xdist worker (and a plain, single-process
run, whose worker_id is "master") gets its own database `<db>_<worker_id>`, created fresh from the
database $DATABASE_URL names, migrated, and dropped at the end of the session. The tests can then
count rows and rely on sequences starting at 1 without seeing another process's data.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from helpdesk import db


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture(scope="session")
def database_url(worker_id):
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url:
        pytest.skip("DATABASE_URL is not set: these tests need PostgreSQL")
    name = f"{urlsplit(base_url).path.lstrip('/') or 'helpdesk'}_{worker_id}"
    admin_url = _with_database(base_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(base_url, name)
    with db.connect(url) as conn:
        db.migrate(conn)
    yield url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(database_url):
    connection = db.connect(database_url)
    try:
        yield connection
    finally:
        connection.execute("TRUNCATE tickets, agents RESTART IDENTITY")
        connection.execute("ALTER SEQUENCE ticket_ref_seq RESTART")
        connection.close()
