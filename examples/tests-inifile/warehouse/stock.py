"""Stock per bin: receive, move, pick; totals and pick lists."""

from __future__ import annotations

from typing import Dict, List

import psycopg

from warehouse.locations import Location, walk_order


class StockError(ValueError):
    pass


def add_item(conn: psycopg.Connection, sku: str, name: str) -> None:
    conn.execute("INSERT INTO items (sku, name) VALUES (%s, %s)", (sku, name))


def receive(conn: psycopg.Connection, sku: str, location: str, quantity: int) -> None:
    if quantity < 1:
        raise StockError("receive at least one unit")
    code = Location.parse(location).code
    conn.execute(
        "INSERT INTO stock (sku, location, quantity) VALUES (%s, %s, %s)"
        " ON CONFLICT (sku, location) DO UPDATE SET quantity = stock.quantity + EXCLUDED.quantity",
        (sku, code, quantity),
    )


def move(conn: psycopg.Connection, sku: str, source: str, target: str, quantity: int) -> None:
    src, dst = Location.parse(source).code, Location.parse(target).code
    with conn.transaction():
        row = conn.execute("SELECT quantity FROM stock WHERE sku = %s AND location = %s FOR UPDATE",
                           (sku, src)).fetchone()
        if row is None or row["quantity"] < quantity:
            raise StockError(f"not enough {sku} at {src}")
        conn.execute("UPDATE stock SET quantity = quantity - %s WHERE sku = %s AND location = %s", (quantity, sku, src))
        receive(conn, sku, dst, quantity)


def on_hand(conn: psycopg.Connection, sku: str) -> int:
    row = conn.execute("SELECT COALESCE(SUM(quantity), 0) AS n FROM stock WHERE sku = %s", (sku,)).fetchone()
    return int(row["n"])


def totals(conn: psycopg.Connection) -> Dict[str, int]:
    rows = conn.execute("SELECT sku, SUM(quantity) AS n FROM stock GROUP BY sku ORDER BY sku").fetchall()
    return {r["sku"]: int(r["n"]) for r in rows}


def pick_list(conn: psycopg.Connection, order: Dict[str, int]) -> List[dict]:
    """Where to take each SKU from: fullest bins first, then sorted in walking order."""
    picks = []
    for sku, wanted in order.items():
        rows = conn.execute("SELECT location, quantity FROM stock WHERE sku = %s AND quantity > 0"
                            " ORDER BY quantity DESC, location", (sku,)).fetchall()
        for row in rows:
            if wanted == 0:
                break
            take = min(wanted, row["quantity"])
            picks.append({"sku": sku, "location": row["location"], "quantity": take})
            wanted -= take
        if wanted:
            raise StockError(f"short {wanted} of {sku}")
    order_of = {code: i for i, code in enumerate(walk_order({p["location"] for p in picks}))}
    return sorted(picks, key=lambda p: (order_of[p["location"]], p["sku"]))
