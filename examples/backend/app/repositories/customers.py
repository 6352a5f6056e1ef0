from __future__ import annotations

from typing import Any, Dict, List, Optional


def create(conn, email: str, name: str, tier: str = "standard") -> Dict[str, Any]:
    return conn.execute(
        "INSERT INTO customers (email, name, tier) VALUES (%s, %s, %s) RETURNING *",
        (email, name, tier),
    ).fetchone()


def get(conn, customer_id: int) -> Optional[Dict[str, Any]]:
    return conn.execute("SELECT * FROM customers WHERE id = %s", (customer_id,)).fetchone()


def by_email(conn, email: str) -> Optional[Dict[str, Any]]:
    return conn.execute("SELECT * FROM customers WHERE email = %s", (email,)).fetchone()


def list_all(conn, tier: Optional[str] = None) -> List[Dict[str, Any]]:
    if tier is None:
        return conn.execute("SELECT * FROM customers ORDER BY email").fetchall()
    return conn.execute("SELECT * FROM customers WHERE tier = %s ORDER BY email", (tier,)).fetchall()


def set_tier(conn, customer_id: int, tier: str) -> bool:
    cur = conn.execute("UPDATE customers SET tier = %s WHERE id = %s", (tier, customer_id))
    return cur.rowcount == 1


def count(conn) -> int:
    return conn.execute("SELECT count(*) AS n FROM customers").fetchone()["n"]


def delete(conn, customer_id: int) -> bool:
    cur = conn.execute("DELETE FROM customers WHERE id = %s", (customer_id,))
    return cur.rowcount == 1
