"""Fixtures every layer uses. `common` is the workspace's shared package, installed beside the
backend by `uv sync --all-packages`: the suite imports it like any dependency."""

from __future__ import annotations

import pytest
from common.money import Money

from billing import db, settings
from billing.invoices import Invoice, Line

TABLES_CHILD_FIRST = ["invoice_lines", "invoices", "invoice_sequences"]


@pytest.fixture
def eur():
    return lambda amount: Money.of(amount, "EUR")


@pytest.fixture
def mixed_invoice(eur) -> Invoice:
    """Two standard-rated lines and one reduced-rated (books), 25.00 + 2 x 9.99 + 30.00 net."""
    return (
        Invoice("acme-gmbh")
        .add(Line("Consulting hour", 1, eur("25.00")))
        .add(Line("USB cable", 2, eur("9.99")))
        .add(Line("Field guide (book)", 1, eur("30.00"), tax="reduced"))
    )


@pytest.fixture(scope="session")
def database_url():
    """A real PostgreSQL at $DATABASE_URL (integration and e2e), migrated once per session."""
    if not settings.DATABASE_URL:
        pytest.skip("DATABASE_URL is not set: this test needs PostgreSQL")
    with db.connect(autocommit=True) as conn:
        db.migrate(conn)
    return settings.DATABASE_URL


@pytest.fixture
def conn(database_url):
    """A connection; every row is deleted after the test."""
    connection = db.connect(database_url, autocommit=True)
    try:
        yield connection
    finally:
        for table in TABLES_CHILD_FIRST:
            connection.execute(f"DELETE FROM {table}")
        connection.close()
