from datetime import date

import psycopg
import pytest

from app.domain.validation import ValidationError
from app.repositories import orders, products
from app.services import orders as service
from app.services.orders import OrderError, OutOfStock

pytestmark = pytest.mark.requires_postgres

TODAY = date(2024, 6, 1)


def place(conn, customer, lines, **kwargs):
    kwargs.setdefault("today", TODAY)
    return service.place_order(conn, customer["id"], lines, **kwargs)


@pytest.mark.parametrize(
    "who, lines, coupon, subtotal, discount, total",
    [
        ("bob", [("MUG-001", 2)], None, 2500, 0, 3564),
        ("alice", [("MUG-001", 2)], None, 2500, 250, 3267),
        ("carol", [("MUG-001", 2)], None, 2500, 125, 3415),
        ("bob", [("MUG-001", 2)], "WELCOME10", 2500, 250, 3267),
        ("bob", [("MUG-001", 4)], None, 5000, 0, 5950),
        ("bob", [("MUG-001", 1), ("MUG-002", 1)], "MUGS20", 2600, 520, 3064),
        ("bob", [("PEN-300", 2)], "FIVEOFF", 300, 300, 589),
        ("alice", [("CAP-200", 10)], None, 10000, 1300, 10353),
        ("bob", [("TEE-100", 1), ("CAP-200", 1)], "SUMMER24", 2999, 450, 3622),
    ],
)
def test_place_order_totals(conn, seed, who, lines, coupon, subtotal, discount, total):
    customer = seed["customers"][f"{who}@example.com"]
    result = place(conn, customer, [{"sku": s, "quantity": q} for s, q in lines], coupon=coupon)
    order = result["order"]
    assert (order["subtotal_cents"], order["discount_cents"], order["total_cents"]) == (subtotal, discount, total)
    assert order["status"] == "pending"
    assert orders.count(conn) == 1


def test_place_order_reserves_stock(conn, seed, bob):
    place(conn, bob, [{"sku": "MUG-002", "quantity": 3}])
    assert products.by_sku(conn, "MUG-002")["stock"] == 2
    movements = products.movements(conn, seed["products"]["MUG-002"]["id"])
    assert [m["delta"] for m in movements] == [5, -3]


def test_order_items_written(conn, bob):
    order = place(conn, bob, [{"sku": "TEE-100", "quantity": 1}, {"sku": "MUG-001", "quantity": 2}])["order"]
    assert [(i["sku"], i["quantity"]) for i in orders.items(conn, order["id"])] == [("MUG-001", 2), ("TEE-100", 1)]


def test_out_of_stock(conn, bob):
    with pytest.raises(OutOfStock) as info:
        place(conn, bob, [{"sku": "PEN-300", "quantity": 3}])
    assert info.value.sku == "PEN-300"
    assert orders.count(conn) == 0


def test_out_of_stock_rolls_back_other_lines(conn, bob):
    with pytest.raises(OutOfStock):
        place(conn, bob, [{"sku": "MUG-001", "quantity": 1}, {"sku": "PEN-300", "quantity": 9}])
    assert products.by_sku(conn, "MUG-001")["stock"] == 20


def test_unknown_sku(conn, bob):
    with pytest.raises(ValidationError):
        place(conn, bob, [{"sku": "NOPE-000", "quantity": 1}])


def test_inactive_product(conn, bob):
    products.deactivate(conn, "CAP-200")
    with pytest.raises(OrderError, match="not for sale"):
        place(conn, bob, [{"sku": "CAP-200", "quantity": 1}])


def test_unknown_customer(conn, seed):
    with pytest.raises(OrderError, match="no customer"):
        service.place_order(conn, 10**9, [{"sku": "MUG-001", "quantity": 1}])


def test_invalid_lines_never_reach_the_database(conn, bob):
    with pytest.raises(ValidationError):
        place(conn, bob, [])
    assert orders.count(conn) == 0


def test_unknown_coupon_rolls_back(conn, bob):
    with pytest.raises(ValueError):
        place(conn, bob, [{"sku": "MUG-001", "quantity": 1}], coupon="BOGUS")
    assert orders.count(conn) == 0
    assert products.by_sku(conn, "MUG-001")["stock"] == 20


@pytest.mark.parametrize(
    "path, final",
    [
        (["paid"], "paid"),
        (["paid", "shipped"], "shipped"),
        (["cancelled"], "cancelled"),
        (["paid", "cancelled"], "cancelled"),
    ],
)
def test_transitions(conn, bob, path, final):
    order = place(conn, bob, [{"sku": "MUG-001", "quantity": 1}])["order"]
    for status in path:
        service.transition(conn, order["id"], status)
    assert orders.get(conn, order["id"])["status"] == final
    assert orders.count(conn, final) == 1


@pytest.mark.parametrize(
    "path, bad",
    [([], "shipped"), (["paid", "shipped"], "cancelled"), (["cancelled"], "paid"), (["paid"], "pending")],
)
def test_illegal_transitions(conn, bob, path, bad):
    order = place(conn, bob, [{"sku": "MUG-001", "quantity": 1}])["order"]
    for status in path:
        service.transition(conn, order["id"], status)
    with pytest.raises(OrderError, match="cannot go"):
        service.transition(conn, order["id"], bad)


def test_transition_unknown_order(conn, seed):
    with pytest.raises(OrderError, match="no order"):
        service.transition(conn, 10**9, "paid")


