"""Pricing rules: line totals, tier discounts, coupons, shipping and tax."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Dict, List, Optional, Sequence

from app.domain.money import Money, total, zero

TIER_DISCOUNT_PCT = {"standard": 0, "silver": 5, "gold": 10}
VAT_RATES = {"DE": Decimal("19"), "FR": Decimal("20"), "NL": Decimal("21"), "LU": Decimal("17"),
             "GB": Decimal("20"), "CH": Decimal("8.1")}
FREE_SHIPPING_FROM = 5000
SHIPPING_FLAT = 495
BULK_THRESHOLD = 10
BULK_PCT = 3


class PricingError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    sku: str
    unit_price: Money
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise PricingError(f"quantity must be positive for {self.sku}")

    @property
    def amount(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class Coupon:
    code: str
    percent_off: int = 0
    amount_off_cents: int = 0
    min_subtotal_cents: int = 0
    expires: Optional[date] = None
    skus: Sequence[str] = ()

    def applies(self, subtotal: Money, today: date, skus: Sequence[str]) -> bool:
        if self.expires is not None and today > self.expires:
            return False
        if subtotal.cents < self.min_subtotal_cents:
            return False
        if self.skus and not set(self.skus) & set(skus):
            return False
        return True


COUPONS: Dict[str, Coupon] = {
    "WELCOME10": Coupon("WELCOME10", percent_off=10, min_subtotal_cents=2000),
    "FIVEOFF": Coupon("FIVEOFF", amount_off_cents=500),
    "SUMMER24": Coupon("SUMMER24", percent_off=15, expires=date(2024, 9, 1)),
    "MUGS20": Coupon("MUGS20", percent_off=20, skus=("MUG-001", "MUG-002")),
}


@dataclass
class Quote:
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    applied: List[str] = field(default_factory=list)


def find_coupon(code: Optional[str]) -> Optional[Coupon]:
    if not code:
        return None
    coupon = COUPONS.get(code.strip().upper())
    if coupon is None:
        raise PricingError(f"unknown coupon {code!r}")
    return coupon


def subtotal(lines: Sequence[Line], currency: str = "EUR") -> Money:
    return total((line.amount for line in lines), currency)


def tier_discount(amount: Money, tier: str) -> Money:
    if tier not in TIER_DISCOUNT_PCT:
        raise PricingError(f"unknown tier {tier!r}")
    return amount.percent(TIER_DISCOUNT_PCT[tier])


def bulk_discount(lines: Sequence[Line]) -> Money:
    """3% off every line with at least BULK_THRESHOLD units."""
    currency = lines[0].unit_price.currency if lines else "EUR"
    return total((l.amount.percent(BULK_PCT) for l in lines if l.quantity >= BULK_THRESHOLD), currency)


def coupon_discount(coupon: Optional[Coupon], amount: Money, today: date, skus: Sequence[str]) -> Money:
    if coupon is None or not coupon.applies(amount, today, skus):
        return zero(amount.currency)
    if coupon.percent_off:
        return amount.percent(coupon.percent_off)
    return Money(min(coupon.amount_off_cents, amount.cents), amount.currency)


def shipping(amount_after_discount: Money, country: str) -> Money:
    if amount_after_discount.cents >= FREE_SHIPPING_FROM:
        return zero(amount_after_discount.currency)
    if country in ("LU", "CH"):
        return Money(SHIPPING_FLAT + 300, amount_after_discount.currency)
    return Money(SHIPPING_FLAT, amount_after_discount.currency)


def vat(amount: Money, country: str) -> Money:
    rate = VAT_RATES.get(country)
    if rate is None:
        raise PricingError(f"no VAT rate for {country!r}")
    return amount.percent(rate)


def quote(lines: Sequence[Line], *, tier: str = "standard", coupon_code: Optional[str] = None,
          country: str = "DE", today: Optional[date] = None) -> Quote:
    """The full price of a basket. Discounts never exceed the subtotal."""
    if not lines:
        raise PricingError("empty basket")
    currencies = {l.unit_price.currency for l in lines}
    if len(currencies) != 1:
        raise PricingError("mixed currencies in basket")
    today = today or date.today()
    sub = subtotal(lines, currencies.pop())
    applied: List[str] = []
    discount = zero(sub.currency)
    tier_part = tier_discount(sub, tier)
    if not tier_part.is_zero():
        applied.append(f"tier:{tier}")
        discount = discount + tier_part
    bulk_part = bulk_discount(lines)
    if not bulk_part.is_zero():
        applied.append("bulk")
        discount = discount + bulk_part
    coupon = find_coupon(coupon_code)
    coupon_part = coupon_discount(coupon, sub - discount, today, [l.sku for l in lines])
    if not coupon_part.is_zero():
        applied.append(f"coupon:{coupon.code}")  # type: ignore[union-attr]
        discount = discount + coupon_part
    if discount.cents > sub.cents:
        discount = sub
    net = sub - discount
    ship = shipping(net, country)
    tax = vat(net + ship, country)
    return Quote(sub, discount, ship, tax, net + ship + tax, applied)
