"""Money as integer minor units with a currency: exact sums, rounding and fair allocation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import List, Sequence, Union


class MoneyError(ValueError):
    pass


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    symbol: str


CURRENCIES = {
    "EUR": Currency("EUR", 2, "€"),
    "USD": Currency("USD", 2, "$"),
    "GBP": Currency("GBP", 2, "£"),
    "JPY": Currency("JPY", 0, "¥"),
}


def currency(code: str) -> Currency:
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        raise MoneyError(f"unknown currency {code!r}") from None


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    code: str = "EUR"

    def __post_init__(self) -> None:
        currency(self.code)
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError("minor units must be an int")

    @classmethod
    def of(cls, amount: Union[str, int, Decimal], code: str = "EUR") -> "Money":
        """`Money.of("12.345", "EUR")` -> 12.35 EUR (half-up to the currency's minor unit)."""
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise MoneyError(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise MoneyError(f"not a finite amount: {amount!r}")
        scale = Decimal(10) ** currency(code).exponent
        return cls(int((value * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)), code.upper())

    @classmethod
    def zero(cls, code: str = "EUR") -> "Money":
        return cls(0, code)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-currency(self.code).exponent)

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.code != self.code:
            raise MoneyError(f"cannot mix {self.code} and {other.code}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor + other.minor, self.code)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor - other.minor, self.code)

    def __neg__(self) -> "Money":
        return Money(-self.minor, self.code)

    def times(self, factor: Union[int, str, Decimal]) -> "Money":
        """Multiply by a quantity or a rate, rounding half-up to the minor unit."""
        product = Decimal(self.minor) * Decimal(str(factor))
        return Money(int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.code)

    def allocate(self, ratios: Sequence[int]) -> List["Money"]:
        """Split into parts proportional to `ratios` without losing a cent: the remainder goes to
        the first parts, one minor unit each (so 10.00 split 1:1:1 is 3.34, 3.33, 3.33)."""
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("ratios must be non-negative and not all zero")
        total = sum(ratios)
        parts = [self.minor * r // total for r in ratios]
        for i in range(self.minor - sum(parts)):
            parts[i % len(parts)] += 1
        return [Money(p, self.code) for p in parts]


def total(items: Sequence[Money], code: str = "EUR") -> Money:
    result = Money.zero(code)
    for item in items:
        result = result + item
    return result
