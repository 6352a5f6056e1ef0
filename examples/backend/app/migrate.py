"""Apply app/schema.sql to $DATABASE_URL: `python -m app.migrate`.

Safe to run concurrently (a transaction-scoped advisory lock serialises runs) and repeatedly
(every statement is idempotent).
"""

from __future__ import annotations

import sys
from pathlib import Path

from app import db, settings

SCHEMA = Path(__file__).with_name("schema.sql")
LOCK_KEY = 7_310_225  # arbitrary, stable


def apply(conn) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(SCHEMA.read_text(encoding="utf-8"))


def main(argv=None) -> int:
    if not settings.DATABASE_URL:
        print("app.migrate: DATABASE_URL is not set", file=sys.stderr)
        return 2
    with db.connect() as conn:
        apply(conn)
    print("app.migrate: schema applied")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
