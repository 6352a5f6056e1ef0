"""Placing, paying, shipping and cancelling orders."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Mapping, Optional

from app.domain import pricing
from app.domain.money import Money
from app.domain.validation import ValidationError, validate_order_lines
from app.repositories import customers, orders, products

TRANSITIONS = {
    "pending": {"paid", "cancelled"},
    "paid": {"shipped", "cancelled"},
    "shipped": set(),
    "cancelled": set(),
}


class OrderError(RuntimeError):
    pass


class OutOfStock(OrderError):
    def __init__(self, sku: str, wanted: int, available: int):
        super().__init__(f"{sku}: wanted {wanted}, {available} in stock")
        self.sku = sku


def place_order(conn, customer_id: int, lines: Any, *, coupon: Optional[str] = None,
                country: str = "DE", today: Optional[date] = None) -> Dict[str, Any]:
    """Validate, price, reserve stock and write the order, all in one transaction."""
    cleaned = validate_order_lines(lines)
    with conn.transaction():
        customer = customers.get(conn, customer_id)
        if customer is None:
            raise OrderError(f"no customer {customer_id}")
        rows = products.by_skus(conn, [l["sku"] for l in cleaned], for_update=True)
        missing = [l["sku"] for l in cleaned if l["sku"] not in rows]
        if missing:
            raise ValidationError({"lines": f"unknown sku {', '.join(missing)}"})
        priced: List[pricing.Line] = []
        for line in cleaned:
            row = rows[line["sku"]]
            if not row["active"]:
                raise OrderError(f"{row['sku']} is not for sale")
            if row["stock"] < line["quantity"]:
                raise OutOfStock(row["sku"], line["quantity"], row["stock"])
            priced.append(pricing.Line(row["sku"], Money(row["price_cents"]), line["quantity"]))
        quote = pricing.quote(priced, tier=customer["tier"], coupon_code=coupon, country=country,
                              today=today)
        order = orders.create(conn, customer_id, coupon)
        for line in priced:
            row = rows[line.sku]
            orders.add_item(conn, order["id"], row["id"], line.quantity, line.unit_price.cents)
            products.adjust_stock(conn, row["id"], -line.quantity, f"order {order['id']}")
        orders.set_totals(conn, order["id"], quote.subtotal.cents, quote.discount.cents,
                          quote.total.cents)
    return {"order": orders.get(conn, order["id"]), "quote": quote}


def transition(conn, order_id: int, status: str) -> Dict[str, Any]:
    with conn.transaction():
        order = conn.execute("SELECT * FROM orders WHERE id = %s FOR UPDATE", (order_id,)).fetchone()
        if order is None:
            raise OrderError(f"no order {order_id}")
        if status not in TRANSITIONS.get(order["status"], set()):
            raise OrderError(f"cannot go from {order['status']} to {status}")
        if status == "cancelled":
            for item in conn.execute(
                "SELECT product_id, quantity FROM order_items WHERE order_id = %s", (order_id,)
            ).fetchall():
                products.adjust_stock(conn, item["product_id"], item["quantity"],
                                      f"cancel {order_id}")
        orders.set_status(conn, order_id, status)
    return orders.get(conn, order_id)


def order_view(conn, order_id: int) -> Optional[Mapping[str, Any]]:
    order = orders.get(conn, order_id)
    if order is None:
        return None
    return {**order, "items": orders.items(conn, order_id)}
