"""The backend relies on these behaviours of the workspace's `common` package."""

from decimal import Decimal

import pytest
from common.formatting import document_number, format_money, format_rate
from common.money import Money, MoneyError


def test_allocation_never_loses_a_cent():
    parts = Money.of("10.00").allocate([1, 1, 1])
    assert [p.minor for p in parts] == [334, 333, 333]


def test_money_refuses_mixed_currencies():
    with pytest.raises(MoneyError):
        Money.of("1", "EUR") + Money.of("1", "USD")


@pytest.mark.parametrize(
    "money,text", [(Money(123456, "EUR"), "€1,234.56"), (Money(-500, "USD"), "-$5.00"), (Money(1200, "JPY"), "¥1,200")]
)
def test_amounts_are_formatted_for_people(money, text):
    assert format_money(money) == text


def test_document_numbers_are_zero_padded():
    assert document_number("INV", 2024, 7) == "INV-2024-00007"


def test_rates_are_shown_as_percentages():
    assert format_rate(Decimal("0.19")) == "19%"
    assert format_rate(Decimal("0.055")) == "5.5%"
