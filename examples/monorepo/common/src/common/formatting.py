"""Human-facing text: amounts, document numbers, percentages."""

from __future__ import annotations

from decimal import Decimal

from common.money import Money, currency


def format_money(value: Money, *, symbol: bool = True) -> str:
    """`Money(123456, "EUR")` -> "€1,234.56"; negative amounts as "-€5.00"; JPY without decimals."""
    cur = currency(value.code)
    digits = f"{abs(value.amount):,.{cur.exponent}f}"
    sign = "-" if value.minor < 0 else ""
    return f"{sign}{cur.symbol}{digits}" if symbol else f"{sign}{digits} {cur.code}"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """`("INV", 2024, 7)` -> "INV-2024-00007"."""
    if not prefix.isalpha() or not prefix.isupper():
        raise ValueError(f"prefix must be upper-case letters: {prefix!r}")
    if sequence < 1 or sequence > 99999:
        raise ValueError(f"sequence out of range: {sequence}")
    return f"{prefix}-{year:04d}-{sequence:05d}"


def format_rate(rate: Decimal) -> str:
    """Decimal("0.19") -> "19%", Decimal("0.055") -> "5.5%"."""
    pct = (rate * 100).normalize()
    return f"{pct:f}%"
