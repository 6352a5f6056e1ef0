"""Opening, assigning and closing tickets."""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional

import psycopg

from helpdesk.sla import due


class TicketError(ValueError):
    pass


def format_ref(number: int) -> str:
    return f"HD-{number:06d}"


def add_agent(conn: psycopg.Connection, email: str) -> int:
    return conn.execute("INSERT INTO agents (email) VALUES (%s) RETURNING id", (email,)).fetchone()["id"]


def open_ticket(conn: psycopg.Connection, subject: str, priority: str, opened_at: datetime) -> dict:
    if not subject.strip():
        raise TicketError("a ticket needs a subject")
    number = conn.execute("SELECT nextval('ticket_ref_seq') AS n").fetchone()["n"]
    return conn.execute(
        "INSERT INTO tickets (ref, subject, priority, opened_at, due_at) VALUES (%s, %s, %s, %s, %s) RETURNING *",
        (format_ref(number), subject.strip(), priority, opened_at, due(opened_at, priority)),
    ).fetchone()


def assign(conn: psycopg.Connection, ref: str) -> str:
    """To the active agent with the fewest open tickets (ties: lowest id). Returns the agent's email."""
    with conn.transaction():
        ticket = conn.execute("SELECT id, status FROM tickets WHERE ref = %s FOR UPDATE", (ref,)).fetchone()
        if ticket is None:
            raise TicketError(f"no ticket {ref}")
        if ticket["status"] != "open":
            raise TicketError(f"{ref} is {ticket['status']}")
        agent = conn.execute(
            "SELECT a.id, a.email FROM agents a LEFT JOIN tickets t ON t.agent_id = a.id AND t.status = 'open'"
            " WHERE a.active GROUP BY a.id ORDER BY count(t.id), a.id LIMIT 1"
        ).fetchone()
        if agent is None:
            raise TicketError("no active agent")
        conn.execute("UPDATE tickets SET agent_id = %s WHERE id = %s", (agent["id"], ticket["id"]))
    return agent["email"]


def close(conn: psycopg.Connection, ref: str) -> None:
    row = conn.execute("UPDATE tickets SET status = 'closed' WHERE ref = %s AND status = 'open' RETURNING id",
                       (ref,)).fetchone()
    if row is None:
        raise TicketError(f"no open ticket {ref}")


def overdue(conn: psycopg.Connection, now: datetime) -> List[str]:
    rows = conn.execute("SELECT ref FROM tickets WHERE status = 'open' AND due_at < %s ORDER BY due_at, ref",
                        (now,)).fetchall()
    return [r["ref"] for r in rows]


def queue_summary(conn: psycopg.Connection, agent_email: Optional[str] = None) -> dict:
    where, args = ("WHERE a.email = %s", (agent_email,)) if agent_email else ("", ())
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE t.status = 'open') AS open, count(*) FILTER (WHERE t.status = 'closed') AS closed"
        f" FROM tickets t LEFT JOIN agents a ON a.id = t.agent_id {where}",
        args,
    ).fetchone()
    return {"open": row["open"], "closed": row["closed"]}
