"""psycopg 3 connections to settings.DATABASE_URL, and the schema."""

from __future__ import annotations

from importlib import resources
from typing import Optional

import psycopg
from psycopg.rows import dict_row

from billing import settings


class DatabaseNotConfigured(RuntimeError):
    pass


def connect(url: Optional[str] = None, *, autocommit: bool = False) -> psycopg.Connection:
    dsn = url if url is not None else settings.DATABASE_URL
    if not dsn:
        raise DatabaseNotConfigured("DATABASE_URL is not set")
    return psycopg.connect(dsn, autocommit=autocommit, row_factory=dict_row, connect_timeout=10)


def migrate(conn: psycopg.Connection) -> None:
    """Create the tables (idempotent)."""
    conn.execute(resources.files("billing").joinpath("schema.sql").read_text())


if __name__ == "__main__":
    with connect(autocommit=True) as c:
        migrate(c)
