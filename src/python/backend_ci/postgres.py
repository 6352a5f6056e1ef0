"""Postgres for backend-ci: connections, databases, and what the server saw of each database.

Our own connections carry ``application_name=backend-ci`` and go to the ``postgres`` maintenance
database first (then the lane's base database, then ``template1``), so that the base database's
statistics count the tests' traffic alone. psycopg (3), psycopg2 or asyncpg, whichever the image
has (a backend on asyncpg alone is common; asyncpg runs on an event loop of its own, in a thread).
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from backend_ci import urls

APP_NAME = "backend-ci"
MAINTENANCE = "postgres"
ADVISORY_LOCK_KEY = int(hashlib.sha1(b"backend-ci template").hexdigest()[:15], 16)


class DriverMissing(RuntimeError):
    pass


def connect(url: str, timeout: float = 10.0):
    """An autocommit DB-API connection to `url` (driver schemes allowed), named backend-ci."""
    dsn = urls.libpq(url)
    seconds = max(1, int(timeout))
    try:
        import psycopg  # type: ignore
    except ImportError:
        psycopg = None
    if psycopg is not None:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=seconds, application_name=APP_NAME)
    try:
        import psycopg2  # type: ignore
    except ImportError:
        psycopg2 = None
    if psycopg2 is not None:
        conn = psycopg2.connect(dsn, connect_timeout=seconds, application_name=APP_NAME)
        conn.autocommit = True
        return conn
    try:
        import asyncpg  # type: ignore  # noqa: F401
    except ImportError as exc:
        raise DriverMissing("backend-ci needs psycopg (3), psycopg2 or asyncpg in the lane's Python to manage databases") from exc
    return AsyncpgConnection(dsn, seconds)


class AsyncpgConnection:
    """The DB-API calls the helpers use (cursor, execute with %s parameters, fetchall, close) over
    asyncpg, on an event loop of its own in a daemon thread: the tests' own loop is never touched."""

    def __init__(self, dsn: str, timeout: float) -> None:
        import asyncio
        import threading

        import asyncpg  # type: ignore

        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="backend-ci-asyncpg", daemon=True).start()
        try:
            self._conn = self.run(asyncpg.connect(dsn, timeout=timeout, server_settings={"application_name": APP_NAME}))
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise

    def run(self, coroutine):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def cursor(self) -> "_AsyncpgCursor":
        return _AsyncpgCursor(self)

    def close(self) -> None:
        try:
            self.run(self._conn.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)


