"""backend-ci pytest plugin: one database and one search-index prefix per test process.

Loaded with ``-p backend_ci_plugin`` (the module's directory on PYTHONPATH). Contract: see
docs/CONTRACTS.md. In short, for the process that runs tests (an xdist worker ``gwN``, or the single
process ``master`` without xdist):

* ``$BACKEND_CI_DATABASE_ENV`` (default ``DATABASE_URL``), when non-empty, is rewritten to point at
  ``<db>_<worker>`` (cut to 63 bytes, kept unique) before any conftest or app module is imported:
  at plugin import in an xdist worker (xdist sets PYTEST_XDIST_WORKER before it builds the worker's
  config), and in the first ``pytest_load_initial_conftests`` otherwise, because only then is it
  known whether this process is a test process or an xdist controller, which runs no test, must not
  create a database and must hand the original URL to the workers it spawns.
* With ``BACKEND_CI_MIGRATE`` (a shell command migrating the database in ``$<DATABASE_ENV>``), a
  template ``<db>_template`` is migrated once per run under a Postgres advisory lock and every test
  database is a ``CREATE DATABASE ... TEMPLATE`` clone of it. Without it, test databases are empty
  and the suite migrates them itself.
* Test databases are dropped at the end of the session; the template is dropped by the controller
  (or the single process) after the workers are done. ``BACKEND_CI_KEEP_DATABASES=1`` keeps all.
* ``$BACKEND_CI_INDEX_PREFIX_ENV`` (default ``SEARCH_INDEX_PREFIX``) becomes
  ``<prefix><worker>_`` (prefix: the variable's value, default ``test_``).
* ``BACKEND_CI_ISOLATION=0`` turns all of the above off (one shared database).
* ``--backend-ci-collect=FILE`` (with ``--collect-only``) writes ``[{"nodeid", "markers"}]``.

Standard library only; the database work uses psycopg (3) or, failing that, psycopg2.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pytest

MAX_IDENTIFIER = 63  # NAMEDATALEN - 1
ADVISORY_LOCK_KEY = int(hashlib.sha1(b"backend-ci template").hexdigest()[:15], 16)
MAINTENANCE_DATABASES = ("postgres", "template1")


def _flag(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


ISOLATION = _flag("BACKEND_CI_ISOLATION", "1") not in ("0", "false", "no", "off")
DATABASE_ENV = _flag("BACKEND_CI_DATABASE_ENV", "") or "DATABASE_URL"
INDEX_PREFIX_ENV = _flag("BACKEND_CI_INDEX_PREFIX_ENV", "") or "SEARCH_INDEX_PREFIX"
MIGRATE = _flag("BACKEND_CI_MIGRATE", "")
KEEP = _flag("BACKEND_CI_KEEP_DATABASES", "0") in ("1", "true", "yes", "on")

# What this process found before it changed anything, and what it did.
_ORIGINAL_URL: str = os.environ.get(DATABASE_ENV, "")
_ORIGINAL_PREFIX: Optional[str] = os.environ.get(INDEX_PREFIX_ENV)
_WORKER: Optional[str] = os.environ.get("PYTEST_XDIST_WORKER") or None
_STATE: Dict[str, Any] = {"role": None, "suffix": None, "created": None, "template": False, "error": None}
# One id per run, shared by the controller and its workers (they inherit the environment): the
# template is migrated once per run id, so a template kept from an earlier run is never reused.
RUN_ID_ENV = "_BACKEND_CI_RUN_ID"
_RUN_ID = (os.environ.get(RUN_ID_ENV) if _WORKER else None) or uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------
# Names and URLs


def database_name(base: str, suffix: str) -> str:
    """``<base>_<suffix>``, at most 63 bytes. When cut, a hash of the full base keeps names of
    different long bases apart, and the suffix is always kept whole."""
    name = f"{base}_{suffix}"
    if len(name.encode("utf-8")) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(base.encode("utf-8")).hexdigest()[:8]
    room = MAX_IDENTIFIER - len(suffix.encode("utf-8")) - len(digest) - 2
    head = base.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
    return f"{head}_{digest}_{suffix}"


_KV_DBNAME = re.compile(r"(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def _is_url(dsn: str) -> bool:
    return "://" in dsn


def url_database(dsn: str) -> str:
    """The database a libpq URL or key=value string names (libpq's default: the user name)."""
    if _is_url(dsn):
        parts = urlsplit(dsn)
        name = unquote(parts.path.lstrip("/"))
        if name:
            return name
        user = unquote(parts.username or "")
    else:
        match = _KV_DBNAME.search(dsn)
        if match:
            value = match.group(2)
            if value.startswith("'"):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            return value
        user_match = re.search(r"(^|\s)user\s*=\s*(\S+)", dsn)
        user = user_match.group(2).strip("'") if user_match else ""
    return os.environ.get("PGDATABASE") or user or os.environ.get("PGUSER") or "postgres"


def url_with_database(dsn: str, name: str) -> str:
    """The same connection string, naming database `name`."""
    if _is_url(dsn):
        parts = urlsplit(dsn)
        return urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    quoted = "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if _KV_DBNAME.search(dsn):
        return _KV_DBNAME.sub(lambda m: f"{m.group(1)}dbname={quoted}", dsn, count=1)
    return f"{dsn} dbname={quoted}"


def libpq_dsn(dsn: str) -> str:
    """Drop an SQLAlchemy-style driver suffix (postgresql+psycopg://) libpq does not know."""
    if _is_url(dsn):
        scheme, rest = dsn.split("://", 1)
        return scheme.split("+", 1)[0] + "://" + rest
    return dsn


def redact(dsn: str) -> str:
    if _is_url(dsn):
        parts = urlsplit(dsn)
        if parts.password:
            netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
            return urlunsplit(parts._replace(netloc=netloc))
        return dsn
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Environment rewrite


def _apply_env(suffix: str) -> None:
    """Point this process at its own database and index prefix (no database is created here)."""
    if _ORIGINAL_URL:
        os.environ[DATABASE_ENV] = url_with_database(
            _ORIGINAL_URL, database_name(url_database(_ORIGINAL_URL), suffix)
        )
    os.environ[INDEX_PREFIX_ENV] = f"{_ORIGINAL_PREFIX or 'test_'}{suffix}_"
    _STATE["suffix"] = suffix


def _restore_env() -> None:
    if _ORIGINAL_URL:
        os.environ[DATABASE_ENV] = _ORIGINAL_URL
    if _ORIGINAL_PREFIX is None:
        os.environ.pop(INDEX_PREFIX_ENV, None)
    else:
        os.environ[INDEX_PREFIX_ENV] = _ORIGINAL_PREFIX
    _STATE["suffix"] = None


if ISOLATION and _WORKER:
    _STATE["role"] = "worker"
    _apply_env(_WORKER)


def _controller_from_options(ns: Any, final: bool) -> bool:
    """Whether xdist will distribute this run (this process then runs no test itself)."""
    if getattr(ns, "collectonly", False):
        return False  # xdist collects in-process with --collect-only
    numprocesses = getattr(ns, "numprocesses", None)
    dist = getattr(ns, "dist", "no") or "no"
    if final:
        return dist != "no"
    if numprocesses in ("auto", "logical"):
        return not getattr(ns, "usepdb", False)
    if numprocesses == 0:
        return False
    return bool(numprocesses) or bool(getattr(ns, "distload", False)) or dist != "no"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before the first conftest is imported: decide between test process and controller."""
    if not ISOLATION or _STATE["role"] == "worker":
        return
    if _controller_from_options(early_config.known_args_namespace, final=False):
        _STATE["role"] = "controller"
    else:
        _STATE["role"] = "master"
        _apply_env("master")


# ---------------------------------------------------------------------------------------------
# Database work


def _connect(dsn: str):
    """An autocommit DB-API connection, with psycopg 3 or psycopg2."""
    try:
        import psycopg  # type: ignore

        return psycopg.connect(libpq_dsn(dsn), autocommit=True, connect_timeout=10)
    except ImportError:
        pass
    try:
        import psycopg2  # type: ignore
    except ImportError as exc:  # pragma: no cover - depends on the image
        raise RuntimeError("backend-ci needs psycopg (3) or psycopg2 to create databases") from exc
    conn = psycopg2.connect(libpq_dsn(dsn), connect_timeout=10)
    conn.autocommit = True
    return conn


def _admin_connection(dsn: str):
    """A connection to a database that is none of ours: the URL's own, else postgres/template1."""
    errors: List[str] = []
    for name in (url_database(dsn), *MAINTENANCE_DATABASES):
        try:
            return _connect(url_with_database(dsn, name))
        except Exception as exc:  # noqa: BLE001 - any driver error: try the next one
            errors.append(f"{name}: {str(exc).strip()}")
    raise RuntimeError("cannot connect to the server for maintenance: " + "; ".join(errors))


def _execute(conn, sql: str) -> List[Tuple[Any, ...]]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


def _server_version(conn) -> int:
    return int(_execute(conn, "SHOW server_version_num")[0][0])


def _drop(conn, name: str) -> None:
    force = " WITH (FORCE)" if _server_version(conn) >= 130000 else ""
    _execute(conn, f"DROP DATABASE IF EXISTS {_quote_ident(name)}{force}")


def _run_id() -> str:
    return _RUN_ID


def _migrate_template(conn, base_dsn: str, template: str) -> None:
    """(Re)create and migrate the template unless this run already did. Caller holds the lock."""
    stamp = f"backend-ci run {_run_id()}"
    rows = _execute(
        conn,
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = "
        + _quote_literal(template),
    )
    if rows and rows[0][0] == stamp:
        return
    _drop(conn, template)
    _execute(conn, f"CREATE DATABASE {_quote_ident(template)}")
    env = dict(os.environ)
    env[DATABASE_ENV] = url_with_database(base_dsn, template)
    started = time.monotonic()
    proc = subprocess.run(
        MIGRATE, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, errors="replace",
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-20:])
        _drop(conn, template)
        raise RuntimeError(
            f"BACKEND_CI_MIGRATE {MIGRATE!r} failed with exit {proc.returncode} on database "
            f"{template!r}:\n{tail}"
        )
    _execute(conn, f"COMMENT ON DATABASE {_quote_ident(template)} IS {_quote_literal(stamp)}")
    sys.stderr.write(
        f"backend-ci: migrated template database {template} in {time.monotonic() - started:.1f}s\n"
    )


