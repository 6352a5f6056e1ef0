"""Connections to the database the caller names (no global settings: the app factory and the
tests pass the URL in)."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS ticket_ref_seq;
CREATE TABLE IF NOT EXISTS agents (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    active BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS tickets (
    id SERIAL PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    agent_id INTEGER REFERENCES agents(id),
    opened_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ NOT NULL
);
"""


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)


def migrate(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA)