class _AsyncpgCursor:
    description = ("rows",)  # fetch returns rows for every statement; none for DDL

    def __init__(self, conn: AsyncpgConnection) -> None:
        self._conn = conn
        self._rows: List[Tuple[Any, ...]] = []

    def execute(self, sql: str, params: Optional[Sequence[Any]] = None) -> None:
        parts = sql.split("%s")
        text = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
        records = self._conn.run(self._conn._conn.fetch(text, *(params or [])))
        self._rows = [tuple(r) for r in records]

    def fetchall(self) -> List[Tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        self._rows = []


def execute(conn, sql: str, params: Optional[Sequence[Any]] = None) -> List[Tuple[Any, ...]]:
    cur = conn.cursor()
    try:
        cur.execute(sql, params) if params is not None else cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def base_database(url: str) -> str:
    """The database a URL names; libpq's default (the user name, else postgres) when it names none."""
    return urls.url_database(url) or urls.url_user(url) or "postgres"


class Admin:
    """A maintenance connection: `postgres` first, then the base database, then template1.
    `on_base` says whether it had to use the base database (whose statistics it then disturbs)."""

    def __init__(self, url: str) -> None:
        self.base = base_database(url)
        errors: List[str] = []
        for name in (MAINTENANCE, self.base, "template1"):
            try:
                self.conn = connect(urls.with_database(url, name))
                self.database = name
                break
            except DriverMissing:
                raise
            except Exception as exc:  # noqa: BLE001 - any driver error: try the next one
                errors.append(f"{name}: {' '.join(str(exc).split())}")
        else:
            reasons = {e.split(": ", 1)[1] for e in errors}
            if len(reasons) == 1:  # the server itself does not answer: say it once
                raise RuntimeError(f"cannot connect to the server (databases postgres, {self.base}, template1): {reasons.pop()}")
            raise RuntimeError("cannot connect to the server for maintenance: " + "; ".join(errors))
        self.on_base = self.database == self.base
        self.version = int(execute(self.conn, "SHOW server_version_num")[0][0])

    def __enter__(self) -> "Admin":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001
            pass

    def sql(self, text: str, params: Optional[Sequence[Any]] = None) -> List[Tuple[Any, ...]]:
        return execute(self.conn, text, params)

    def databases(self) -> List[str]:
        return sorted(r[0] for r in self.sql("SELECT datname FROM pg_database"))

    def exists(self, name: str) -> bool:
        return bool(self.sql("SELECT 1 FROM pg_database WHERE datname = %s", [name]))

    def drop(self, name: str) -> None:
        force = " WITH (FORCE)" if self.version >= 130000 else ""
        if not force:  # before 13: end the sessions ourselves
            self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
        self.sql(f"DROP DATABASE IF EXISTS {quote_ident(name)}{force}")

    def drop_all(self, names: Sequence[str], keep: bool) -> Tuple[List[str], List[str], List[str]]:
        """Drops each database (or keeps it, when asked): (dropped, left behind, one error line per
        database that could not be dropped)."""
        dropped: List[str] = []
        left: List[str] = []
        errors: List[str] = []
        for name in names:
            if keep:
                left.append(name)
                continue
            try:
                self.drop(name)
                dropped.append(name)
            except Exception as exc:  # noqa: BLE001 - the others are still dropped; this one is named
                left.append(name)
                errors.append(f"could not drop database {name}: {' '.join(str(exc).split())}")
        return dropped, left, errors

    def create(self, name: str, template: Optional[str] = None) -> None:
        clause = f" TEMPLATE {quote_ident(template)}" if template else ""
        self.sql(f"CREATE DATABASE {quote_ident(name)}{clause}")

    def comment(self, name: str) -> Optional[str]:
        rows = self.sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        return rows[0][0] if rows else None

    def set_comment(self, name: str, text: str) -> None:
        literal = "'" + text.replace("'", "''") + "'"
        self.sql(f"COMMENT ON DATABASE {quote_ident(name)} IS {literal}")

    def activity(self, names: Sequence[str]) -> Dict[str, Dict[str, int]]:
        """Per database: sessions connected now (not ours) and transactions counted so far.
        Sessions first: a backend flushes its statistics before it leaves pg_stat_activity, so one
        that exits in between is seen in one of the two; an idle one (statistics flushed up to ~10 s
        late on PG >= 15) is seen as a connection."""
        names = list(names)
        if not names:
            return {}
        conns = dict(self.sql(
            "SELECT datname, count(*) FROM pg_stat_activity WHERE datname = ANY(%s) "
            "AND pid <> pg_backend_pid() AND coalesce(application_name, '') <> %s GROUP BY datname",
            [names, APP_NAME]))
        self.sql("SELECT pg_stat_clear_snapshot()")
        xacts = dict(self.sql(
            "SELECT datname, coalesce(xact_commit, 0) + coalesce(xact_rollback, 0) FROM pg_stat_database "
            "WHERE datname = ANY(%s)", [names]))
        return {n: {"xacts": int(xacts.get(n, 0)), "connections": int(conns.get(n, 0))} for n in names}

    def wait_own_sessions_gone(self, name: str, timeout: float = 3.0) -> None:
        """Wait (briefly) until no backend-ci session (a readiness check) is connected to `name`,
        so its statistics are flushed before a snapshot."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s "
                            "AND pid <> pg_backend_pid()", [name, APP_NAME])
            if not rows[0][0]:
                return
            time.sleep(0.05)

    def lock(self) -> None:
        self.sql("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])

    def unlock(self) -> None:
        self.sql("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def traffic(activity: Optional[Mapping[str, int]], since: Optional[Mapping[str, int]] = None) -> Optional[Dict[str, int]]:
    """Activity minus a snapshot taken earlier (transactions only; connections are a count now)."""
    if activity is None:
        return None
    xacts = activity["xacts"] - (since["xacts"] if since else 0)
    return {"xacts": max(xacts, 0), "connections": activity["connections"]}


def used(activity: Optional[Mapping[str, int]]) -> bool:
    return bool(activity) and (activity["xacts"] > 0 or activity["connections"] > 0)


def migrate(admin: Admin, template: str, command: str, env: Mapping[str, str], stamp: str) -> Optional[float]:
    """(Re)create `template` and run `command` (env names it) unless this run (`stamp`) already
    did. The caller holds the advisory lock. Returns the seconds migration took, None if it was done."""
    if admin.comment(template) == stamp:
        return None
    admin.drop(template)
    admin.create(template)
    started = time.monotonic()
    proc = subprocess.run(command, shell=True, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-20:])
        admin.drop(template)
        raise RuntimeError(f"BACKEND_CI_MIGRATE {command!r} failed with exit {proc.returncode} on "
                           f"database {template!r}:\n{tail}")
    admin.set_comment(template, stamp)
    return time.monotonic() - started


def started_at(conn) -> Optional[str]:
    """The server's own start time (pg_postmaster_start_time), ISO 8601 UTC."""
    rows = execute(conn, "SELECT extract(epoch FROM pg_postmaster_start_time())")
    if not rows or rows[0][0] is None:
        return None
    return iso(float(rows[0][0]))


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
