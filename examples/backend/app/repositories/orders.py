from __future__ import annotations

from typing import Any, Dict, List, Optional


def create(conn, customer_id: int, coupon: Optional[str] = None) -> Dict[str, Any]:
    return conn.execute(
        "INSERT INTO orders (customer_id, coupon) VALUES (%s, %s) RETURNING *", (customer_id, coupon)
    ).fetchone()


def add_item(conn, order_id: int, product_id: int, quantity: int, unit_price_cents: int) -> None:
    conn.execute(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
        " VALUES (%s, %s, %s, %s)",
        (order_id, product_id, quantity, unit_price_cents),
    )


def set_totals(conn, order_id: int, subtotal: int, discount: int, total: int) -> None:
    conn.execute(
        "UPDATE orders SET subtotal_cents = %s, discount_cents = %s, total_cents = %s WHERE id = %s",
        (subtotal, discount, total, order_id),
    )


def get(conn, order_id: int) -> Optional[Dict[str, Any]]:
    return conn.execute("SELECT * FROM orders WHERE id = %s", (order_id,)).fetchone()


def items(conn, order_id: int) -> List[Dict[str, Any]]:
    return conn.execute(
        "SELECT p.sku, p.name, i.quantity, i.unit_price_cents FROM order_items i"
        " JOIN products p ON p.id = i.product_id WHERE i.order_id = %s ORDER BY p.sku",
        (order_id,),
    ).fetchall()


def for_customer(conn, customer_id: int) -> List[Dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM orders WHERE customer_id = %s ORDER BY id", (customer_id,)
    ).fetchall()


def set_status(conn, order_id: int, status: str) -> None:
    conn.execute("UPDATE orders SET status = %s WHERE id = %s", (status, order_id))


def count(conn, status: Optional[str] = None) -> int:
    if status is None:
        return conn.execute("SELECT count(*) AS n FROM orders").fetchone()["n"]
    return conn.execute("SELECT count(*) AS n FROM orders WHERE status = %s", (status,)).fetchone()["n"]