def prepare_template(base_dsn: str) -> str:
    """Migrate the template for this run (no-op when already done). Returns its name."""
    template = database_name(url_database(base_dsn), "template")
    conn = _admin_connection(base_dsn)
    try:
        _execute(conn, f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
        try:
            _migrate_template(conn, base_dsn, template)
        finally:
            _execute(conn, f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
    finally:
        conn.close()
    return template


def prepare_database(base_dsn: str, suffix: str) -> str:
    """Create this process's database (a clone of the migrated template when BACKEND_CI_MIGRATE
    is set). Returns its name."""
    base = url_database(base_dsn)
    target = database_name(base, suffix)
    conn = _admin_connection(base_dsn)
    try:
        if MIGRATE:
            template = database_name(base, "template")
            _execute(conn, f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
            try:
                _migrate_template(conn, base_dsn, template)
                _STATE["template"] = True
                _drop(conn, target)
                _execute(conn, f"CREATE DATABASE {_quote_ident(target)} TEMPLATE {_quote_ident(template)}")
            finally:
                _execute(conn, f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
        else:
            _drop(conn, target)
            _execute(conn, f"CREATE DATABASE {_quote_ident(target)}")
    finally:
        conn.close()
    return target


def drop_databases(base_dsn: str, names: List[str]) -> List[str]:
    """Drop the named databases; returns one warning per failure (never raises)."""
    if not names:
        return []
    warnings: List[str] = []
    try:
        conn = _admin_connection(base_dsn)
    except Exception as exc:  # noqa: BLE001
        return [f"could not connect to drop {', '.join(names)}: {exc}"]
    try:
        for name in names:
            try:
                _drop(conn, name)
            except Exception as exc:  # noqa: BLE001
                warnings.append(f"could not drop database {name}: {str(exc).strip()}")
    finally:
        conn.close()
    return warnings


def _worker_leftovers(base_dsn: str) -> List[str]:
    """Worker databases of this base still present (e.g. from a worker xdist had to replace)."""
    base = url_database(base_dsn)
    try:
        conn = _admin_connection(base_dsn)
    except Exception:  # noqa: BLE001
        return []
    try:
        names = [r[0] for r in _execute(conn, "SELECT datname FROM pg_database")]
    finally:
        conn.close()
    found = []
    for name in names:
        match = re.search(r"_(gw\d+)$", name)
        if match and database_name(base, match.group(1)) == name:
            found.append(name)
    return found


# ---------------------------------------------------------------------------------------------
# pytest hooks


def pytest_addoption(parser):
    group = parser.getgroup("backend-ci")
    group.addoption(
        "--backend-ci-collect", dest="backend_ci_collect", metavar="FILE", default=None,
        help="with --collect-only: write the collected node ids and their marker names to FILE (JSON)",
    )


def _runs_no_tests(config) -> bool:
    opt = config.option
    return bool(
        getattr(opt, "collectonly", False) or getattr(opt, "help", False)
        or getattr(opt, "version", False) or getattr(opt, "showfixtures", False)
        or getattr(opt, "show_fixtures_per_test", False) or getattr(opt, "markers", False)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if not ISOLATION:
        return
    if _STATE["role"] != "worker":
        # Options are final now (xdist resolved -n auto): correct the early guess if needed.
        controller = _controller_from_options(config.option, final=True)
        if controller and _STATE["role"] != "controller":
            _STATE["role"] = "controller"
            _restore_env()  # the workers inherit this environment
        elif not controller and _STATE["role"] != "master":
            _STATE["role"] = "master"
            _apply_env("master")
    if not _ORIGINAL_URL or _runs_no_tests(config):
        return
    if _STATE["role"] == "controller":
        # Workers inherit the run id; migrating the template here, before any worker starts,
        # makes a failing migration a clear usage error instead of workers that die at startup.
        os.environ[RUN_ID_ENV] = _RUN_ID
        if MIGRATE:
            try:
                prepare_template(_ORIGINAL_URL)
                _STATE["template"] = True
            except Exception as exc:  # noqa: BLE001
                raise pytest.UsageError(
                    f"backend-ci: could not prepare the template database on "
                    f"{redact(_ORIGINAL_URL)}: {exc}"
                ) from exc
        return
    try:
        _STATE["created"] = prepare_database(_ORIGINAL_URL, _STATE["suffix"])
    except Exception as exc:  # noqa: BLE001
        message = (f"backend-ci: could not prepare the test database for {_STATE['suffix']} on "
                   f"{redact(_ORIGINAL_URL)}: {exc}")
        if _STATE["role"] == "worker":
            # An xdist worker that fails to configure is dropped and the run ends as "no tests
            # ran" (exit 5): fail every test of this worker instead, loudly.
            _STATE["error"] = message
            sys.stderr.write(message + "\n")
            return
        raise pytest.UsageError(message) from exc


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _STATE["error"]:
        pytest.fail(_STATE["error"], pytrace=False)


def pytest_report_header(config):
    if not ISOLATION:
        return "backend-ci: isolation off (BACKEND_CI_ISOLATION=0)"
    if _STATE["role"] == "controller":
        return f"backend-ci: xdist controller; each worker gets its own database and {INDEX_PREFIX_ENV}"
    lines = [f"backend-ci: {INDEX_PREFIX_ENV}={os.environ.get(INDEX_PREFIX_ENV, '')}"]
    if _STATE["created"]:
        how = " (clone of the migrated template)" if MIGRATE else ""
        lines.append(f"backend-ci: {DATABASE_ENV} -> database {_STATE['created']}{how}")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Drop this worker's database after session fixtures are torn down (trylast) and, under
    xdist, before the worker reports itself finished to the controller."""
    if not ISOLATION or KEEP or not _ORIGINAL_URL:
        return
    names: List[str] = []
    if _STATE["role"] in ("worker", "master") and _STATE["created"]:
        names.append(_STATE["created"])
        _STATE["created"] = None
    if _STATE["role"] == "master" and _STATE["template"]:
        names.append(database_name(url_database(_ORIGINAL_URL), "template"))
    if _STATE["role"] == "controller":
        # Every worker has finished its session (and dropped its database) by now.
        names.extend(_worker_leftovers(_ORIGINAL_URL))
        if MIGRATE:
            names.append(database_name(url_database(_ORIGINAL_URL), "template"))
    for warning in drop_databases(_ORIGINAL_URL, names):
        sys.stderr.write(f"backend-ci: warning: {warning}\n")


def pytest_collection_finish(session):
    path = session.config.getoption("backend_ci_collect", None)
    if not path or _STATE["role"] == "worker" or _WORKER:
        return
    records = [
        {"nodeid": item.nodeid, "markers": sorted({m.name for m in item.iter_markers()})}
        for item in session.items
    ]
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(records, handle, indent=1)
        handle.write("\n")
    os.replace(tmp, path)
