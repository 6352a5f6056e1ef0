"""PostgreSQL access (psycopg 3) and the schema."""

from __future__ import annotations

from typing import Optional

import psycopg
from psycopg.rows import dict_row

from warehouse import settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT NOT NULL REFERENCES items(sku),
    location TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (sku, location)
);
"""


def connect(url: Optional[str] = None) -> psycopg.Connection:
    dsn = url or settings.DATABASE_URL
    if not dsn:
        raise RuntimeError("DATABASE_URL is not set")
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row, connect_timeout=10)


def migrate(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA)
