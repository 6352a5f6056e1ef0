"""Stock keeping."""

from __future__ import annotations

from typing import Dict, List

from app.repositories import products


class InventoryError(RuntimeError):
    pass


def restock(conn, sku: str, quantity: int, reason: str = "restock") -> int:
    if quantity <= 0:
        raise InventoryError("restock quantity must be positive")
    with conn.transaction():
        row = products.by_sku(conn, sku)
        if row is None:
            raise InventoryError(f"unknown sku {sku}")
        return products.adjust_stock(conn, row["id"], quantity, reason)


def write_off(conn, sku: str, quantity: int) -> int:
    with conn.transaction():
        row = products.by_sku(conn, sku)
        if row is None:
            raise InventoryError(f"unknown sku {sku}")
        if row["stock"] < quantity:
            raise InventoryError(f"cannot write off {quantity} of {row['stock']}")
        return products.adjust_stock(conn, row["id"], -quantity, "write-off")


def low_stock(conn, threshold: int = 5) -> List[str]:
    rows = conn.execute(
        "SELECT sku FROM products WHERE active AND stock < %s ORDER BY sku", (threshold,)
    ).fetchall()
    return [r["sku"] for r in rows]


def stock_levels(conn) -> Dict[str, int]:
    return {r["sku"]: r["stock"] for r in products.list_active(conn)}


def reconcile(conn, sku: str) -> bool:
    """True when the stock column equals the sum of its movements."""
    row = products.by_sku(conn, sku)
    if row is None:
        raise InventoryError(f"unknown sku {sku}")
    moved = conn.execute(
        "SELECT coalesce(sum(delta), 0) AS s FROM stock_movements WHERE product_id = %s", (row["id"],)
    ).fetchone()["s"]
    return moved == row["stock"]
