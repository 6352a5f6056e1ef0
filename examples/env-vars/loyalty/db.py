"""Connections and schema."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from loyalty import settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS members (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    joined_on DATE NOT NULL DEFAULT CURRENT_DATE
);
CREATE TABLE IF NOT EXISTS ledger (
    id BIGSERIAL PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    points INTEGER NOT NULL CHECK (points <> 0),
    reason TEXT NOT NULL,
    reference TEXT UNIQUE,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""


def connect(**overrides) -> psycopg.Connection:
    return psycopg.connect(settings.conninfo(), autocommit=True, row_factory=dict_row, connect_timeout=10, **overrides)


def migrate(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA)
