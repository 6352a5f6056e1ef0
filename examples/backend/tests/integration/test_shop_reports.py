"""Back-office reports over a month of trade: the SQL aggregates against the same figures worked out
in Python from what the fixture placed."""

from collections import Counter, defaultdict

import psycopg
import pytest

from app.repositories import customers, orders, products
from app.services import exports, inventory, reports

from .conftest import ACTIVE_PRODUCTS, ALL_CUSTOMERS, CATEGORIES, GENERATED_CUSTOMERS, GENERATED_PRODUCTS

pytestmark = pytest.mark.requires_postgres

PRICES = {sku: price for sku, _, price, _ in GENERATED_PRODUCTS}
TIERS = {email: tier for email, _, tier in ALL_CUSTOMERS}
EARNING = ("paid", "shipped")


def test_every_order_was_written(conn, busy_shop):
    assert orders.count(conn) == len(busy_shop)
    for status, n in Counter(o["status"] for o in busy_shop).items():
        assert orders.count(conn, status) == n


def test_order_items_match_what_was_placed(conn, busy_shop):
    for placed in busy_shop:
        items = orders.items(conn, placed["order"]["id"])
        assert sorted((i["sku"], i["quantity"]) for i in items) == sorted(
            (l["sku"], l["quantity"]) for l in placed["lines"])
        assert all(i["unit_price_cents"] == PRICES[i["sku"]] for i in items)


def test_revenue_by_status(conn, busy_shop):
    expected = defaultdict(int)
    for placed in busy_shop:
        expected[placed["status"]] += placed["order"]["total_cents"]
    assert reports.revenue_by_status(conn) == dict(expected)


def test_top_products(conn, busy_shop):
    units = Counter()
    for placed in busy_shop:
        if placed["status"] != "cancelled":
            for line in placed["lines"]:
                units[line["sku"]] += line["quantity"]
    ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
    top = reports.top_products(conn, limit=10)
    assert [(r["sku"], r["units"]) for r in top] == ranked[:10]
    assert all(r["cents"] == r["units"] * PRICES[r["sku"]] for r in top)


def test_revenue_by_category(conn, busy_shop):
    expected = defaultdict(int)
    for placed in busy_shop:
        if placed["status"] != "cancelled":
            for line in placed["lines"]:
                expected[line["sku"].split("-")[0]] += line["quantity"] * PRICES[line["sku"]]
    by_category = reports.revenue_by_category(conn)
    assert by_category == dict(expected)
    assert set(by_category) <= set(CATEGORIES)


def test_revenue_by_tier(conn, busy_shop):
    expected = defaultdict(int)
    for placed in busy_shop:
        if placed["status"] in EARNING:
            expected[TIERS[placed["email"]]] += placed["order"]["total_cents"]
    assert reports.revenue_by_tier(conn) == dict(expected)


@pytest.mark.parametrize("email", [e for e, _, _ in GENERATED_CUSTOMERS[:14:6]])
def test_lifetime_value(conn, seed, busy_shop, email):
    expected = sum(p["order"]["total_cents"] for p in busy_shop if p["email"] == email and p["status"] in EARNING)
    assert reports.customer_lifetime_value(conn, seed["customers"][email]["id"]) == expected


def test_best_customers(conn, busy_shop):
    spent = defaultdict(int)
    for placed in busy_shop:
        if placed["status"] in EARNING:
            spent[placed["email"]] += placed["order"]["total_cents"]
    ranked = [e for e, _ in sorted(spent.items(), key=lambda kv: (-kv[1], kv[0]))]
    assert reports.best_customers(conn, limit=5) == ranked[:5]


def test_average_order_value(conn, busy_shop):
    totals = [p["order"]["total_cents"] for p in busy_shop if p["status"] != "cancelled"]
    assert abs(reports.average_order_value(conn) - sum(totals) / len(totals)) <= 0.5


def test_units_per_order(conn, busy_shop):
    expected = Counter(sum(l["quantity"] for l in p["lines"]) for p in busy_shop if p["status"] != "cancelled")
    assert reports.units_per_order(conn) == dict(expected)


def test_dormant_customers(conn, busy_shop):
    buyers = {p["email"] for p in busy_shop}
    assert reports.dormant_customers(conn) == sorted(e for e, _, _ in ALL_CUSTOMERS if e not in buyers)


def test_stock_valuation(conn, busy_shop):
    expected = sum(r["stock"] * r["price_cents"] for r in products.list_active(conn))
    assert reports.stock_valuation(conn) == expected
    assert expected < sum(qty * price for _, _, price, qty in ACTIVE_PRODUCTS)


def test_stock_after_trade(conn, busy_shop):
    sold = Counter()
    for placed in busy_shop:
        if placed["status"] != "cancelled":
            for line in placed["lines"]:
                sold[line["sku"]] += line["quantity"]
    levels = inventory.stock_levels(conn)
    for sku, _, _, qty in ACTIVE_PRODUCTS:
        assert levels[sku] == qty - sold[sku], sku


def test_every_product_reconciles_after_trade(conn, busy_shop):
    for sku, *_ in ACTIVE_PRODUCTS:
        assert inventory.reconcile(conn, sku), sku


def test_orders_csv_over_the_month(conn, busy_shop):
    rows = exports.parse_orders_csv(exports.orders_csv(conn))
    assert [r["order_id"] for r in rows] == sorted(p["order"]["id"] for p in busy_shop)
    assert sum(1 for r in rows if r["coupon"] == "FIVEOFF") == sum(1 for n in range(len(busy_shop)) if n % 5 == 0)


@pytest.mark.parametrize("status", ["pending", "cancelled"])
def test_orders_csv_by_status(conn, busy_shop, status):
    lines = exports.orders_csv(conn, status=status).splitlines()
    assert len(lines) - 1 == sum(1 for p in busy_shop if p["status"] == status)
    assert all(line.split(",")[2] == status for line in lines[1:])


def test_customer_with_orders_cannot_be_deleted(conn, seed, busy_shop):
    buyer = seed["customers"][busy_shop[0]["email"]]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        customers.delete(conn, buyer["id"])


def test_reports_ignore_the_catalog_alone(conn, seed):
    assert reports.revenue_by_tier(conn) == {}
    assert reports.revenue_by_category(conn) == {}
    assert reports.average_order_value(conn) == 0
    assert reports.units_per_order(conn) == {}
    assert len(reports.dormant_customers(conn)) == len(ALL_CUSTOMERS)
    assert reports.stock_valuation(conn) == sum(qty * price for _, _, price, qty in ACTIVE_PRODUCTS)
