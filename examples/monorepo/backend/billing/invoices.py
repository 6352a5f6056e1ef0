"""The invoice: lines, tax per rate, totals and its life cycle (draft -> issued -> paid, or void)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

from common.money import Money, MoneyError, total

TAX_RATES = {"standard": Decimal("0.19"), "reduced": Decimal("0.07"), "zero": Decimal("0")}

TRANSITIONS = {"draft": {"issued", "void"}, "issued": {"paid", "void"}, "paid": set(), "void": set()}


class InvoiceError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_price: Money
    tax: str = "standard"

    def __post_init__(self) -> None:
        if not self.description.strip():
            raise InvoiceError("a line needs a description")
        if self.quantity < 1:
            raise InvoiceError(f"quantity must be at least 1, got {self.quantity}")
        if self.tax not in TAX_RATES:
            raise InvoiceError(f"unknown tax class {self.tax!r}")

    @property
    def net(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class Invoice:
    customer: str
    currency: str = "EUR"
    lines: Tuple[Line, ...] = ()
    status: str = "draft"
    number: Optional[str] = None
    discount_percent: int = 0
    notes: List[str] = field(default_factory=list)

    def add(self, line: Line) -> "Invoice":
        if self.status != "draft":
            raise InvoiceError(f"cannot change a {self.status} invoice")
        if line.unit_price.code != self.currency:
            raise InvoiceError(f"line in {line.unit_price.code} on a {self.currency} invoice")
        return replace(self, lines=self.lines + (line,))

    def with_discount(self, percent: int) -> "Invoice":
        if not 0 <= percent <= 50:
            raise InvoiceError("discounts go from 0 to 50 percent")
        return replace(self, discount_percent=percent)

    @property
    def subtotal(self) -> Money:
        return total([line.net for line in self.lines], self.currency)

    def net_by_tax(self) -> Dict[str, Money]:
        """Net amount per tax class after the discount; the discount is spread across classes in
        proportion to their net, without losing a cent."""
        classes = sorted({line.tax for line in self.lines})
        nets = [total([l.net for l in self.lines if l.tax == c], self.currency) for c in classes]
        discount = self.subtotal.times(Decimal(self.discount_percent) / 100)
        if discount.minor and self.subtotal.minor:
            shares = discount.allocate([n.minor for n in nets])
            nets = [n - s for n, s in zip(nets, shares)]
        return dict(zip(classes, nets))

    def tax_by_class(self) -> Dict[str, Money]:
        return {c: net.times(TAX_RATES[c]) for c, net in self.net_by_tax().items()}

    @property
    def tax(self) -> Money:
        return total(list(self.tax_by_class().values()), self.currency)

    @property
    def net(self) -> Money:
        return total(list(self.net_by_tax().values()), self.currency)

    @property
    def gross(self) -> Money:
        return self.net + self.tax

    def move_to(self, status: str) -> "Invoice":
        if status not in TRANSITIONS.get(self.status, set()):
            raise InvoiceError(f"cannot go from {self.status} to {status}")
        if status == "issued" and not self.lines:
            raise InvoiceError("cannot issue an empty invoice")
        if status == "issued" and not self.number:
            raise InvoiceError("an issued invoice needs a number")
        return replace(self, status=status)


def line_from_payload(payload: dict, currency: str) -> Line:
    """A line from a request body: {"description", "quantity", "unit_price": "12.50", "tax"?}."""
    try:
        price = Money.of(payload["unit_price"], currency)
        return Line(str(payload["description"]), int(payload["quantity"]), price, payload.get("tax", "standard"))
    except KeyError as missing:
        raise InvoiceError(f"line is missing {missing}") from None
    except (MoneyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvoiceError):
            raise
        raise InvoiceError(f"bad line: {exc}") from None
