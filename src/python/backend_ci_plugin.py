"""backend-ci pytest plugin (``-p backend_ci_plugin``): one database, Redis database and search-index
prefix per test process, a check that the isolation worked, and pytest's session as run_lane.py
should believe it. Contract: docs/CONTRACTS.md; the code is in the ``backend_ci`` package.

Roles: an xdist worker ``gwN`` and ``master`` (one process without xdist) run tests and get their own
resources, set before any conftest or app module is imported (a worker at plugin import: xdist sets
PYTEST_XDIST_WORKER before it builds the worker's config; ``master`` in the first
``pytest_load_initial_conftests``, when it is known that this process will not be an xdist
controller). The controller runs no test, creates no per-process database, hands the original
environment to its workers, and measures the lane-wide side (the base database, leftovers).
"""

from __future__ import annotations

import os
import sys
import uuid
from typing import Any, Dict, List, Optional

import pytest

from backend_ci import collect, runinfo, services
from backend_ci.pgisolation import PgProcess, PgSession
from backend_ci.redact import redact, redactor
from backend_ci.redisisolation import RedisProcess, RedisSession
from backend_ci.session import Session


def _flag(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


ISOLATION = _flag("BACKEND_CI_ISOLATION", "1").lower() not in ("0", "false", "no", "off")
INDEX_PREFIX_ENV = _flag("BACKEND_CI_INDEX_PREFIX_ENV", "") or "SEARCH_INDEX_PREFIX"
MIGRATE = _flag("BACKEND_CI_MIGRATE", "")
KEEP = _flag("BACKEND_CI_KEEP_DATABASES", "0").lower() in ("1", "true", "yes", "on")
RUN_ID_ENV = "_BACKEND_CI_RUN_ID"  # one per run, inherited by the workers: the template's stamp

_WORKER: Optional[str] = os.environ.get("PYTEST_XDIST_WORKER") or None
_RUN_ID = (os.environ.get(RUN_ID_ENV) if _WORKER else None) or uuid.uuid4().hex
_STAMP = f"backend-ci run {_RUN_ID}"
_ORIGINAL_PREFIX = os.environ.get(INDEX_PREFIX_ENV)
try:
    SERVICES = services.load()
    _LOAD_ERROR: Optional[str] = None
except ValueError as exc:
    SERVICES, _LOAD_ERROR = {}, str(exc)
_PG = services.first_of_kind(SERVICES, "postgres")
_REDIS = services.first_of_kind(SERVICES, "redis")
_PG_URL = _PG.url(os.environ) if _PG else None
_REDIS_URL = _REDIS.url(os.environ) if _REDIS else None


class _State:
    role: Optional[str] = None  # "worker", "master", "controller"; None: no isolation in this run
    pg: Optional[PgProcess] = None
    redis: Optional[RedisProcess] = None
    pg_session: Optional[PgSession] = None
    redis_session: Optional[RedisSession] = None
    session: Optional[Session] = None
    error: Optional[str] = None  # fails every test of this process
    processes: List[Dict[str, Any]] = []  # what the test processes reported (controller / master)
    isolation: Optional[Dict[str, Any]] = None


S = _State()


def _describe(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split()) or type(exc).__name__)


# -- the test process's own resources ------------------------------------------------------------


def _become_test_process(worker: str) -> None:
    S.role = worker if worker == "master" else "worker"
    if _PG and _PG_URL:
        S.pg = PgProcess(_PG, worker, _PG_URL, MIGRATE if _PG.isolation == "plugin" else "", KEEP, _STAMP)
        S.pg.apply_env()
    if _REDIS and _REDIS_URL:
        S.redis = RedisProcess(_REDIS, worker, _REDIS_URL)
        S.redis.apply_env()
    os.environ[INDEX_PREFIX_ENV] = f"{_ORIGINAL_PREFIX or 'test_'}{worker}_"


def _undo_test_process() -> None:
    for part in (S.pg, S.redis):
        if part is not None:
            part.restore_env()
    S.pg = S.redis = None
    if _ORIGINAL_PREFIX is None:
        os.environ.pop(INDEX_PREFIX_ENV, None)
    else:
        os.environ[INDEX_PREFIX_ENV] = _ORIGINAL_PREFIX


