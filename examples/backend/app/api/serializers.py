"""Domain/DB rows -> JSON-ready payloads, and back."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, Mapping, Optional, Sequence

from app.domain.money import CURRENCIES, Money
from app.domain.pricing import Quote
from app.domain.text import initials, order_number
from app.domain.validation import ValidationError


def money(value: Money) -> Dict[str, str]:
    places = CURRENCIES[value.currency]
    amount = Decimal(value.cents).scaleb(-places) if places else Decimal(value.cents)
    return {"amount": f"{amount:.{places}f}", "currency": value.currency, "display": value.format()}


def parse_money(payload: Mapping[str, Any]) -> Money:
    return Money.parse(payload["amount"], payload["currency"])


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def customer(row: Mapping[str, Any]) -> Dict[str, Any]:
    out = {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "tier": row["tier"],
        "initials": initials(row["name"]),
    }
    if row.get("created_at") is not None:
        out["created_at"] = _iso(row["created_at"])
    return out


def order_line(row: Mapping[str, Any], currency: str = "EUR") -> Dict[str, Any]:
    unit = Money(row["unit_price_cents"], currency)
    return {
        "sku": row["sku"],
        "name": row["name"],
        "quantity": row["quantity"],
        "unit_price": money(unit),
        "line_total": money(unit.times(row["quantity"])),
    }


def order(row: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], currency: str = "EUR") -> Dict[str, Any]:
    created = row.get("created_at") or datetime(1970, 1, 1)
    out = {
        "id": row["id"],
        "number": order_number(row["id"], created),
        "status": row["status"],
        "customer_id": row["customer_id"],
        "coupon": row.get("coupon"),
        "lines": [order_line(l, currency) for l in lines],
        "subtotal": money(Money(row["subtotal_cents"], currency)),
        "discount": money(Money(row["discount_cents"], currency)),
        "total": money(Money(row["total_cents"], currency)),
    }
    if row.get("created_at") is not None:
        out["created_at"] = _iso(row["created_at"])
    return out


def quote(q: Quote) -> Dict[str, Any]:
    return {
        "subtotal": money(q.subtotal),
        "discount": money(q.discount),
        "shipping": money(q.shipping),
        "tax": money(q.tax),
        "total": money(q.total),
        "applied": list(q.applied),
    }


def error(exc: Exception) -> Dict[str, Any]:
    if isinstance(exc, ValidationError):
        return {"error": "validation_error", "details": dict(exc.errors)}
    if isinstance(exc, LookupError):
        return {"error": "not_found", "details": {"message": str(exc)}}
    return {"error": "conflict", "details": {"message": str(exc)}}


def dumps(payload: Any) -> str:
    """Canonical JSON: sorted keys, compact, UTF-8 kept."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
