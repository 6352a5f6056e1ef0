"""Database access: psycopg 3 connections to settings.DATABASE_URL."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import psycopg
from psycopg.rows import dict_row

from app import settings


class DatabaseNotConfigured(RuntimeError):
    pass


def connect(url: Optional[str] = None, *, autocommit: bool = False) -> psycopg.Connection:
    """Open a connection whose rows are dicts."""
    dsn = url if url is not None else settings.DATABASE_URL
    if not dsn:
        raise DatabaseNotConfigured("DATABASE_URL is not set")
    return psycopg.connect(dsn, autocommit=autocommit, row_factory=dict_row, connect_timeout=10)


@contextmanager
def transaction(conn: psycopg.Connection) -> Iterator[psycopg.Cursor]:
    """A cursor inside one transaction (a savepoint when one is already open)."""
    with conn.transaction():
        with conn.cursor() as cur:
            yield cur


def table_exists(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) AS oid", (f"public.{name}",)).fetchone()
    return row is not None and row["oid"] is not None
