"""Exports for accounting: orders as CSV, stock as JSON lines."""

from __future__ import annotations

import csv
import io
import json
from typing import Optional

from app.domain.money import Money

COLUMNS = ["order_id", "email", "status", "coupon", "subtotal", "discount", "total", "created"]


def orders_csv(conn, status: Optional[str] = None, currency: str = "EUR") -> str:
    sql = (
        "SELECT o.id, c.email, o.status, o.coupon, o.subtotal_cents, o.discount_cents,"
        " o.total_cents, o.created_at FROM orders o JOIN customers c ON c.id = o.customer_id"
    )
    params: tuple = ()
    if status is not None:
        sql += " WHERE o.status = %s"
        params = (status,)
    sql += " ORDER BY o.id"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in conn.execute(sql, params).fetchall():
        writer.writerow([
            row["id"], row["email"], row["status"], row["coupon"] or "",
            Money(row["subtotal_cents"], currency).format(symbol=False),
            Money(row["discount_cents"], currency).format(symbol=False),
            Money(row["total_cents"], currency).format(symbol=False),
            row["created_at"].date().isoformat(),
        ])
    return out.getvalue()


def stock_jsonl(conn, include_inactive: bool = False) -> str:
    sql = "SELECT sku, name, stock, active FROM products"
    if not include_inactive:
        sql += " WHERE active"
    lines = []
    for row in conn.execute(sql + " ORDER BY sku").fetchall():
        record = {"sku": row["sku"], "name": row["name"], "stock": row["stock"]}
        if include_inactive:
            record["active"] = row["active"]
        lines.append(json.dumps(record, sort_keys=True))
    return "\n".join(lines) + ("\n" if lines else "")


def parse_orders_csv(text: str) -> list:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        raise ValueError(f"unexpected columns: {reader.fieldnames}")
    rows = []
    for record in reader:
        record["order_id"] = int(record["order_id"])
        record["coupon"] = record["coupon"] or None
        rows.append(record)
    return rows
