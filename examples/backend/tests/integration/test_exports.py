from datetime import date

import pytest

from app.services import exports
from app.services import orders as order_service

from .conftest import ACTIVE_PRODUCTS

pytestmark = pytest.mark.requires_postgres


def test_orders_csv(conn, alice, bob):
    order_service.place_order(conn, alice["id"], [{"sku": "MUG-001", "quantity": 2}], today=date(2024, 6, 1))
    order_service.place_order(conn, bob["id"], [{"sku": "PEN-300", "quantity": 2}], coupon="FIVEOFF",
                              today=date(2024, 6, 1))
    lines = exports.orders_csv(conn).splitlines()
    assert lines[0] == ",".join(exports.COLUMNS)
    assert len(lines) == 3
    assert lines[1].split(",")[1:7] == ["alice@example.com", "pending", "", "25.00 EUR", "2.50 EUR", "32.67 EUR"]
    assert lines[2].split(",")[3] == "FIVEOFF"


def test_stock_jsonl(conn, seed):
    lines = exports.stock_jsonl(conn).splitlines()
    first = min(ACTIVE_PRODUCTS)
    assert lines[0] == f'{{"name": "{first[1]}", "sku": "{first[0]}", "stock": {first[3]}}}'
    assert '{"name": "Baseball Cap", "sku": "CAP-200", "stock": 50}' in lines
    assert len(lines) == len(ACTIVE_PRODUCTS)
