"""A real PostgreSQL, named by DB_HOST/DB_PORT/DB_USER/DB_NAME and DB_PASSWORD_FILE.

Every test starts from the same members (emails are UNIQUE) and the tests assert on counts and
rankings over the whole table: right on a database of their own, wrong (unique violations, extra
rows in counts) when several processes share one database.
"""

import pytest

from loyalty import db, points, settings

MEMBERS = [("ada@example.org", "Ada"), ("grace@example.org", "Grace"), ("linus@example.org", "Linus")]


@pytest.fixture(scope="session")
def database():
    if not settings.configured():
        pytest.skip("DB_NAME (or libpq's PGDATABASE) is not set: integration tests need PostgreSQL")
    with db.connect() as conn:
        db.migrate(conn)
    return settings.connection_params()


@pytest.fixture
def conn(database):
    connection = db.connect()
    try:
        yield connection
    finally:
        connection.execute("DELETE FROM ledger")
        connection.execute("DELETE FROM members")
        connection.close()


@pytest.fixture
def members(conn):
    return {email: points.join(conn, email, name) for email, name in MEMBERS}


@pytest.fixture
def libpq_env(database, monkeypatch):
    """What the cron container gets: the same database in libpq's own variables."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    for key, var in names.items():
        if key in database:
            monkeypatch.setenv(var, database[key])
    return database
