import pytest

from app.domain import validation as v
from app.domain.validation import ValidationError


@pytest.mark.parametrize(
    "email",
    ["alice@example.com", "a.b+tag@sub.example.org", "x_y%z@ex-ample.co", "UPPER@EXAMPLE.COM",
     "1@2.io", "name.surname@company.travel"],
)
def test_valid_emails(email):
    assert v.is_email(email)


@pytest.mark.parametrize(
    "email",
    ["", "alice", "alice@", "@example.com", "alice@example", "alice@@example.com",
     "alice example@x.com", "alice@.com", None, 42, "a@b.c", "x" * 250 + "@example.com"],
)
def test_invalid_emails(email):
    assert not v.is_email(email)


@pytest.mark.parametrize(
    "raw, normalized",
    [("Alice@Example.COM", "Alice@example.com"), ("  bob@x.io ", "bob@x.io"), ("c@D.e", "c@d.e")],
)
def test_normalize_email(raw, normalized):
    assert v.normalize_email(raw) == normalized


@pytest.mark.parametrize("sku", ["MUG-001", "TEE-100", "CAP-200", "ABCDE-123456", "AB-123"])
def test_valid_skus(sku):
    assert v.is_sku(sku)


@pytest.mark.parametrize("sku", ["mug-001", "MUG001", "M-001", "MUG-01", "ABCDEF-123", "MUG-1234567", "", None])
def test_invalid_skus(sku):
    assert not v.is_sku(sku)


@pytest.mark.parametrize(
    "country, postcode, ok",
    [
        ("DE", "10115", True), ("DE", "1011", False), ("FR", "75001", True), ("NL", "1012 AB", True),
        ("NL", "1012ab", True), ("NL", "1012", False), ("LU", "L-1234", True), ("LU", "1234", True),
        ("GB", "SW1A 1AA", True), ("GB", "EC1A1BB", True), ("GB", "123", False), ("CH", "8001", True),
        ("US", "90210", False), ("DE", None, False),
    ],
)
def test_postcodes(country, postcode, ok):
    assert v.is_postcode(country, postcode) is ok


def test_validate_customer_ok():
    assert v.validate_customer({"email": "Dana@Example.com", "name": "  Dana Scully ", "tier": "gold"}) == {
        "email": "Dana@example.com", "name": "Dana Scully", "tier": "gold"}


def test_validate_customer_default_tier():
    assert v.validate_customer({"email": "e@x.io", "name": "E"})["tier"] == "standard"


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({}, {"email", "name"}),
        ({"email": "bad", "name": "X"}, {"email"}),
        ({"email": "a@b.io", "name": "   "}, {"name"}),
        ({"email": "a@b.io", "name": "x" * 121}, {"name"}),
        ({"email": "a@b.io", "name": "X", "tier": "platinum"}, {"tier"}),
        ({"email": None, "name": None, "tier": None}, {"email", "name", "tier"}),
    ],
)
def test_validate_customer_errors(payload, fields):
    with pytest.raises(ValidationError) as info:
        v.validate_customer(payload)
    assert set(info.value.errors) == fields


def test_validation_error_message_is_sorted():
    err = ValidationError({"b": "two", "a": "one"})
    assert str(err) == "a: one; b: two"


def test_validate_order_lines_ok():
    lines = [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-100", "quantity": 1}]
    assert v.validate_order_lines(lines) == lines


@pytest.mark.parametrize(
    "lines, key",
    [
        (None, "lines"),
        ([], "lines"),
        ("MUG-001", "lines"),
        (["MUG-001"], "lines[0]"),
        ([{"sku": "mug", "quantity": 1}], "lines[0].sku"),
        ([{"sku": "MUG-001", "quantity": 0}], "lines[0].quantity"),
        ([{"sku": "MUG-001", "quantity": 1000}], "lines[0].quantity"),
        ([{"sku": "MUG-001", "quantity": True}], "lines[0].quantity"),
        ([{"sku": "MUG-001", "quantity": "2"}], "lines[0].quantity"),
        ([{"sku": "MUG-001", "quantity": 1}, {"sku": "MUG-001", "quantity": 1}], "lines[1].sku"),
    ],
)
def test_validate_order_lines_errors(lines, key):
    with pytest.raises(ValidationError) as info:
        v.validate_order_lines(lines)
    assert key in info.value.errors


def test_validate_address_ok():
    assert v.validate_address({"street": " 1 Main St ", "city": "Berlin", "postcode": "10115", "country": "DE"}) == {
        "street": "1 Main St", "city": "Berlin", "postcode": "10115", "country": "DE"}


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({"street": "x", "city": "y", "postcode": "10115", "country": "US"}, {"country"}),
        ({"street": "x", "city": "y", "postcode": "ABC", "country": "DE"}, {"postcode"}),
        ({"street": "", "city": None, "postcode": "10115", "country": "DE"}, {"street", "city"}),
    ],
)
def test_validate_address_errors(payload, fields):
    with pytest.raises(ValidationError) as info:
        v.validate_address(payload)
    assert set(info.value.errors) == fields


@pytest.mark.parametrize(
    "raw, phone", [("0170 123 4567", "+491701234567"), ("+33 1 23 45 67 89", "+33123456789")]
)
def test_normalize_phone(raw, phone):
    assert v.normalize_phone(raw) == phone
