"""Catalog imports from the supplier's CSV feed: `sku,name,price,stock`, hundreds of rows at a time.

A feed is all or nothing: every row is validated first and one bad row rejects the file. Rows are
upserted by SKU; a changed stock level is recorded as a stock movement, so `inventory.reconcile`
keeps holding after an import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Dict, List

from app.domain.money import Money, MoneyError
from app.domain.text import slugify
from app.domain.validation import ValidationError, is_sku

COLUMNS = ["sku", "name", "price", "stock"]


@dataclass
class ImportResult:
    created: List[str] = field(default_factory=list)
    updated: List[str] = field(default_factory=list)
    unchanged: int = 0


def parse_feed(text: str, currency: str = "EUR") -> List[Dict]:
    """The feed's rows, validated; raises ValidationError naming every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        raise ValidationError({"header": f"expected {','.join(COLUMNS)}"})
    errors: Dict[str, str] = {}
    rows: List[Dict] = []
    seen = set()
    for n, record in enumerate(reader, start=2):
        sku, name = (record["sku"] or "").strip(), (record["name"] or "").strip()
        if not is_sku(sku):
            errors[f"line {n}"] = f"bad sku {sku!r}"
            continue
        if sku in seen:
            errors[f"line {n}"] = f"duplicate sku {sku}"
            continue
        seen.add(sku)
        if not name:
            errors[f"line {n}"] = "name is required"
            continue
        try:
            price = Money.parse(record["price"], currency)
        except MoneyError:
            errors[f"line {n}"] = f"bad price {record['price']!r}"
            continue
        stock = (record["stock"] or "").strip()
        if not stock.isdigit():
            errors[f"line {n}"] = f"bad stock {stock!r}"
            continue
        if price.cents < 0:
            errors[f"line {n}"] = "price must not be negative"
            continue
        rows.append({"sku": sku, "name": name, "price_cents": price.cents, "stock": int(stock)})
    if errors:
        raise ValidationError(errors)
    return rows


def import_feed(conn, text: str) -> ImportResult:
    rows = parse_feed(text)
    result = ImportResult()
    with conn.transaction():
        current = {
            r["sku"]: r
            for r in conn.execute(
                "SELECT id, sku, name, price_cents, stock FROM products WHERE sku = ANY(%s) FOR UPDATE",
                ([r["sku"] for r in rows],),
            ).fetchall()
        }
        for row in rows:
            existing = current.get(row["sku"])
            if existing is None:
                created = conn.execute(
                    "INSERT INTO products (sku, name, slug, price_cents, stock) VALUES (%s, %s, %s, %s, %s)"
                    " RETURNING id",
                    (row["sku"], row["name"], slugify(f"{row['name']} {row['sku']}"), row["price_cents"],
                     row["stock"]),
                ).fetchone()
                if row["stock"]:
                    conn.execute(
                        "INSERT INTO stock_movements (product_id, delta, reason) VALUES (%s, %s, 'import')",
                        (created["id"], row["stock"]),
                    )
                result.created.append(row["sku"])
                continue
            same = (existing["name"], existing["price_cents"], existing["stock"]) == (
                row["name"], row["price_cents"], row["stock"])
            if same:
                result.unchanged += 1
                continue
            conn.execute(
                "UPDATE products SET name = %s, price_cents = %s, stock = %s WHERE id = %s",
                (row["name"], row["price_cents"], row["stock"], existing["id"]),
            )
            delta = row["stock"] - existing["stock"]
            if delta:
                conn.execute(
                    "INSERT INTO stock_movements (product_id, delta, reason) VALUES (%s, %s, 'import')",
                    (existing["id"], delta),
                )
            result.updated.append(row["sku"])
    return result


def reprice(conn, prefix: str, percent: int) -> int:
    """Change every active price in a category (SKU prefix) by `percent`, halves rounded away from zero."""
    if not -90 <= percent <= 500:
        raise ValueError("percent must be between -90 and 500")
    cur = conn.execute(
        "UPDATE products SET price_cents = round(price_cents * (100 + %s) / 100.0)::int"
        " WHERE active AND split_part(sku, '-', 1) = %s",
        (percent, prefix),
    )
    return cur.rowcount
