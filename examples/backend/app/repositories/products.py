from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from app.domain.text import slugify


def create(conn, sku: str, name: str, price_cents: int, stock: int = 0) -> Dict[str, Any]:
    return conn.execute(
        "INSERT INTO products (sku, name, slug, price_cents, stock) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING *",
        (sku, name, slugify(name), price_cents, stock),
    ).fetchone()


def by_sku(conn, sku: str) -> Optional[Dict[str, Any]]:
    return conn.execute("SELECT * FROM products WHERE sku = %s", (sku,)).fetchone()


def by_skus(conn, skus: Sequence[str], *, for_update: bool = False) -> Dict[str, Dict[str, Any]]:
    sql = "SELECT * FROM products WHERE sku = ANY(%s) ORDER BY id"
    if for_update:
        sql += " FOR UPDATE"
    return {row["sku"]: row for row in conn.execute(sql, (list(skus),)).fetchall()}


def list_active(conn) -> List[Dict[str, Any]]:
    return conn.execute("SELECT * FROM products WHERE active ORDER BY sku").fetchall()


def adjust_stock(conn, product_id: int, delta: int, reason: str) -> int:
    row = conn.execute(
        "UPDATE products SET stock = stock + %s WHERE id = %s RETURNING stock", (delta, product_id)
    ).fetchone()
    conn.execute(
        "INSERT INTO stock_movements (product_id, delta, reason) VALUES (%s, %s, %s)",
        (product_id, delta, reason),
    )
    return row["stock"]


def deactivate(conn, sku: str) -> bool:
    return conn.execute("UPDATE products SET active = FALSE WHERE sku = %s", (sku,)).rowcount == 1


def movements(conn, product_id: int) -> List[Dict[str, Any]]:
    return conn.execute(
        "SELECT delta, reason FROM stock_movements WHERE product_id = %s ORDER BY id", (product_id,)
    ).fetchall()
