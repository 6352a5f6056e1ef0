from datetime import date

import pytest

from app.services import orders as order_service
from app.services import reports

pytestmark = pytest.mark.requires_postgres


@pytest.fixture
def history(conn, seed):
    c = seed["customers"]

    def place(email, lines, status=None):
        order = order_service.place_order(conn, c[email]["id"], [{"sku": s, "quantity": q} for s, q in lines],
                                          today=date(2024, 6, 1))["order"]
        for step in status or []:
            order_service.transition(conn, order["id"], step)
        return order

    place("alice@example.com", [("MUG-001", 4)], ["paid", "shipped"])
    place("alice@example.com", [("CAP-200", 2)], ["paid"])
    place("bob@example.com", [("TEE-100", 1), ("MUG-001", 1)], ["paid"])
    place("bob@example.com", [("CAP-200", 5)], ["cancelled"])
    place("carol@example.com", [("MUG-002", 1)])
    return c


def test_revenue_by_status(conn, history):
    revenue = reports.revenue_by_status(conn)
    assert set(revenue) == {"shipped", "paid", "cancelled", "pending"}
    assert revenue["shipped"] == 5944


def test_top_products(conn, history):
    top = reports.top_products(conn, limit=3)
    assert [(r["sku"], r["units"]) for r in top] == [("MUG-001", 5), ("CAP-200", 2), ("MUG-002", 1)]


def test_top_products_excludes_cancelled(conn, history):
    assert "CAP-200" in [r["sku"] for r in reports.top_products(conn)]
    assert sum(r["units"] for r in reports.top_products(conn, limit=10)) == 9


@pytest.mark.parametrize(
    "email, expected",
    [("alice@example.com", 5944 + 2731), ("bob@example.com", 4455), ("carol@example.com", 0)],
)
def test_lifetime_value(conn, history, email, expected):
    assert reports.customer_lifetime_value(conn, history[email]["id"]) == expected


def test_best_customers(conn, history):
    assert reports.best_customers(conn) == ["alice@example.com", "bob@example.com"]
    assert reports.best_customers(conn, limit=1) == ["alice@example.com"]


def test_reports_on_empty_shop(conn, seed):
    assert reports.revenue_by_status(conn) == {}
    assert reports.top_products(conn) == []
    assert reports.best_customers(conn) == []