def test_cancel_returns_stock(conn, bob):
    order = place(conn, bob, [{"sku": "MUG-002", "quantity": 4}])["order"]
    assert products.by_sku(conn, "MUG-002")["stock"] == 1
    service.transition(conn, order["id"], "cancelled")
    assert products.by_sku(conn, "MUG-002")["stock"] == 5


def test_order_view(conn, alice):
    order = place(conn, alice, [{"sku": "TEE-100", "quantity": 2}])["order"]
    view = service.order_view(conn, order["id"])
    assert view["customer_id"] == alice["id"]
    assert view["items"] == [{"sku": "TEE-100", "name": "Logo Tee", "quantity": 2, "unit_price_cents": 1999}]
    assert service.order_view(conn, 10**9) is None


def test_orders_for_customer(conn, alice, bob):
    for _ in range(3):
        place(conn, alice, [{"sku": "CAP-200", "quantity": 1}])
    place(conn, bob, [{"sku": "CAP-200", "quantity": 1}])
    assert len(orders.for_customer(conn, alice["id"])) == 3
    assert orders.count(conn) == 4


def test_order_item_needs_order(conn, seed):
    mug = seed["products"]["MUG-001"]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        orders.add_item(conn, 10**9, mug["id"], 1, 100)


def test_same_product_twice_in_one_order(conn, bob, seed):
    order = orders.create(conn, bob["id"])
    mug = seed["products"]["MUG-001"]
    orders.add_item(conn, order["id"], mug["id"], 1, 100)
    with pytest.raises(psycopg.errors.UniqueViolation):
        orders.add_item(conn, order["id"], mug["id"], 1, 100)


# Orders across the whole catalog: baskets of several lines, priced by the service exactly as the
# pricing module prices them on its own.

import random  # noqa: E402

from app.domain import pricing  # noqa: E402
from app.domain.money import Money  # noqa: E402

from .conftest import ACTIVE_PRODUCTS, CATEGORIES, GENERATED_CUSTOMERS  # noqa: E402


@pytest.mark.parametrize("category", ["BAG", "HOOD", "STK"])
def test_order_a_whole_category(conn, seed, category):
    buyer = seed["customers"][GENERATED_CUSTOMERS[CATEGORIES.index(category)][0]]
    skus = [(sku, price) for sku, _, price, qty in ACTIVE_PRODUCTS if sku.startswith(category + "-") and qty >= 2]
    result = place(conn, buyer, [{"sku": s, "quantity": 2} for s, _ in skus])
    order = result["order"]
    assert order["subtotal_cents"] == sum(2 * p for _, p in skus)
    assert [i["sku"] for i in orders.items(conn, order["id"])] == sorted(s for s, _ in skus)


@pytest.mark.parametrize("basket_seed", range(6))
def test_service_prices_like_the_pricing_module(conn, seed, basket_seed):
    rng = random.Random(basket_seed)
    email, _, tier = GENERATED_CUSTOMERS[rng.randrange(len(GENERATED_CUSTOMERS))]
    picks = rng.sample(ACTIVE_PRODUCTS[5:], rng.randint(2, 6))
    lines = [{"sku": sku, "quantity": rng.randint(1, min(qty, 12))} for sku, _, _, qty in picks]
    coupon = rng.choice([None, "WELCOME10", "FIVEOFF"])
    country = rng.choice(["DE", "FR", "NL", "LU", "CH"])
    result = place(conn, seed["customers"][email], lines, coupon=coupon, country=country)
    expected = pricing.quote(
        [pricing.Line(sku, Money(price), l["quantity"]) for l, (sku, _, price, _) in zip(lines, picks)],
        tier=tier, coupon_code=coupon, country=country, today=TODAY)
    order = result["order"]
    assert (order["subtotal_cents"], order["discount_cents"], order["total_cents"]) == (
        expected.subtotal.cents, expected.discount.cents, expected.total.cents)
    for line, (sku, *_rest, qty) in zip(lines, picks):
        assert products.by_sku(conn, sku)["stock"] == qty - line["quantity"]


def test_cancel_a_large_order_returns_every_line(conn, seed, bob):
    picks = [(sku, qty) for sku, _, _, qty in ACTIVE_PRODUCTS[5:20]]
    order = place(conn, bob, [{"sku": s, "quantity": q // 2} for s, q in picks])["order"]
    service.transition(conn, order["id"], "cancelled")
    for sku, qty in picks:
        row = products.by_sku(conn, sku)
        assert row["stock"] == qty
        assert [m["delta"] for m in products.movements(conn, row["id"])][-2:] == [-(qty // 2), qty // 2]


def test_many_small_orders_drain_stock_exactly(conn, seed):
    sku, _, _, qty = min((p for p in ACTIVE_PRODUCTS[5:] if p[3] >= 20), key=lambda p: p[3])
    buyers = [seed["customers"][e] for e, _, _ in GENERATED_CUSTOMERS[:qty]]
    for i in range(qty):
        place(conn, buyers[i % len(buyers)], [{"sku": sku, "quantity": 1}])
    assert products.by_sku(conn, sku)["stock"] == 0
    with pytest.raises(OutOfStock):
        place(conn, buyers[0], [{"sku": sku, "quantity": 1}])
    assert orders.count(conn) == qty
