"""Money as integer minor units (cents) with a currency, and the arithmetic the shop needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, List, Union

CURRENCIES = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "CHF": 2, "SEK": 2}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


class MoneyError(ValueError):
    pass


class CurrencyMismatch(MoneyError):
    pass


@dataclass(frozen=True, order=True)
class Money:
    cents: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise MoneyError(f"unknown currency {self.currency!r}")
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise MoneyError("cents must be an int")

    @classmethod
    def parse(cls, text: Union[str, int, float, Decimal], currency: str = "EUR") -> "Money":
        """'12.50', '€12.50' or '12.50 EUR' -> Money(1250). Rounds half-up to the minor unit."""
        if currency not in CURRENCIES:
            raise MoneyError(f"unknown currency {currency!r}")
        if isinstance(text, bool):
            raise MoneyError("not an amount: bool")
        if isinstance(text, str):
            cleaned = text.strip().replace(",", "").replace("_", "")
            for symbol in SYMBOLS.values():
                cleaned = cleaned.replace(symbol, "")
            if cleaned.upper().endswith(currency):  # what format() shows without a symbol: "7.25 CHF"
                cleaned = cleaned[: -len(currency)]
            cleaned = cleaned.strip()
            if not cleaned:
                raise MoneyError("empty amount")
        else:
            cleaned = str(text)
        try:
            amount = Decimal(cleaned)
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {text!r}") from exc
        if not amount.is_finite():
            raise MoneyError(f"not a finite amount: {text!r}")
        places = CURRENCIES[currency]
        minor = (amount * (10**places)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(minor), currency)

    def _check(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.cents, self.currency)

    def times(self, factor: Union[int, Decimal, str]) -> "Money":
        """Multiply, rounding half-even (banker's rounding) to whole minor units."""
        result = (Decimal(self.cents) * Decimal(str(factor))).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
        return Money(int(result), self.currency)

    def percent(self, pct: Union[int, Decimal, str]) -> "Money":
        return self.times(Decimal(str(pct)) / Decimal(100))

    def allocate(self, ratios: Iterable[int]) -> List["Money"]:
        """Split into parts proportional to `ratios`; leftover cents go to the first parts."""
        ratios = list(ratios)
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("ratios must be non-negative and not all zero")
        total = sum(ratios)
        parts = [self.cents * r // total for r in ratios]
        remainder = self.cents - sum(parts)
        for i in range(remainder):
            parts[i % len(parts)] += 1
        return [Money(p, self.currency) for p in parts]

    def is_zero(self) -> bool:
        return self.cents == 0

    def format(self, symbol: bool = True) -> str:
        places = CURRENCIES[self.currency]
        sign = "-" if self.cents < 0 else ""
        whole, frac = divmod(abs(self.cents), 10**places) if places else (abs(self.cents), 0)
        grouped = f"{whole:,}"
        body = f"{grouped}.{frac:0{places}d}" if places else grouped
        if symbol and self.currency in SYMBOLS:
            return f"{sign}{SYMBOLS[self.currency]}{body}"
        return f"{sign}{body} {self.currency}"

    def __str__(self) -> str:
        return self.format()


def zero(currency: str = "EUR") -> Money:
    return Money(0, currency)


def total(amounts: Iterable[Money], currency: str = "EUR") -> Money:
    result = zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def convert(amount: Money, rate: Union[str, Decimal], currency: str) -> Money:
    """Convert with a quoted rate (units of `currency` per unit of amount.currency)."""
    if currency == amount.currency:
        return amount
    if currency not in CURRENCIES:
        raise MoneyError(f"unknown currency {currency!r}")
    rate = Decimal(str(rate))
    if rate <= 0:
        raise MoneyError("rate must be positive")
    major = Decimal(amount.cents).scaleb(-CURRENCIES[amount.currency]) * rate
    return Money.parse(str(major), currency)
