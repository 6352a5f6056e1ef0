from decimal import Decimal

import pytest

from app.domain.money import CurrencyMismatch, Money, MoneyError, total, zero


@pytest.mark.parametrize(
    "text, currency, cents",
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("0", "EUR", 0),
        ("0.01", "EUR", 1),
        ("0.005", "EUR", 1),
        ("0.004", "EUR", 0),
        ("-3.20", "EUR", -320),
        ("1,234.56", "USD", 123456),
        ("1_000", "USD", 100000),
        ("€9.99", "EUR", 999),
        ("$ 5", "USD", 500),
        ("£0.10", "GBP", 10),
        ("¥1200", "JPY", 1200),
        ("1200.4", "JPY", 1200),
        ("1200.5", "JPY", 1201),
        ("  7.25  ", "CHF", 725),
        (3, "EUR", 300),
        (2.5, "EUR", 250),
        (Decimal("19.999"), "SEK", 2000),
    ],
)
def test_parse(text, currency, cents):
    assert Money.parse(text, currency) == Money(cents, currency)


@pytest.mark.parametrize("bad", ["", "   ", "abc", "1.2.3", "NaN", "Infinity", "--1", True])
def test_parse_rejects(bad):
    with pytest.raises(MoneyError):
        Money.parse(bad)


def test_parse_unknown_currency():
    with pytest.raises(MoneyError):
        Money.parse("1", "XYZ")


@pytest.mark.parametrize("cents", [1.5, "100", None, False])
def test_cents_must_be_int(cents):
    with pytest.raises(MoneyError):
        Money(cents)


def test_unknown_currency_rejected():
    with pytest.raises(MoneyError):
        Money(1, "DOGE")


@pytest.mark.parametrize(
    "a, b, expected",
    [(100, 250, 350), (0, 0, 0), (-100, 50, -50), (999_999, 1, 1_000_000)],
)
def test_add(a, b, expected):
    assert Money(a) + Money(b) == Money(expected)


@pytest.mark.parametrize("a, b, expected", [(500, 200, 300), (200, 500, -300), (0, 0, 0)])
def test_sub(a, b, expected):
    assert Money(a) - Money(b) == Money(expected)


def test_neg():
    assert -Money(120) == Money(-120)


def test_currency_mismatch():
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")


def test_add_non_money():
    with pytest.raises(TypeError):
        Money(1) + 1


@pytest.mark.parametrize(
    "cents, factor, expected",
    [
        (100, 3, 300),
        (333, "0.5", 166),  # 166.5 -> banker's rounding to even
        (335, "0.5", 168),  # 167.5 -> 168
        (1000, Decimal("1.19"), 1190),
        (1, "0.5", 0),
        (3, "0.5", 2),
        (0, 7, 0),
    ],
)
def test_times(cents, factor, expected):
    assert Money(cents).times(factor) == Money(expected)


@pytest.mark.parametrize(
    "cents, pct, expected",
    [(10000, 10, 1000), (1999, 5, 100), (1990, 15, 298), (100, "8.1", 8), (0, 50, 0), (12345, 0, 0)],
)
def test_percent(cents, pct, expected):
    assert Money(cents).percent(pct) == Money(expected)


@pytest.mark.parametrize(
    "cents, ratios, parts",
    [
        (100, [1, 1], [50, 50]),
        (100, [1, 1, 1], [34, 33, 33]),
        (5, [3, 7], [2, 3]),
        (1000, [1, 0, 1], [500, 0, 500]),
        (7, [1, 1, 1, 1], [2, 2, 2, 1]),
        (0, [2, 3], [0, 0]),
    ],
)
def test_allocate(cents, ratios, parts):
    result = Money(cents).allocate(ratios)
    assert [m.cents for m in result] == parts
    assert sum(m.cents for m in result) == cents


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocate_rejects(ratios):
    with pytest.raises(MoneyError):
        Money(100).allocate(ratios)


@pytest.mark.parametrize(
    "money, text",
    [
        (Money(1250), "€12.50"),
        (Money(5), "€0.05"),
        (Money(-1250), "-€12.50"),
        (Money(123456789), "€1,234,567.89"),
        (Money(1200, "JPY"), "¥1,200"),
        (Money(500, "USD"), "$5.00"),
        (Money(725, "CHF"), "7.25 CHF"),
        (Money(99, "SEK"), "0.99 SEK"),
    ],
)
def test_format(money, text):
    assert money.format() == text
    assert str(money) == text


@pytest.mark.parametrize(
    "money, text",
    [(Money(1250), "12.50 EUR"), (Money(1200, "JPY"), "1,200 JPY"), (Money(-1, "GBP"), "-0.01 GBP")],
)
def test_format_without_symbol(money, text):
    assert money.format(symbol=False) == text


def test_zero_and_total():
    assert zero().is_zero()
    assert not Money(1).is_zero()
    assert total([Money(1), Money(2), Money(3)]) == Money(6)
    assert total([], "USD") == Money(0, "USD")


def test_ordering():
    assert sorted([Money(3), Money(1), Money(2)]) == [Money(1), Money(2), Money(3)]


@pytest.mark.parametrize(
    "text, currency, cents",
    [("7.25 CHF", "CHF", 725), ("0.99 sek", "SEK", 99), ("1,200 JPY", "JPY", 1200), ("-12.50 EUR", "EUR", -1250)],
)
def test_parse_accepts_a_trailing_currency_code(text, currency, cents):
    assert Money.parse(text, currency) == Money(cents, currency)


def test_parse_rejects_another_currency_code():
    with pytest.raises(MoneyError):
        Money.parse("7.25 CHF", "SEK")
