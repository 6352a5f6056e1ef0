"""Customer e-mails, rendered as plain text. Sending is the mail relay's job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Sequence

from app.domain.money import Money
from app.domain.text import mask_email, pluralize

SUBJECTS = {
    "placed": "We received your order {number}",
    "paid": "Payment received for {number}",
    "shipped": "Your order {number} is on its way",
    "cancelled": "Your order {number} was cancelled",
}


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def render(event: str, customer: Mapping[str, Any], number: str, items: Sequence[Mapping[str, Any]],
           total_cents: int, currency: str = "EUR") -> Email:
    if event not in SUBJECTS:
        raise ValueError(f"unknown event {event!r}")
    lines: List[str] = [f"Hello {customer['name']},", ""]
    if event == "placed":
        lines.append(f"thank you for your order of {pluralize(sum(i['quantity'] for i in items), 'item')}:")
    elif event == "shipped":
        lines.append("good news, your parcel has left our warehouse:")
    elif event == "cancelled":
        lines.append("your order was cancelled and nothing will be charged:")
    else:
        lines.append("we received your payment for:")
    for item in items:
        amount = Money(item["unit_price_cents"], currency).times(item["quantity"])
        lines.append(f"  {item['quantity']} x {item['name']:<20} {amount.format()}")
    lines += ["", f"Total: {Money(total_cents, currency).format()}", "", "-- Shopfront"]
    return Email(customer["email"], SUBJECTS[event].format(number=number), "\n".join(lines))


def audit_line(email: Email) -> str:
    """What the logs keep: never the full address."""
    return f"mail to={mask_email(email.to)} subject={email.subject!r} bytes={len(email.body.encode())}"
