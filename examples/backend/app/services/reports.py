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


def revenue_by_tier(conn) -> Dict[str, int]:
    """Paid and shipped revenue per customer tier."""
    rows = conn.execute(
        "SELECT c.tier, sum(o.total_cents) AS cents FROM orders o JOIN customers c ON c.id = o.customer_id"
        " WHERE o.status IN ('paid', 'shipped') GROUP BY c.tier ORDER BY c.tier"
    ).fetchall()
    return {r["tier"]: int(r["cents"]) for r in rows}


def revenue_by_category(conn) -> Dict[str, int]:
    """Line revenue (before order discounts) per category, the SKU prefix; cancelled orders excluded."""
    rows = conn.execute(
        "SELECT split_part(p.sku, '-', 1) AS category, sum(i.quantity * i.unit_price_cents) AS cents"
        " FROM order_items i JOIN products p ON p.id = i.product_id JOIN orders o ON o.id = i.order_id"
        " WHERE o.status <> 'cancelled' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {r["category"]: int(r["cents"]) for r in rows}


def average_order_value(conn) -> int:
    """Mean total of non-cancelled orders, in cents, rounded; 0 without orders."""
    row = conn.execute(
        "SELECT coalesce(round(avg(total_cents)), 0) AS cents FROM orders WHERE status <> 'cancelled'"
    ).fetchone()
    return int(row["cents"])


def stock_valuation(conn) -> int:
    """What the active stock is worth at list price, in cents."""
    row = conn.execute(
        "SELECT coalesce(sum(stock::bigint * price_cents), 0) AS cents FROM products WHERE active"
    ).fetchone()
    return int(row["cents"])


def dormant_customers(conn) -> List[str]:
    """Customers who never placed an order, by email."""
    rows = conn.execute(
        "SELECT c.email FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
        " WHERE o.id IS NULL ORDER BY c.email"
    ).fetchall()
    return [r["email"] for r in rows]


def units_per_order(conn) -> Dict[int, int]:
    """How many orders contain n units, for n seen; cancelled orders excluded."""
    rows = conn.execute(
        "SELECT units, count(*) AS orders FROM ("
        " SELECT o.id, sum(i.quantity) AS units FROM orders o JOIN order_items i ON i.order_id = o.id"
        " WHERE o.status <> 'cancelled' GROUP BY o.id) per_order GROUP BY units ORDER BY units"
    ).fetchall()
    return {int(r["units"]): int(r["orders"]) for r in rows}
