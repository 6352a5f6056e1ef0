"""The supplier feed import: hundreds of rows per file, upserted by SKU, all or nothing."""

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.domain.validation import ValidationError
from app.repositories import products
from app.services import catalog, exports, inventory

from .conftest import ACTIVE_PRODUCTS, ALL_PRODUCTS

pytestmark = pytest.mark.requires_postgres

FEED_SIZE = 200


def feed_rows(size=FEED_SIZE, seed=7):
    rng = random.Random(seed)
    rows = []
    for n in range(size):
        prefix = ["GEAR", "HOME", "DESK", "TOY"][n % 4]
        rows.append((f"{prefix}-{5000 + n}", f"Supplier item {n:03d}", f"{rng.randint(99, 25000) / 100:.2f}",
                     rng.randint(0, 400)))
    return rows


def to_feed(rows):
    return "sku,name,price,stock\n" + "".join(f"{s},{n},{p},{q}\n" for s, n, p, q in rows)


@pytest.fixture
def imported(conn, seed):
    rows = feed_rows()
    result = catalog.import_feed(conn, to_feed(rows))
    return rows, result


def test_import_creates_every_row(conn, imported):
    rows, result = imported
    assert len(result.created) == FEED_SIZE and result.updated == [] and result.unchanged == 0
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == len(ALL_PRODUCTS) + FEED_SIZE


def test_imported_prices_stock_and_movements(conn, imported):
    rows, _ = imported
    stored = products.by_skus(conn, [r[0] for r in rows])
    for sku, name, price, qty in rows:
        assert stored[sku]["name"] == name
        assert stored[sku]["price_cents"] == round(float(price) * 100)
        assert stored[sku]["stock"] == qty
    moved = conn.execute(
        "SELECT count(*) AS n, coalesce(sum(delta), 0) AS units FROM stock_movements WHERE reason = 'import'"
    ).fetchone()
    assert moved["n"] == sum(1 for r in rows if r[3])
    assert moved["units"] == sum(r[3] for r in rows)


def test_every_imported_product_reconciles(conn, imported):
    rows, _ = imported
    for sku, *_ in rows[::2]:
        assert inventory.reconcile(conn, sku), sku


def test_reimport_is_a_no_op(conn, imported):
    rows, _ = imported
    again = catalog.import_feed(conn, to_feed(rows))
    assert (again.created, again.updated, again.unchanged) == ([], [], FEED_SIZE)


def test_reimport_updates_changed_rows(conn, imported):
    rows, _ = imported
    changed = [(s, n, f"{float(p) + 1:.2f}", q + 5) if i % 3 == 0 else (s, n, p, q) for i, (s, n, p, q) in enumerate(rows)]
    result = catalog.import_feed(conn, to_feed(changed))
    changed_count = len(range(0, FEED_SIZE, 3))
    assert len(result.updated) == changed_count and result.unchanged == FEED_SIZE - changed_count
    for sku, *_ in changed[::3]:
        assert inventory.reconcile(conn, sku)


def test_import_can_lower_stock(conn, imported):
    rows, _ = imported
    sku, name, price, qty = next(r for r in rows if r[3] > 10)
    catalog.import_feed(conn, to_feed([(sku, name, price, 3)]))
    row = products.by_sku(conn, sku)
    assert row["stock"] == 3
    assert [m["delta"] for m in products.movements(conn, row["id"])] == [qty, 3 - qty]


def test_import_updates_seeded_products(conn, seed):
    result = catalog.import_feed(conn, to_feed([("MUG-001", "Blue Mug", "13.00", 20), ("MUG-002", "Red Mug", "13.50", 5)]))
    assert result.updated == ["MUG-001"] and result.unchanged == 1
    assert products.by_sku(conn, "MUG-001")["price_cents"] == 1300


@pytest.mark.parametrize(
    "bad_row, problem",
    [
        (("gear-1", "x", "1.00", 1), "bad sku"),
        (("GEAR-5000", "dup", "1.00", 1), "duplicate sku"),
        (("GEAR-9999", "", "1.00", 1), "name is required"),
        (("GEAR-9999", "x", "cheap", 1), "bad price"),
        (("GEAR-9999", "x", "1.00", -3), "bad stock"),
    ],
)
def test_one_bad_row_rejects_the_whole_feed(conn, seed, bad_row, problem):
    rows = feed_rows(80) + [bad_row]
    with pytest.raises(ValidationError) as info:
        catalog.import_feed(conn, to_feed(rows))
    assert problem in info.value.errors[f"line {len(rows) + 1}"]
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == len(ALL_PRODUCTS)


def test_wrong_header(conn, seed):
    with pytest.raises(ValidationError, match="header"):
        catalog.import_feed(conn, "sku;name;price;stock\nGEAR-1000;x;1;1\n")


def test_stock_export_covers_imported_rows(conn, imported):
    lines = exports.stock_jsonl(conn).splitlines()
    assert len(lines) == len(ACTIVE_PRODUCTS) + FEED_SIZE
    assert lines == sorted(lines, key=lambda l: l.split('"sku": "')[1])


@pytest.mark.parametrize("prefix, percent", [("GEAR", 10), ("HOME", -25)])
def test_reprice_category(conn, imported, prefix, percent):
    rows, _ = imported
    before = {r["sku"]: r["price_cents"] for r in conn.execute("SELECT sku, price_cents FROM products").fetchall()}
    assert catalog.reprice(conn, prefix, percent) == FEED_SIZE // 4
    after = {r["sku"]: r["price_cents"] for r in conn.execute("SELECT sku, price_cents FROM products").fetchall()}
    for sku, cents in before.items():
        if sku.startswith(prefix + "-"):
            # PostgreSQL rounds numeric halves away from zero.
            assert after[sku] == int((Decimal(cents) * (100 + percent) / 100).quantize(1, ROUND_HALF_UP))
        else:
            assert after[sku] == cents


def test_reprice_skips_inactive(conn, seed):
    products.deactivate(conn, "MUG-002")
    assert catalog.reprice(conn, "MUG", 10) == 1
    assert products.by_sku(conn, "MUG-002")["price_cents"] == 1350


@pytest.mark.parametrize("percent", [-91, 501])
def test_reprice_bounds(conn, seed, percent):
    with pytest.raises(ValueError):
        catalog.reprice(conn, "MUG", percent)
