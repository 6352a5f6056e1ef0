"""Integration fixtures: a real PostgreSQL at $DATABASE_URL.

Written the way most backends write them: one connection per test, a seed that builds a realistic
catalog row by row as an ORM would (named rows the tests talk about, plus a few dozen generated
customers and products with their stock movements), fixed natural keys (customer emails and product
SKUs are UNIQUE), and a teardown that deletes every row. That is correct on a database of its own;
two processes sharing one database trip over each other's rows (unique violations, foreign-key
violations, wrong counts). Give each xdist worker its own database (backend-ci's plugin does) or run
them serially.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from app import db, migrate, settings
from app.repositories import customers, products
from app.services import orders as order_service

# The rows the tests name.
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

# The rest of the shop: generated, but fixed, so every run (and every worker) seeds the same rows.
_FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia",
          "Edsger", "Hedy", "John", "Katherine", "Tim"]
_LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen",
         "Thompson", "Perlman", "Dijkstra", "Lamarr", "Backus", "Johnson", "Berners-Lee"]


def _tier(i: int) -> str:
    return "gold" if i % 9 == 0 else "silver" if i % 4 == 0 else "standard"


GENERATED_CUSTOMERS = [
    (f"{_FIRST[i % 15].lower()}.{_LAST[(i * 7) % 15].lower()}{i:02d}@shop.example",
     f"{_FIRST[i % 15]} {_LAST[(i * 7) % 15]}", _tier(i))
    for i in range(1, 25)
]

_ITEMS = [("BAG", "Canvas Tote", 1490), ("BTL", "Steel Bottle", 2290), ("NOTE", "Dot Notebook", 890),
          ("SOCK", "Crew Socks", 990), ("HOOD", "Zip Hoodie", 4990), ("STK", "Sticker Pack", 350),
          ("KEY", "Enamel Keyring", 590), ("APR", "Kitchen Apron", 2490), ("BEAN", "Knit Beanie", 1790)]
_COLOURS = ["Navy", "Forest", "Sand"]

GENERATED_PRODUCTS = [
    (f"{prefix}-{(j + 1) * 100 + k + 1:04d}", f"{colour} {item}", base + 50 * k, 8 + (j * 13 + k * 29) % 110)
    for j, (prefix, item, base) in enumerate(_ITEMS)
    for k, colour in enumerate(_COLOURS)
]
# Discontinued: still in the table (old orders point at them), no longer for sale.
INACTIVE = {sku for n, (sku, *_rest) in enumerate(GENERATED_PRODUCTS) if n % 7 == 3}

ALL_CUSTOMERS = CUSTOMERS + GENERATED_CUSTOMERS
ALL_PRODUCTS = PRODUCTS + GENERATED_PRODUCTS
ACTIVE_PRODUCTS = [p for p in ALL_PRODUCTS if p[0] not in INACTIVE]
CATEGORIES = sorted({sku.split("-")[0] for sku, *_ in ALL_PRODUCTS})

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
    """The catalog: 27 customers and 32 products, keyed by email / SKU, with their stock movements.

    Built one row at a time, each insert followed by the stock movements and a re-read, the way the
    application's repositories (or an ORM's flush + refresh) would.
    """
    people = {email: customers.create(conn, email, name, tier) for email, name, tier in ALL_CUSTOMERS}
    stock = {}
    for sku, name, price, qty in ALL_PRODUCTS:
        row = products.create(conn, sku, name, price, 0)
        if qty:
            products.adjust_stock(conn, row["id"], qty, "initial")
        if sku in INACTIVE:
            products.deactivate(conn, sku)
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


HISTORY_DAY = date(2024, 6, 1)
HISTORY_STEPS = [[], ["paid"], ["paid", "shipped"], ["paid", "shipped"], ["cancelled"], ["paid"]]


@pytest.fixture
def busy_shop(conn, seed):
    """A month of trade on the catalog: 15 orders of 2-5 lines each by generated customers, moved
    through their statuses. Returns what was placed, for the tests to aggregate on their own."""
    rng = random.Random(20240601)
    buyers = [email for email, _, _ in GENERATED_CUSTOMERS[:14]]
    for_sale = [p for p in GENERATED_PRODUCTS if p[0] not in INACTIVE]
    placed = []
    for n in range(15):
        email = buyers[rng.randrange(len(buyers))]
        picks = rng.sample(for_sale, rng.randint(2, 5))
        lines = [{"sku": sku, "quantity": rng.randint(1, 3)} for sku, *_ in picks]
        coupon = "FIVEOFF" if n % 5 == 0 else None
        result = order_service.place_order(conn, seed["customers"][email]["id"], lines, coupon=coupon,
                                           today=HISTORY_DAY)
        order = result["order"]
        steps = HISTORY_STEPS[n % len(HISTORY_STEPS)]
        for status in steps:
            order = order_service.transition(conn, order["id"], status)
        placed.append({"email": email, "lines": lines, "order": order,
                       "status": steps[-1] if steps else "pending"})
    return placed
