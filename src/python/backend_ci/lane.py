"""One pytest process of a lane, as the plugin drives it: its role, the test process's own
resources (database, Redis database, index prefix) and the lane-wide side (the base database,
leftovers, the verdicts). The hooks that call this are in backend_ci_plugin.py.

Roles: an xdist worker ``gwN`` and ``master`` (one process without xdist) run tests; the xdist
``controller`` runs none, creates no per-process database and measures the lane-wide side.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Dict, List, Optional

from backend_ci import services
from backend_ci.pgisolation import PgProcess, PgSession
from backend_ci.postgres import base_database
from backend_ci.redact import redact
from backend_ci.redisisolation import RedisProcess, RedisSession
from backend_ci.session import Session
from backend_ci.verdict import database_isolation

RUN_ID_ENV = "_BACKEND_CI_RUN_ID"  # one per run, inherited by the workers: the template's stamp
_NO_TESTS = ("collectonly", "help", "version", "showfixtures", "show_fixtures_per_test", "markers")


def _flag(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


def describe(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split()) or type(exc).__name__)


def runs_no_tests(ns: Any) -> bool:
    return any(getattr(ns, name, False) for name in _NO_TESTS)


def distributes(ns: Any, final: bool) -> bool:
    """Whether xdist will distribute this run (this process then runs no test itself): a guess from
    the early options, exact once xdist resolved them (``final``)."""
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


def _worker_order(process: Dict[str, Any]) -> Any:
    worker = process.get("worker") or ""
    return (0, int(worker[2:])) if worker[2:].isdigit() else (1, worker)


class Lane:
    def __init__(self) -> None:
        self.isolation = _flag("BACKEND_CI_ISOLATION", "1").lower() not in ("0", "false", "no", "off")
        self.prefix_env = _flag("BACKEND_CI_INDEX_PREFIX_ENV", "") or "SEARCH_INDEX_PREFIX"
        self.migrate = _flag("BACKEND_CI_MIGRATE", "")
        self.keep = _flag("BACKEND_CI_KEEP_DATABASES", "0").lower() in ("1", "true", "yes", "on")
        self.worker: Optional[str] = os.environ.get("PYTEST_XDIST_WORKER") or None
        run_id = (os.environ.get(RUN_ID_ENV) if self.worker else None) or uuid.uuid4().hex
        self.run_id, self.stamp = run_id, f"backend-ci run {run_id}"
        self.original_prefix = os.environ.get(self.prefix_env)
        try:
            table, self.load_error = services.load(), None
        except ValueError as exc:
            table, self.load_error = {}, str(exc)
        self.pg_service = services.first_of_kind(table, "postgres")
        self.redis_service = services.first_of_kind(table, "redis")
        # Index prefixes: when a search service is bound, when the plan names the variable, and in
        # an older plan's lanes (no BACKEND_CI_SERVICES), which always had one.
        self.prefixes = (any(s.kind == "search" for s in table.values()) or "BACKEND_CI_INDEX_PREFIX_ENV" in os.environ
                         or not os.environ.get(services.SERVICES_ENV, "").strip())
        self.pg_url = self.pg_service.url(os.environ) if self.pg_service else None
        self.redis_url = self.redis_service.url(os.environ) if self.redis_service else None
        # state
        self.role: Optional[str] = None  # "worker", "master", "controller"; None: nothing to isolate
        self.pg: Optional[PgProcess] = None
        self.redis: Optional[RedisProcess] = None
        self.pg_session: Optional[PgSession] = None
        self.redis_session: Optional[RedisSession] = None
        self.session: Optional[Session] = None
        self.error: Optional[str] = None  # fails every test of this process
        self.processes: List[Dict[str, Any]] = []  # what the test processes reported
        self.result: Optional[Dict[str, Any]] = None  # LaneIsolation

    # -- the test process's own resources ---------------------------------------------------------

    def become_test_process(self, worker: str) -> None:
        """Point this process at its own resources (variables only: nothing is created yet)."""
        self.role = "master" if worker == "master" else "worker"
        if self.pg_service and self.pg_url:
            migrate = self.migrate if self.pg_service.isolation == "plugin" else ""
            self.pg = PgProcess(self.pg_service, worker, self.pg_url, migrate, self.keep, self.stamp)
            self.pg.apply_env()
        if self.redis_service and self.redis_url:
            self.redis = RedisProcess(self.redis_service, worker, self.redis_url)
            self.redis.apply_env()
        if self.prefixes:
            os.environ[self.prefix_env] = f"{self.original_prefix or 'test_'}{worker}_"

    def undo_test_process(self) -> None:
        if self.pg is not None and self.pg.created:
            self.pg.finish()
        for part in (self.pg, self.redis):
            if part is not None:
                part.restore_env()
        self.pg = self.redis = None
        if self.original_prefix is None:
            os.environ.pop(self.prefix_env, None)
        elif self.prefixes:
            os.environ[self.prefix_env] = self.original_prefix

    def prepare_test_process(self) -> None:
        """Create this process's database and check its Redis database; errors fail its tests."""
        worker = self.worker or "master"
        if self.pg is not None:
            try:
                self.pg.prepare()
            except Exception as exc:  # noqa: BLE001
                self.error = f"backend-ci: could not prepare the test database for {worker} on {redact(self.pg_url or '')}: {describe(exc)}"
                self.pg.error = self.error
        if self.redis is not None:
            self.redis.check()
            if self.redis.error and not self.error:
                self.error = f"backend-ci: {self.redis.error}"

    def process_record(self) -> Dict[str, Any]:
        """What this test process reports at its end (and drops its database)."""
        prefix = os.environ.get(self.prefix_env) if self.prefixes else None
        record: Dict[str, Any] = {"worker": self.worker or "master", "prefix": prefix,
                                  "errors": [self.error] if self.error else []}
        if self.pg is not None:
            record["pg"] = self.pg.finish()
        if self.redis is not None:
            record["redis"] = self.redis.finish()
        return record

    # -- the lane-wide side (controller, or master) ------------------------------------------------

    def start_session(self, workers: int) -> None:
        """Before any test process starts. Raises when the lane cannot run (template, Redis)."""
        if self.pg_service and self.pg_url:
            self.pg_session = PgSession(self.pg_service, self.pg_url, self.migrate, self.keep, self.stamp)
            self.pg_session.start()
            if self.migrate and self.pg_service.isolation == "plugin" and self.role == "controller":
                self.pg_session.prepare_template()
        if self.redis_service and self.redis_url:
            self.redis_session = RedisSession(self.redis_service, self.redis_url)
            self.redis_session.start(workers)

    def lane_isolation(self) -> Dict[str, Any]:
        """``LaneIsolation`` after every test process ended."""
        self.processes.sort(key=_worker_order)
        database = redis = None
        if not self.isolation:
            if self.pg_url:
                database = database_isolation("off", base_database(self.pg_url), None, [], {}, [], [])
            if self.redis_url:
                redis = {"processes": [], "base_keys": None, "verdict": "off", "message": "isolation is off (BACKEND_CI_ISOLATION=0)"}
        if self.pg_session is not None:
            database = self.pg_session.finish([p["pg"] for p in self.processes if "pg" in p], [])
        if self.redis_session is not None:
            redis = self.redis_session.finish([p["redis"] for p in self.processes if "redis" in p], [])
        prefixes = {p["worker"]: p["prefix"] for p in self.processes if p.get("prefix")}
        return {"database": database, "redis": redis, "index_prefixes": prefixes}
