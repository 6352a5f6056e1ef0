"""Quotes for generated baskets: invariants, and agreement with an independent reference pricer."""

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from app.domain import pricing
from app.domain.money import Money
from tests import factories

TODAY = date(2024, 6, 1)
BASKETS = 240
COUPON_CODES = [None, "WELCOME10", "FIVEOFF", "SUMMER24", "MUGS20"]


def lines_of(items):
    return [pricing.Line(s, Money(p), q) for s, p, q in items]


def half_even(value):
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def reference_quote(items, tier, code, country, today):
    """The pricing rules written out again, in plain integers and Decimals."""
    sub = sum(p * q for _, p, q in items)
    discount = half_even(Decimal(sub) * pricing.TIER_DISCOUNT_PCT[tier] / 100)
    discount += sum(half_even(Decimal(p * q) * pricing.BULK_PCT / 100) for _, p, q in items
                    if q >= pricing.BULK_THRESHOLD)
    coupon = pricing.COUPONS.get(code) if code else None
    base = sub - discount
    if coupon and (coupon.expires is None or today <= coupon.expires) and base >= coupon.min_subtotal_cents \
            and (not coupon.skus or set(coupon.skus) & {s for s, _, _ in items}):
        discount += half_even(Decimal(base) * coupon.percent_off / 100) if coupon.percent_off \
            else min(coupon.amount_off_cents, base)
    discount = min(discount, sub)
    net = sub - discount
    ship = 0 if net >= pricing.FREE_SHIPPING_FROM else pricing.SHIPPING_FLAT + (300 if country in ("LU", "CH") else 0)
    tax = half_even(Decimal(net + ship) * pricing.VAT_RATES[country] / 100)
    return sub, discount, ship, tax, net + ship + tax


def generated(seed):
    rng = random.Random(seed)
    for _ in range(BASKETS):
        items = factories.cart(rng)
        if rng.random() < 0.2:
            items[0] = (rng.choice(["MUG-001", "MUG-002"]), items[0][1], items[0][2])
        yield (items, rng.choice(factories.TIERS), rng.choice(COUPON_CODES), rng.choice(factories.COUNTRIES),
               TODAY + timedelta(days=rng.randint(-200, 200)))


@pytest.mark.parametrize("seed", range(5))
def test_quote_invariants(seed):
    for items, tier, code, country, today in generated(seed):
        q = pricing.quote(lines_of(items), tier=tier, coupon_code=code, country=country, today=today)
        assert q.total == q.subtotal - q.discount + q.shipping + q.tax
        assert 0 <= q.discount.cents <= q.subtotal.cents
        net = q.subtotal - q.discount
        assert q.shipping.is_zero() == (net.cents >= pricing.FREE_SHIPPING_FROM)
        assert q.tax == pricing.vat(net + q.shipping, country)
        assert len(q.applied) == len(set(q.applied))
        assert ("bulk" in q.applied) == any(qty >= pricing.BULK_THRESHOLD for _, _, qty in items)


@pytest.mark.parametrize("seed", range(10, 15))
def test_quote_matches_reference(seed):
    for items, tier, code, country, today in generated(seed):
        q = pricing.quote(lines_of(items), tier=tier, coupon_code=code, country=country, today=today)
        got = (q.subtotal.cents, q.discount.cents, q.shipping.cents, q.tax.cents, q.total.cents)
        assert got == reference_quote(items, tier, code, country, today), (items, tier, code, country, today)


@pytest.mark.parametrize("seed", range(3))
def test_better_tier_never_costs_more(seed):
    rng = random.Random(seed)
    for _ in range(BASKETS):
        lines = lines_of(factories.cart(rng))
        country = rng.choice(factories.COUNTRIES)
        totals = [pricing.quote(lines, tier=t, country=country, today=TODAY) for t in factories.TIERS]
        assert totals[0].discount <= totals[1].discount <= totals[2].discount
        subs = {t.subtotal for t in totals}
        assert len(subs) == 1


@pytest.mark.parametrize("code", COUPON_CODES[1:])
def test_a_coupon_never_raises_the_subtotal_after_discount(code):
    rng = random.Random(code)
    for _ in range(BASKETS):
        lines = lines_of(factories.cart(rng))
        tier = rng.choice(factories.TIERS)
        without = pricing.quote(lines, tier=tier, today=TODAY)
        with_coupon = pricing.quote(lines, tier=tier, coupon_code=code.lower(), today=TODAY)
        assert with_coupon.discount >= without.discount
        assert with_coupon.subtotal - with_coupon.discount <= without.subtotal - without.discount


@pytest.mark.parametrize("country", factories.COUNTRIES)
def test_vat_and_shipping_per_country(country):
    rng = random.Random(country)
    for _ in range(BASKETS * 2):
        amount = Money(rng.randint(0, 20000))
        assert pricing.vat(amount, country).cents == half_even(Decimal(amount.cents) * pricing.VAT_RATES[country] / 100)
        ship = pricing.shipping(amount, country)
        if amount.cents >= pricing.FREE_SHIPPING_FROM:
            assert ship.is_zero()
        else:
            assert ship.cents in (pricing.SHIPPING_FLAT, pricing.SHIPPING_FLAT + 300)


@pytest.mark.parametrize("seed", range(3))
def test_bulk_discount_is_three_percent_of_big_lines(seed):
    rng = random.Random(seed)
    for _ in range(BASKETS):
        items = factories.cart(rng)
        expected = sum(half_even(Decimal(p * q) * 3 / 100) for _, p, q in items if q >= 10)
        assert pricing.bulk_discount(lines_of(items)).cents == expected


@pytest.mark.parametrize("seed", range(3))
def test_subtotal_is_the_sum_of_lines(seed):
    rng = random.Random(seed)
    for _ in range(BASKETS):
        items = factories.cart(rng)
        assert pricing.subtotal(lines_of(items)).cents == sum(p * q for _, p, q in items)