def _prepare_test_process() -> None:
    """Create this process's database and check its Redis database; errors fail its tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER") or "master"
    if S.pg is not None:
        try:
            S.pg.prepare()
        except Exception as exc:  # noqa: BLE001
            S.error = f"backend-ci: could not prepare the test database for {worker} on {redact(_PG_URL or '')}: {_describe(exc)}"
            S.pg.error = S.error
    if S.redis is not None:
        S.redis.check()
        S.error = S.error or (f"backend-ci: {S.redis.error}" if S.redis.error else None)


def _start_session(workers: int) -> None:
    """The lane-wide side, before any test process starts (controller or master)."""
    if _PG and _PG_URL:
        S.pg_session = PgSession(_PG, _PG_URL, MIGRATE, KEEP, _STAMP)
        S.pg_session.start()
        if MIGRATE and _PG.isolation == "plugin" and S.role == "controller":
            S.pg_session.prepare_template()
    if _REDIS and _REDIS_URL:
        S.redis_session = RedisSession(_REDIS, _REDIS_URL)
        S.redis_session.start(workers)


if ISOLATION and _WORKER and not _LOAD_ERROR:
    _become_test_process(_WORKER)


# -- roles -----------------------------------------------------------------------------------------


def _runs_no_tests(ns: Any) -> bool:
    return any(getattr(ns, name, False) for name in
               ("collectonly", "help", "version", "showfixtures", "show_fixtures_per_test", "markers"))


def _distributes(ns: Any, final: bool) -> bool:
    """Whether xdist will distribute this run (the process then runs no test itself)."""
    if getattr(ns, "collectonly", False):
        return False
    numprocesses = getattr(ns, "numprocesses", None)
    dist = getattr(ns, "dist", "no") or "no"
    if final:
        return dist != "no" and bool(getattr(ns, "tx", None))
    if numprocesses in ("auto", "logical"):
        return not getattr(ns, "usepdb", False)
    if numprocesses == 0:
        return False
    return bool(numprocesses) or bool(getattr(ns, "distload", False)) or dist != "no"


def _fail_usage(message: str) -> None:
    message = redact(message)
    if S.session is not None:
        S.session.error(message)
    raise pytest.UsageError(message)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before the first conftest is imported: the test process's resources exist."""
    if not _WORKER and S.session is None:
        S.session = Session()
    if _LOAD_ERROR:
        _fail_usage(f"backend-ci: {_LOAD_ERROR}")
    if not ISOLATION or _runs_no_tests(early_config.known_args_namespace):
        return
    if S.role == "worker":
        _prepare_test_process()
    elif _distributes(early_config.known_args_namespace, final=False):
        S.role = "controller"
    else:
        _become_test_process("master")
        _start_session(0)
        _prepare_test_process()
        if S.error:
            _fail_usage(S.error)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if _WORKER:
        return
    if S.session is None:
        S.session = Session()
    controller = _distributes(config.option, final=True)
    S.session.update(rootdir=collect.relative_rootdir(config), workers=len(config.getoption("tx", None) or []) if controller else 0)
    if not ISOLATION or _runs_no_tests(config.option):
        return
    # Options are final now (xdist resolved -n auto): correct the early guess if needed.
    if controller and S.role == "master":
        if S.pg and S.pg.created:
            S.pg.finish()
        _undo_test_process()
        S.role = "controller"
    elif not controller and S.role != "master":
        S.role = None
        _become_test_process("master")
        S.pg_session = None
    try:
        if S.role == "controller":
            os.environ[RUN_ID_ENV] = _RUN_ID  # the workers inherit it: one template per run
            _start_session(S.session.state["workers"])
        elif S.pg_session is None and S.redis_session is None:
            _start_session(0)
            _prepare_test_process()
    except Exception as exc:  # noqa: BLE001
        _fail_usage(f"backend-ci: could not prepare the lane's services: {_describe(exc)}")
    if S.role == "master" and S.error:
        _fail_usage(S.error)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if S.error:
        pytest.fail(S.error, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None and S.pg is not None:
        S.pg.observe()  # session fixtures are still up: databases the suite made itself exist now
    yield


# -- pytest's session, as the controller or the single process sees it ----------------------------


_CONFIG: List[Any] = []  # reports carry no config: pytest_report_teststatus needs it


def pytest_sessionstart(session):
    _CONFIG[:] = [session.config]
    if S.session is not None:
        S.session.update(started=True)


def pytest_runtest_logstart(nodeid, location):
    if S.session is not None:
        S.session.test_started(nodeid)


def pytest_runtest_logreport(report):
    if S.session is not None and _CONFIG:
        S.session.report(_CONFIG[0], report)


def pytest_runtest_logfinish(nodeid, location):
    if S.session is not None:
        S.session.test_finished(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem, report, sched):
    if S.session is not None:
        node = getattr(report, "node", None)
        S.session.crashed(getattr(getattr(node, "gateway", None), "id", None), crashitem)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", None) or {}
    if "backend_ci" in output:
        S.processes.append(output["backend_ci"])
        for message in output["backend_ci"].get("errors", []):
            if S.session is not None:
                S.session.error(message)


def pytest_keyboard_interrupt(excinfo):
    """A stopped run (run_lane's timeout sends SIGINT) keeps its coverage: pytest-cov saves only
    when the test loop ends normally, so save the measurement as a parallel fragment, which
    run_lane.py combines into $COVERAGE_FILE."""
    try:
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.stop()
            current.save()
    except Exception:  # noqa: BLE001
        pass


def _process_record() -> Dict[str, Any]:
    worker = os.environ.get("PYTEST_XDIST_WORKER") or "master"
    record: Dict[str, Any] = {"worker": worker, "prefix": os.environ.get(INDEX_PREFIX_ENV),
                              "errors": [S.error] if S.error else []}
    if S.pg is not None:
        record["pg"] = S.pg.finish()
    if S.redis is not None:
        record["redis"] = S.redis.finish()
    return record


def _worker_order(process: Dict[str, Any]) -> Any:
    worker = process.get("worker") or ""
    return (0, int(worker[2:])) if worker[2:].isdigit() else (1, worker)


def _lane_isolation() -> Dict[str, Any]:
    S.processes.sort(key=_worker_order)
    database = redis_record = None
    if not ISOLATION:
        if _PG and _PG_URL:
            from backend_ci.postgres import base_database
            from backend_ci.verdict import database_isolation

            database = database_isolation("off", base_database(_PG_URL), None, [], {}, [], [])
        if _REDIS and _REDIS_URL:
            redis_record = {"processes": [], "base_keys": None, "verdict": "off", "message": "isolation is off (BACKEND_CI_ISOLATION=0)"}
    if S.pg_session is not None:
        database = S.pg_session.finish([p["pg"] for p in S.processes if "pg" in p], [])
    if S.redis_session is not None:
        redis_record = S.redis_session.finish([p["redis"] for p in S.processes if "redis" in p], [])
    prefixes = {p["worker"]: p["prefix"] for p in S.processes if p.get("prefix")}
    return {"database": database, "redis": redis_record, "index_prefixes": prefixes}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """After session fixtures are torn down; in a worker, before xdist reports it finished."""
    if S.role in ("worker", "master"):
        record = _process_record()
        if S.role == "worker":
            session.config.workeroutput["backend_ci"] = record
        else:
            S.processes.append(record)
    if S.session is not None:  # the controller, or the one process
        try:
            S.isolation = redactor().tree(_lane_isolation())
            runinfo.write(runinfo.ISOLATION, S.isolation)
        except Exception as exc:  # noqa: BLE001 - a check must never break the run
            S.session.error(f"backend-ci: could not check the isolation: {_describe(exc)}")
        S.session.finish(exitstatus)


def pytest_terminal_summary(terminalreporter):
    iso = S.isolation or {}
    for key, label in (("database", "database"), ("redis", "Redis")):
        part = iso.get(key)
        if part:
            terminalreporter.write_line(f"backend-ci: {label} isolation {part['verdict']}: {part['message']}")


def pytest_report_header(config):
    if not ISOLATION:
        return "backend-ci: isolation off (BACKEND_CI_ISOLATION=0)"
    if S.role == "controller":
        return f"backend-ci: xdist controller; each worker gets its own database, Redis database and {INDEX_PREFIX_ENV}"
    if S.pg is not None and S.pg.database:
        return f"backend-ci: database {S.pg.database}; {INDEX_PREFIX_ENV}={os.environ.get(INDEX_PREFIX_ENV, '')}"
    return None


def pytest_addoption(parser):
    parser.getgroup("backend-ci").addoption(
        "--backend-ci-collect", dest="backend_ci_collect", metavar="FILE", default=None,
        help="with --collect-only: write the collected node ids (relative to the invocation directory) and their markers to FILE (JSON)",
    )


def pytest_collection_finish(session):
    path = session.config.getoption("backend_ci_collect", None)
    if path and not _WORKER:
        collect.write(path, session.config, session.items)
