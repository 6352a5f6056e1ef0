"""Sales figures for the back office."""

from __future__ import annotations

from typing import Any, Dict, List


def revenue_by_status(conn) -> Dict[str, int]:
    rows = conn.execute(
        "SELECT status, sum(total_cents) AS cents FROM orders GROUP BY status ORDER BY status"
    ).fetchall()
    return {r["status"]: int(r["cents"]) for r in rows}


def top_products(conn, limit: int = 5) -> List[Dict[str, Any]]:
    return conn.execute(
        "SELECT p.sku, sum(i.quantity) AS units, sum(i.quantity * i.unit_price_cents) AS cents"
        " FROM order_items i JOIN products p ON p.id = i.product_id"
        " JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled'"
        " GROUP BY p.sku ORDER BY units DESC, p.sku LIMIT %s",
        (limit,),
    ).fetchall()


def customer_lifetime_value(conn, customer_id: int) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(total_cents), 0) AS cents FROM orders"
        " WHERE customer_id = %s AND status IN ('paid', 'shipped')",
        (customer_id,),
    ).fetchone()
    return int(row["cents"])


def best_customers(conn, limit: int = 3) -> List[str]:
    rows = conn.execute(
        "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id"
        " WHERE o.status IN ('paid', 'shipped') GROUP BY c.email"
        " ORDER BY sum(o.total_cents) DESC, c.email LIMIT %s",
        (limit,),
    ).fetchall()
    return [r["email"] for r in rows]
