"""The JSON the API sends must keep matching its published schemas."""

import json
from datetime import date, datetime, timezone

import pytest

from app.api import schemas, serializers
from app.domain import pricing
from app.domain.money import Money
from app.domain.validation import ValidationError

CREATED = datetime(2024, 5, 17, 9, 30, tzinfo=timezone.utc)

CUSTOMERS = [
    {"id": 1, "email": "alice@example.com", "name": "Alice Liddell", "tier": "gold", "created_at": CREATED},
    {"id": 2, "email": "bob@example.com", "name": "Bob", "tier": "standard", "created_at": None},
    {"id": 3, "email": "carol@example.com", "name": "Carol Ann Duffy", "tier": "silver"},
]

LINES = [
    {"sku": "MUG-001", "name": "Blue Mug", "quantity": 2, "unit_price_cents": 1250},
    {"sku": "TEE-100", "name": "Logo Tee", "quantity": 1, "unit_price_cents": 1999},
]

ORDERS = [
    ({"id": 7, "status": "pending", "customer_id": 1, "coupon": None, "subtotal_cents": 4499,
      "discount_cents": 0, "total_cents": 5354, "created_at": CREATED}, LINES),
    ({"id": 8, "status": "paid", "customer_id": 2, "coupon": "FIVEOFF", "subtotal_cents": 1250,
      "discount_cents": 500, "total_cents": 1482, "created_at": CREATED}, LINES[:1]),
    ({"id": 123456, "status": "cancelled", "customer_id": 3, "subtotal_cents": 0,
      "discount_cents": 0, "total_cents": 0}, []),
]


@pytest.mark.parametrize("row", CUSTOMERS, ids=lambda r: r["email"])
def test_customer_payload_matches_schema(row):
    assert schemas.validate(serializers.customer(row), schemas.CUSTOMER) == []


@pytest.mark.parametrize("row, lines", ORDERS, ids=[f"order-{row['id']}" for row, _ in ORDERS])
def test_order_payload_matches_schema(row, lines):
    assert schemas.validate(serializers.order(row, lines), schemas.ORDER) == []


@pytest.mark.parametrize("currency", ["EUR", "JPY", "SEK"])
@pytest.mark.parametrize("cents", [0, 99, -500, 123456789])
def test_money_payload_matches_schema(currency, cents):
    payload = serializers.money(Money(cents, currency))
    assert schemas.validate(payload, schemas.MONEY) == []


@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "CHF"])
@pytest.mark.parametrize("cents", [0, 1250, -77])
def test_money_roundtrip(currency, cents):
    value = Money(cents, currency)
    assert serializers.parse_money(serializers.money(value)) == value


@pytest.mark.parametrize(
    "items, kwargs",
    [
        ([("MUG-001", 1250, 2)], {}),
        ([("MUG-001", 1250, 4)], {"tier": "gold", "coupon_code": "WELCOME10"}),
        ([("CAP-200", 1000, 12)], {"country": "LU"}),
        ([("TEE-100", 1999, 1), ("MUG-002", 1350, 3)], {"coupon_code": "MUGS20"}),
    ],
)
def test_quote_payload_matches_schema(items, kwargs):
    q = pricing.quote([pricing.Line(s, Money(p), n) for s, p, n in items], today=date(2024, 6, 1), **kwargs)
    payload = serializers.quote(q)
    assert schemas.validate(payload, schemas.QUOTE) == []
    amounts = {k: serializers.parse_money(payload[k]) for k in ("subtotal", "discount", "shipping", "tax", "total")}
    assert amounts["total"] == amounts["subtotal"] - amounts["discount"] + amounts["shipping"] + amounts["tax"]


@pytest.mark.parametrize(
    "exc, kind",
    [
        (ValidationError({"email": "bad"}), "validation_error"),
        (KeyError("order 9"), "not_found"),
        (LookupError("no such thing"), "not_found"),
        (RuntimeError("cannot go from shipped to paid"), "conflict"),
    ],
)
def test_error_payload_matches_schema(exc, kind):
    payload = serializers.error(exc)
    assert payload["error"] == kind
    assert schemas.validate(payload, schemas.ERROR) == []


def test_order_number_and_line_totals():
    payload = serializers.order(*ORDERS[0])
    assert payload["number"] == "SO-202405-000007"
    assert payload["lines"][0]["line_total"]["amount"] == "25.00"
    assert payload["created_at"] == "2024-05-17T09:30:00+00:00"


def test_order_without_created_at_omits_it():
    payload = serializers.order(*ORDERS[2])
    assert "created_at" not in payload
    assert payload["coupon"] is None


def test_customer_without_created_at_omits_it():
    assert "created_at" not in serializers.customer(CUSTOMERS[1])


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
        ({"name": "Crème"}, '{"name":"Crème"}'),
        ([], "[]"),
    ],
)
def test_canonical_json(payload, expected):
    assert serializers.dumps(payload) == expected
    assert json.loads(serializers.dumps(payload)) == payload


# The validator itself: a contract test is only as good as the schema check behind it.

@pytest.mark.parametrize(
    "value, schema, problem",
    [
        ("x", {"type": "integer"}, "expected integer"),
        (True, {"type": "integer"}, "expected integer"),
        (1.5, {"type": ["string", "null"]}, "expected string|null"),
        ("gold", {"enum": ["silver"]}, "not in"),
        ("", {"type": "string", "minLength": 1}, "shorter than"),
        ("abc", {"type": "string", "pattern": r"^\d+$"}, "does not match"),
        ("yesterday", {"type": "string", "format": "date-time"}, "ISO 8601"),
        (-1, {"type": "integer", "minimum": 0}, "below minimum"),
        ({}, {"type": "object", "required": ["id"]}, "missing id"),
        ({"x": 1}, {"type": "object", "additionalProperties": False}, "unexpected x"),
        ([1, "a"], {"type": "array", "items": {"type": "integer"}}, "$[1]"),
        ({"a": {"b": "x"}}, {"properties": {"a": {"properties": {"b": {"type": "integer"}}}}}, "$.a.b"),
    ],
)
def test_validator_reports(value, schema, problem):
    errors = schemas.validate(value, schema)
    assert errors and problem in errors[0]


BREAKING_CHANGES = {
    "customer-drops-email": ("CUSTOMER", lambda p: p.pop("email")),
    "customer-unknown-tier": ("CUSTOMER", lambda p: p.update(tier="platinum")),
    "customer-extra-field": ("CUSTOMER", lambda p: p.update(extra=1)),
    "customer-id-zero": ("CUSTOMER", lambda p: p.update(id=0)),
    "order-unknown-status": ("ORDER", lambda p: p.update(status="lost")),
    "order-line-zero-quantity": ("ORDER", lambda p: p["lines"][0].update(quantity=0)),
    "order-total-comma": ("ORDER", lambda p: p["total"].update(amount="12,50")),
    "order-bad-number": ("ORDER", lambda p: p.update(number="7")),
    "order-price-without-currency": ("ORDER", lambda p: p["lines"][0]["unit_price"].pop("currency")),
}


@pytest.mark.parametrize("schema_name, mutate", list(BREAKING_CHANGES.values()), ids=list(BREAKING_CHANGES))
def test_breaking_changes_are_caught(schema_name, mutate):
    payload = (serializers.customer(CUSTOMERS[0]) if schema_name == "CUSTOMER"
               else serializers.order(*ORDERS[0]))
    mutate(payload)
    assert schemas.validate(payload, getattr(schemas, schema_name)) != []
