"""Operator jobs, run from cron next to `psql` and `pg_dump`: like them they connect through
libpq's own environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), not the app's DB_*
variables, so `psycopg.connect("")` is all they need.

    python -m loyalty.maintenance stats
    python -m loyalty.maintenance expire 2023-01-01
"""

from __future__ import annotations

import sys
from typing import Dict

import psycopg


def connect() -> psycopg.Connection:
    return psycopg.connect("", autocommit=True, connect_timeout=10)


def table_stats() -> Dict[str, int]:
    """Exact row counts of the app's tables, and which database libpq's environment named."""
    with connect() as conn:
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        entries = conn.execute("SELECT count(*) FROM ledger").fetchone()[0]
        outstanding = conn.execute("SELECT COALESCE(SUM(points), 0) FROM ledger").fetchone()[0]
        return {"members": members, "ledger_entries": entries, "outstanding_points": int(outstanding),
                "database": conn.info.dbname}


def expire_points(before: str) -> int:
    """Books an expiry entry for each member's unspent points earned before `before`; returns
    how many points expired. Points already spent count against the oldest earnings first."""
    with connect() as conn, conn.transaction():
        rows = conn.execute(
            """
            SELECT member_id,
                   SUM(points) FILTER (WHERE points > 0 AND at < %(before)s::date) AS old_earned,
                   -COALESCE(SUM(points) FILTER (WHERE points < 0), 0) AS spent
            FROM ledger GROUP BY member_id
            """,
            {"before": before},
        ).fetchall()
        expired = 0
        for member, old_earned, spent in rows:
            lapse = (old_earned or 0) - spent
            if lapse > 0:
                conn.execute("INSERT INTO ledger (member_id, points, reason) VALUES (%s, %s, 'expired')",
                             (member, -lapse))
                expired += lapse
        return expired


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["stats"]:
        for key, value in table_stats().items():
            print(f"{key}: {value}")
        return 0
    if args[:1] == ["expire"] and len(args) == 2:
        print(f"expired {expire_points(args[1])} points")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
