from decimal import Decimal

import pytest
from common.money import Money

from billing.invoices import Invoice, InvoiceError, Line, line_from_payload


def test_subtotal_sums_quantity_times_price(mixed_invoice, eur):
    assert mixed_invoice.subtotal == eur("74.98")


def test_tax_is_computed_per_tax_class(mixed_invoice, eur):
    taxes = mixed_invoice.tax_by_class()
    assert taxes == {"reduced": eur("2.10"), "standard": eur("8.55")}
    assert mixed_invoice.gross == eur("74.98") + eur("10.65")


def test_discount_is_spread_over_tax_classes_without_losing_a_cent(mixed_invoice, eur):
    discounted = mixed_invoice.with_discount(10)
    nets = discounted.net_by_tax()
    assert sum(n.minor for n in nets.values()) == eur("74.98").minor - eur("7.50").minor
    assert discounted.net == eur("67.48")


@pytest.mark.parametrize("percent", [-1, 51])
def test_discounts_outside_zero_to_fifty_are_refused(mixed_invoice, percent):
    with pytest.raises(InvoiceError):
        mixed_invoice.with_discount(percent)


def test_an_issued_invoice_cannot_change(mixed_invoice, eur):
    issued = Invoice(mixed_invoice.customer, lines=mixed_invoice.lines, number="INV-2024-00001").move_to("issued")
    with pytest.raises(InvoiceError, match="issued"):
        issued.add(Line("Late addition", 1, eur("1.00")))


@pytest.mark.parametrize(
    "start,target,allowed",
    [("draft", "issued", True), ("draft", "paid", False), ("issued", "paid", True),
     ("issued", "void", True), ("void", "issued", False)],
)
def test_life_cycle(eur, start, target, allowed):
    invoice = Invoice("c", lines=(Line("x", 1, eur("1.00")),), status=start, number="INV-2024-00001")
    if allowed:
        assert invoice.move_to(target).status == target
    else:
        with pytest.raises(InvoiceError):
            invoice.move_to(target)


def test_an_empty_invoice_cannot_be_issued():
    with pytest.raises(InvoiceError, match="empty"):
        Invoice("c", number="INV-2024-00001").move_to("issued")


def test_lines_must_match_the_invoice_currency():
    with pytest.raises(InvoiceError, match="USD"):
        Invoice("c", "EUR").add(Line("x", 1, Money.of("1", "USD")))


def test_line_from_payload_parses_decimal_strings():
    line = line_from_payload({"description": "Mug", "quantity": "3", "unit_price": "4.505"}, "EUR")
    assert line.net == Money.of("13.53", "EUR")
    assert line.unit_price.amount == Decimal("4.51")


@pytest.mark.parametrize(
    "payload,message",
    [({"quantity": 1, "unit_price": "1"}, "description"),
     ({"description": "x", "quantity": 0, "unit_price": "1"}, "quantity"),
     ({"description": "x", "quantity": 1, "unit_price": "abc"}, "bad line"),
     ({"description": "x", "quantity": 1, "unit_price": "1", "tax": "luxury"}, "tax class")],
)
def test_bad_lines_are_refused_with_a_reason(payload, message):
    with pytest.raises(InvoiceError, match=message):
        line_from_payload(payload, "EUR")
