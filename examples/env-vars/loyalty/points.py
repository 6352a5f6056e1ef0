"""Earning and redeeming points. Earning is idempotent per reference (an order id), so a retried
webhook never pays twice."""

from __future__ import annotations

from typing import List, Optional

import psycopg

TIERS = [(5000, "platinum"), (2000, "gold"), (500, "silver"), (0, "member")]
POINTS_PER_EURO = 10


class PointsError(ValueError):
    pass


def tier(lifetime_points: int) -> str:
    return next(name for floor, name in TIERS if lifetime_points >= floor)


def points_for(amount_cents: int, current_tier: str = "member") -> int:
    """10 points per whole euro; gold earns 1.5x, platinum 2x (rounded down)."""
    if amount_cents < 0:
        raise PointsError("refunds are not earning events")
    base = amount_cents // 100 * POINTS_PER_EURO
    multiplier = {"gold": 1.5, "platinum": 2.0}.get(current_tier, 1.0)
    return int(base * multiplier)


def join(conn: psycopg.Connection, email: str, name: str) -> int:
    row = conn.execute("INSERT INTO members (email, name) VALUES (lower(%s), %s) RETURNING id",
                       (email, name)).fetchone()
    return row["id"]


def member_id(conn: psycopg.Connection, email: str) -> int:
    row = conn.execute("SELECT id FROM members WHERE email = lower(%s)", (email,)).fetchone()
    if row is None:
        raise PointsError(f"no member {email}")
    return row["id"]


def balance(conn: psycopg.Connection, member: int) -> int:
    return conn.execute("SELECT COALESCE(SUM(points), 0) AS b FROM ledger WHERE member_id = %s",
                        (member,)).fetchone()["b"]


def lifetime(conn: psycopg.Connection, member: int) -> int:
    return conn.execute("SELECT COALESCE(SUM(points), 0) AS b FROM ledger WHERE member_id = %s AND points > 0",
                        (member,)).fetchone()["b"]


def earn(conn: psycopg.Connection, member: int, amount_cents: int, reference: str) -> int:
    """Points for a purchase; 0 when this reference was already credited."""
    points = points_for(amount_cents, tier(lifetime(conn, member)))
    if points == 0:
        return 0
    row = conn.execute(
        "INSERT INTO ledger (member_id, points, reason, reference) VALUES (%s, %s, 'purchase', %s)"
        " ON CONFLICT (reference) DO NOTHING RETURNING points",
        (member, points, reference),
    ).fetchone()
    return row["points"] if row else 0


def redeem(conn: psycopg.Connection, member: int, points: int, reason: str) -> int:
    """Spend points; the balance check and the debit happen under a lock on the member."""
    if points <= 0:
        raise PointsError("redeem a positive number of points")
    with conn.transaction():
        conn.execute("SELECT id FROM members WHERE id = %s FOR UPDATE", (member,))
        available = balance(conn, member)
        if points > available:
            raise PointsError(f"balance is {available}, cannot redeem {points}")
        conn.execute("INSERT INTO ledger (member_id, points, reason) VALUES (%s, %s, %s)", (member, -points, reason))
    return available - points


def leaderboard(conn: psycopg.Connection, limit: int = 10, since: Optional[str] = None) -> List[dict]:
    """Members by points earned (since a date, when given), ties broken by email."""
    return conn.execute(
        "SELECT m.email, COALESCE(SUM(l.points) FILTER (WHERE l.points > 0 AND (%(since)s::date IS NULL OR l.at >= %(since)s::date)), 0) AS earned"
        " FROM members m LEFT JOIN ledger l ON l.member_id = m.id"
        " GROUP BY m.email ORDER BY earned DESC, m.email LIMIT %(limit)s",
        {"since": since, "limit": limit},
    ).fetchall()
