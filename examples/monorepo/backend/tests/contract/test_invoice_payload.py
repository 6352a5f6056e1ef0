"""The published invoice payload (schema 2): consumers parse these keys and types."""

from decimal import Decimal

from billing.serializers import SCHEMA_VERSION, invoice_payload

REQUIRED = {"schema": int, "number": (str, type(None)), "customer": str, "status": str, "currency": str,
            "lines": list, "discount_percent": int, "taxes": list, "net": str, "tax": str, "gross": str,
            "gross_display": str}


def test_payload_has_every_published_key_with_its_type(mixed_invoice):
    payload = invoice_payload(mixed_invoice)
    assert set(payload) == set(REQUIRED)
    for key, kind in REQUIRED.items():
        assert isinstance(payload[key], kind), key
    assert payload["schema"] == SCHEMA_VERSION == 2


def test_amounts_are_decimal_strings_never_floats(mixed_invoice):
    payload = invoice_payload(mixed_invoice)
    for amount in [payload["net"], payload["tax"], payload["gross"]] + [l["net"] for l in payload["lines"]]:
        assert isinstance(amount, str)
        Decimal(amount)


def test_gross_is_net_plus_tax(mixed_invoice):
    payload = invoice_payload(mixed_invoice.with_discount(15))
    assert Decimal(payload["net"]) + Decimal(payload["tax"]) == Decimal(payload["gross"])
    assert sum(Decimal(t["amount"]) for t in payload["taxes"]) == Decimal(payload["tax"])


def test_lines_keep_their_order_and_tax_class(mixed_invoice):
    lines = invoice_payload(mixed_invoice)["lines"]
    assert [l["description"] for l in lines] == ["Consulting hour", "USB cable", "Field guide (book)"]
    assert [l["tax"] for l in lines] == ["standard", "standard", "reduced"]
