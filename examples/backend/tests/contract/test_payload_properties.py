"""Generated rows through the serializers: every payload must match its schema, survive a JSON round
trip unchanged, and any breaking change to it must be caught by the schema."""

import copy
import json
import random
from datetime import date, datetime

import pytest

from app.api import schemas, serializers
from app.domain import pricing
from app.domain.money import Money
from tests import factories

CASES = 170


@pytest.mark.parametrize("seed", range(3))
def test_generated_customers_match_schema(seed):
    rng = random.Random(seed)
    for n in range(CASES):
        row = factories.customer_row(rng, n + 1)
        payload = serializers.customer(row)
        assert schemas.validate(payload, schemas.CUSTOMER) == [], payload
        if "created_at" in row:
            assert datetime.fromisoformat(payload["created_at"]) == row["created_at"]


@pytest.mark.parametrize("seed", range(5))
def test_generated_orders_match_schema(seed):
    rng = random.Random(seed)
    for n in range(CASES):
        row, lines = factories.order_rows(rng, rng.randint(1, 999999))
        payload = serializers.order(row, lines)
        assert schemas.validate(payload, schemas.ORDER) == [], payload
        assert len(payload["lines"]) == len(lines)
        for line, out in zip(lines, payload["lines"]):
            assert serializers.parse_money(out["line_total"]).cents == line["quantity"] * line["unit_price_cents"]
        assert serializers.parse_money(payload["total"]).cents == row["total_cents"]


@pytest.mark.parametrize("seed", range(4))
def test_generated_quotes_match_schema(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        q = pricing.quote([pricing.Line(s, Money(p), n) for s, p, n in factories.cart(rng)],
                          tier=rng.choice(factories.TIERS), coupon_code=rng.choice([None, "WELCOME10", "FIVEOFF"]),
                          country=rng.choice(factories.COUNTRIES), today=date(2024, 6, 1))
        payload = serializers.quote(q)
        assert schemas.validate(payload, schemas.QUOTE) == []
        amounts = {k: serializers.parse_money(payload[k]) for k in ("subtotal", "discount", "shipping", "tax", "total")}
        assert amounts["total"] == amounts["subtotal"] - amounts["discount"] + amounts["shipping"] + amounts["tax"]


@pytest.mark.parametrize("currency", factories.CURRENCY_CODES)
def test_money_payloads_round_trip(currency):
    rng = random.Random(f"money-{currency}")
    for _ in range(CASES * 3):
        value = Money(factories.cents(rng), currency)
        payload = serializers.money(value)
        assert schemas.validate(payload, schemas.MONEY) == []
        assert serializers.parse_money(payload) == value
        assert Money.parse(payload["display"], currency) == value


@pytest.mark.parametrize("seed", range(2))
def test_canonical_json_is_stable(seed):
    rng = random.Random(seed)
    for n in range(CASES):
        row, lines = factories.order_rows(rng, n + 1)
        payload = serializers.order(row, lines)
        text = serializers.dumps(payload)
        assert json.loads(text) == payload
        shuffled = dict(rng.sample(list(payload.items()), len(payload)))
        assert serializers.dumps(shuffled) == text


BREAKING = [
    lambda rng, p: p.pop(rng.choice(schemas.ORDER["required"])),
    lambda rng, p: p.update(status=rng.choice(["lost", "PAID", "", "refunded"])),
    lambda rng, p: p.update(id=rng.choice([0, -1, "7", None, 1.5])),
    lambda rng, p: p.update(number=rng.choice(["7", "SO-1-1", "so-202401-000001", ""])),
    lambda rng, p: p.update({rng.choice(["extra", "note", "internal_id"]): 1}),
    lambda rng, p: p[rng.choice(["subtotal", "discount", "total"])].update(amount=rng.choice(["12,50", "1.2.3", "", "x"])),
    lambda rng, p: p[rng.choice(["subtotal", "discount", "total"])].update(currency=rng.choice(["eur", "BTC", ""])),
    lambda rng, p: p[rng.choice(["subtotal", "discount", "total"])].pop("display"),
    lambda rng, p: p.update(created_at=rng.choice(["yesterday", "2024-13-01T00:00:00", "1/2/2024"])),
    lambda rng, p: p.update(lines=rng.choice([None, {}, "MUG-001"])),
]
LINE_BREAKING = [
    lambda rng, l: l.update(quantity=rng.choice([0, -3, "2", True])),
    lambda rng, l: l.update(sku=rng.choice(["mug-001", "MUG001", "M-1", ""])),
    lambda rng, l: l["unit_price"].pop("currency"),
    lambda rng, l: l.pop(rng.choice(schemas.ORDER_LINE["required"])),
]


@pytest.mark.parametrize("seed", range(5))
def test_generated_breaking_changes_are_caught(seed):
    rng = random.Random(seed)
    for n in range(CASES):
        row, lines = factories.order_rows(rng, n + 1)
        row["created_at"] = factories.timestamp(rng)
        good = serializers.order(row, lines)
        broken = copy.deepcopy(good)
        if broken["lines"] and rng.random() < 0.4:
            rng.choice(LINE_BREAKING)(rng, rng.choice(broken["lines"]))
        else:
            rng.choice(BREAKING)(rng, broken)
        assert schemas.validate(good, schemas.ORDER) == []
        assert schemas.validate(broken, schemas.ORDER) != [], broken
