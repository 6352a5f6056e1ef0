"""Integration fixtures: a real PostgreSQL at $DATABASE_URL.

Written the way most backends write them: one connection per test, fixed seed rows (natural keys
such as customer emails and product SKUs are UNIQUE), and a teardown that deletes every row. That is
correct on a database of its own; two processes sharing one database trip over each other's rows
(unique violations, foreign-key violations, wrong counts). Give each xdist worker its own database
(backend-ci's plugin does) or run them serially.
"""

from __future__ import annotations

import pytest

from app import db, migrate, settings
from app.repositories import customers, products

CUSTOMERS = [
    ("alice@example.com", "Alice Liddell", "gold"),
    ("bob@example.com", "Bob Marley", "standard"),
    ("carol@example.com", "Carol Danvers", "silver"),
]

PRODUCTS = [
    ("MUG-001", "Blue Mug", 1250, 20),
    ("MUG-002", "Red Mug", 1350, 5),
    ("TEE-100", "Logo Tee", 1999, 10),
    ("CAP-200", "Baseball Cap", 1000, 50),
    ("PEN-300", "Gel Pen", 150, 2),
]

TABLES_CHILD_FIRST = ["stock_movements", "order_items", "orders", "products", "customers"]


@pytest.fixture(scope="session")
def database_url():
    if not settings.DATABASE_URL:
        pytest.skip("DATABASE_URL is not set")
    with db.connect(autocommit=True) as conn:
        if not db.table_exists(conn, "customers"):
            migrate.apply(conn)
    return settings.DATABASE_URL


@pytest.fixture
def conn(database_url):
    connection = db.connect(database_url, autocommit=True)
    try:
        yield connection
    finally:
        try:
            for table in TABLES_CHILD_FIRST:
                connection.execute(f"DELETE FROM {table}")
        finally:
            connection.close()


@pytest.fixture
def seed(conn):
    """Three customers and five products, keyed by email / SKU."""
    people = {email: customers.create(conn, email, name, tier) for email, name, tier in CUSTOMERS}
    stock = {}
    for sku, name, price, qty in PRODUCTS:
        row = products.create(conn, sku, name, price, 0)
        if qty:
            products.adjust_stock(conn, row["id"], qty, "initial")
        stock[sku] = products.by_sku(conn, sku)
    return {"customers": people, "products": stock}


@pytest.fixture
def alice(seed):
    return seed["customers"]["alice@example.com"]


@pytest.fixture
def bob(seed):
    return seed["customers"]["bob@example.com"]


@pytest.fixture
def carol(seed):
    return seed["customers"]["carol@example.com"]
