import pytest

from app.services import inventory
from app.services import orders as order_service
from app.services.inventory import InventoryError

from .conftest import ACTIVE_PRODUCTS

pytestmark = pytest.mark.requires_postgres


@pytest.mark.parametrize("sku, qty, expected", [("MUG-001", 5, 25), ("PEN-300", 1, 3), ("CAP-200", 100, 150)])
def test_restock(conn, seed, sku, qty, expected):
    assert inventory.restock(conn, sku, qty) == expected
    assert inventory.reconcile(conn, sku)


@pytest.mark.parametrize("qty", [0, -4])
def test_restock_positive_only(conn, seed, qty):
    with pytest.raises(InventoryError):
        inventory.restock(conn, "MUG-001", qty)


def test_restock_unknown(conn, seed):
    with pytest.raises(InventoryError, match="unknown sku"):
        inventory.restock(conn, "NOPE-000", 1)


@pytest.mark.parametrize("sku, qty, expected", [("MUG-001", 20, 0), ("TEE-100", 3, 7)])
def test_write_off(conn, seed, sku, qty, expected):
    assert inventory.write_off(conn, sku, qty) == expected


def test_write_off_more_than_stock(conn, seed):
    with pytest.raises(InventoryError, match="cannot write off"):
        inventory.write_off(conn, "PEN-300", 3)


def test_write_off_unknown(conn, seed):
    with pytest.raises(InventoryError):
        inventory.write_off(conn, "NOPE-000", 1)


@pytest.mark.parametrize("threshold, skus", [(3, ["PEN-300"]), (6, ["MUG-002", "PEN-300"]), (1, [])])
def test_low_stock(conn, seed, threshold, skus):
    assert inventory.low_stock(conn, threshold) == skus


def test_stock_levels(conn, seed):
    levels = inventory.stock_levels(conn)
    assert levels == {sku: qty for sku, _, _, qty in ACTIVE_PRODUCTS}
    assert {k: levels[k] for k in ("CAP-200", "MUG-001", "MUG-002", "PEN-300", "TEE-100")} == {
        "CAP-200": 50, "MUG-001": 20, "MUG-002": 5, "PEN-300": 2, "TEE-100": 10}


def test_stock_levels_after_orders(conn, seed, bob):
    order_service.place_order(conn, bob["id"], [{"sku": "CAP-200", "quantity": 7}])
    assert inventory.stock_levels(conn)["CAP-200"] == 43
    assert inventory.reconcile(conn, "CAP-200")


def test_reconcile_detects_drift(conn, seed):
    conn.execute("UPDATE products SET stock = stock + 1 WHERE sku = 'TEE-100'")
    assert not inventory.reconcile(conn, "TEE-100")


def test_reconcile_unknown(conn, seed):
    with pytest.raises(InventoryError):
        inventory.reconcile(conn, "NOPE-000")
