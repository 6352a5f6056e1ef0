from datetime import date

import pytest

from app.domain import pricing
from app.domain.money import Money
from app.domain.pricing import Coupon, Line, PricingError

TODAY = date(2024, 6, 1)


def basket(*items):
    return [Line(sku, Money(price), qty) for sku, price, qty in items]


def test_line_amount():
    assert Line("MUG-001", Money(1250), 3).amount == Money(3750)


@pytest.mark.parametrize("qty", [0, -1])
def test_line_quantity_positive(qty):
    with pytest.raises(PricingError):
        Line("MUG-001", Money(100), qty)


@pytest.mark.parametrize(
    "tier, expected", [("standard", 0), ("silver", 500), ("gold", 1000)]
)
def test_tier_discount(tier, expected):
    assert pricing.tier_discount(Money(10000), tier) == Money(expected)


def test_unknown_tier():
    with pytest.raises(PricingError):
        pricing.tier_discount(Money(100), "platinum")


@pytest.mark.parametrize(
    "code, expected",
    [(None, None), ("", None), ("welcome10", "WELCOME10"), (" FIVEOFF ", "FIVEOFF")],
)
def test_find_coupon(code, expected):
    coupon = pricing.find_coupon(code)
    assert (coupon.code if coupon else None) == expected


def test_unknown_coupon():
    with pytest.raises(PricingError):
        pricing.find_coupon("FREEMONEY")


@pytest.mark.parametrize(
    "coupon, subtotal, today, skus, applies",
    [
        (Coupon("A", percent_off=10), 100, TODAY, [], True),
        (Coupon("A", percent_off=10, min_subtotal_cents=200), 100, TODAY, [], False),
        (Coupon("A", percent_off=10, expires=date(2024, 5, 31)), 100, TODAY, [], False),
        (Coupon("A", percent_off=10, expires=date(2024, 6, 1)), 100, TODAY, [], True),
        (Coupon("A", percent_off=10, skus=("MUG-001",)), 100, TODAY, ["TEE-100"], False),
        (Coupon("A", percent_off=10, skus=("MUG-001",)), 100, TODAY, ["TEE-100", "MUG-001"], True),
    ],
)
def test_coupon_applies(coupon, subtotal, today, skus, applies):
    assert coupon.applies(Money(subtotal), today, skus) is applies


@pytest.mark.parametrize(
    "coupon, amount, expected",
    [
        (None, 1000, 0),
        (Coupon("P", percent_off=20), 1000, 200),
        (Coupon("F", amount_off_cents=500), 1000, 500),
        (Coupon("F", amount_off_cents=500), 300, 300),
        (Coupon("M", percent_off=10, min_subtotal_cents=5000), 1000, 0),
    ],
)
def test_coupon_discount(coupon, amount, expected):
    assert pricing.coupon_discount(coupon, Money(amount), TODAY, []) == Money(expected)


@pytest.mark.parametrize(
    "amount, country, expected",
    [(4999, "DE", 495), (5000, "DE", 0), (100, "LU", 795), (100, "CH", 795), (0, "FR", 495), (9999, "CH", 0)],
)
def test_shipping(amount, country, expected):
    assert pricing.shipping(Money(amount), country) == Money(expected)


@pytest.mark.parametrize(
    "amount, country, expected",
    [(10000, "DE", 1900), (10000, "FR", 2000), (10000, "NL", 2100), (10000, "LU", 1700),
     (10000, "CH", 810), (999, "DE", 190)],
)
def test_vat(amount, country, expected):
    assert pricing.vat(Money(amount), country) == Money(expected)


def test_vat_unknown_country():
    with pytest.raises(PricingError):
        pricing.vat(Money(100), "US")


def test_bulk_discount_only_on_big_lines():
    lines = basket(("MUG-001", 1000, 10), ("TEE-100", 2000, 1))
    assert pricing.bulk_discount(lines) == Money(300)
    assert pricing.bulk_discount([]) == Money(0)


@pytest.mark.parametrize(
    "items, kwargs, subtotal, discount, shipping, total, applied",
    [
        ([("MUG-001", 1250, 2)], {}, 2500, 0, 495, 3564, []),
        ([("MUG-001", 1250, 4)], {}, 5000, 0, 0, 5950, []),
        ([("MUG-001", 1250, 4)], {"tier": "gold"}, 5000, 500, 495, 5944, ["tier:gold"]),
        ([("MUG-001", 1250, 2)], {"coupon_code": "WELCOME10"}, 2500, 250, 495, 3267, ["coupon:WELCOME10"]),
        ([("MUG-001", 1250, 1)], {"coupon_code": "WELCOME10"}, 1250, 0, 495, 2077, []),
        ([("MUG-001", 1250, 2)], {"coupon_code": "SUMMER24"}, 2500, 375, 495, 3118, ["coupon:SUMMER24"]),
        ([("MUG-001", 1250, 2)], {"coupon_code": "SUMMER24", "today": date(2024, 10, 1)}, 2500, 0, 495, 3564, []),
        ([("TEE-100", 2000, 1)], {"coupon_code": "MUGS20"}, 2000, 0, 495, 2969, []),
        ([("MUG-001", 300, 1)], {"coupon_code": "FIVEOFF"}, 300, 300, 495, 589, ["coupon:FIVEOFF"]),
        ([("CAP-200", 1000, 10)], {"tier": "silver"}, 10000, 800, 0, 10948, ["tier:silver", "bulk"]),
        ([("MUG-001", 1250, 2)], {"country": "CH"}, 2500, 0, 795, 3562, []),
    ],
)
def test_quote(items, kwargs, subtotal, discount, shipping, total, applied):
    kwargs.setdefault("today", TODAY)
    q = pricing.quote(basket(*items), **kwargs)
    assert (q.subtotal.cents, q.discount.cents, q.shipping.cents, q.total.cents) == (
        subtotal, discount, shipping, total)
    assert q.applied == applied
    assert q.total == q.subtotal - q.discount + q.shipping + q.tax


def test_quote_empty_basket():
    with pytest.raises(PricingError):
        pricing.quote([])


def test_quote_mixed_currencies():
    lines = [Line("MUG-001", Money(100, "EUR"), 1), Line("TEE-100", Money(100, "USD"), 1)]
    with pytest.raises(PricingError):
        pricing.quote(lines)


def test_quote_defaults_to_today():
    q = pricing.quote(basket(("MUG-001", 1000, 1)))
    assert q.subtotal == Money(1000)
