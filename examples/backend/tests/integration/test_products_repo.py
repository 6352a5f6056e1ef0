import psycopg
import pytest

from app.repositories import products

from .conftest import ACTIVE_PRODUCTS, ALL_PRODUCTS, INACTIVE, PRODUCTS

pytestmark = pytest.mark.requires_postgres


def test_seeded_products(conn, seed):
    skus = [p["sku"] for p in products.list_active(conn)]
    assert skus == sorted(sku for sku, *_ in ACTIVE_PRODUCTS)
    assert {"CAP-200", "MUG-001", "MUG-002", "PEN-300", "TEE-100"} <= set(skus)
    assert not INACTIVE & set(skus)


@pytest.mark.parametrize(
    "sku, slug, stock",
    [("MUG-001", "blue-mug", 20), ("MUG-002", "red-mug", 5), ("TEE-100", "logo-tee", 10),
     ("CAP-200", "baseball-cap", 50), ("PEN-300", "gel-pen", 2)],
)
def test_by_sku(conn, seed, sku, slug, stock):
    row = products.by_sku(conn, sku)
    assert (row["slug"], row["stock"]) == (slug, stock)


def test_sku_is_unique(conn, seed):
    with pytest.raises(psycopg.errors.UniqueViolation):
        products.create(conn, "MUG-001", "Blue Mug Again", 100)


def test_slug_is_unique(conn, seed):
    with pytest.raises(psycopg.errors.UniqueViolation):
        products.create(conn, "MUG-009", "Blue Mug", 100)


def test_by_skus(conn, seed):
    rows = products.by_skus(conn, ["MUG-001", "TEE-100", "NOPE-000"])
    assert sorted(rows) == ["MUG-001", "TEE-100"]


def test_by_skus_for_update(conn, seed):
    with conn.transaction():
        rows = products.by_skus(conn, ["CAP-200"], for_update=True)
    assert rows["CAP-200"]["price_cents"] == 1000


@pytest.mark.parametrize("delta, expected", [(5, 25), (-20, 0), (0, 20)])
def test_adjust_stock_records_movement(conn, seed, delta, expected):
    mug = seed["products"]["MUG-001"]
    assert products.adjust_stock(conn, mug["id"], delta, "test") == expected
    assert products.movements(conn, mug["id"])[-1] == {"delta": delta, "reason": "test"}


def test_stock_cannot_go_negative(conn, seed):
    pen = seed["products"]["PEN-300"]
    with pytest.raises(psycopg.errors.CheckViolation):
        products.adjust_stock(conn, pen["id"], -3, "oops")


def test_deactivate(conn, seed):
    assert products.deactivate(conn, "PEN-300")
    assert "PEN-300" not in [p["sku"] for p in products.list_active(conn)]
    assert not products.deactivate(conn, "NOPE-000")


def test_movement_needs_product(conn, seed):
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("INSERT INTO stock_movements (product_id, delta, reason) VALUES (%s, 1, 'x')", (10**9,))


def test_total_stock(conn, seed):
    assert conn.execute("SELECT sum(stock) AS s FROM products").fetchone()["s"] == sum(p[3] for p in ALL_PRODUCTS)
    named = conn.execute(
        "SELECT count(*) AS n FROM stock_movements m JOIN products p ON p.id = m.product_id WHERE p.sku = ANY(%s)",
        ([sku for sku, *_ in PRODUCTS],),
    ).fetchone()["n"]
    assert named == 5
