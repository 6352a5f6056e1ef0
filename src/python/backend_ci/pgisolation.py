"""Per-test-process Postgres databases: the process side (rewrite the variables, create the
database, measure and drop it) and the session side (snapshot the base database and the server's
databases at the start, measure and clean up at the end, decide the verdict).

A test process is an xdist worker ``gwN`` or ``master`` (one process without xdist); the session
side runs in the xdist controller, or in ``master`` too.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Dict, List, Mapping, Optional, Set

from backend_ci import postgres, runinfo, urls, verdict
from backend_ci.services import PrivateFiles, Service, apply, restore

RETRY_SECONDS = 1.0  # how long an unused database is re-read for statistics flushed late
_OWN_SUFFIX = re.compile(r"_(gw\d+|master|template)$")


def template_name(base: str) -> str:
    return urls.database_name(base, "template")


def is_ours(base: str, name: str, plugin: bool = True) -> bool:
    """A name backend-ci gives: <base>_gwN, <base>_master, <base>_template (63-byte cut included);
    none in conftest mode, where the suite names its databases itself."""
    match = _OWN_SUFFIX.search(name) if plugin else None
    return bool(match) and urls.database_name(base, match.group(1)) == name


def measure(admin: postgres.Admin, names: List[str], since: Optional[Mapping[str, Dict[str, int]]] = None,
            retry: float = RETRY_SECONDS) -> Dict[str, Dict[str, int]]:
    """Traffic per database since `since`; databases that show none are re-read for `retry` seconds."""
    deadline = time.monotonic() + retry
    while True:
        now = admin.activity(names)
        result = {n: postgres.traffic(now[n], (since or {}).get(n)) for n in names}
        if all(postgres.used(a) for a in result.values()) or time.monotonic() >= deadline:
            return result
        time.sleep(0.2)


def migrate_env(service: Service, env: Mapping[str, str], database: str, files: PrivateFiles) -> Dict[str, str]:
    """The environment in which BACKEND_CI_MIGRATE migrates `database`: every form names it."""
    out = dict(env)
    out.update(service.rewritten(env, lambda u: urls.with_database(u, database), files, database=database))
    return out


def migrate_template(admin: "postgres.Admin", service: Service, template: str, command: str, stamp: str) -> None:
    """Migrates the template (once per run; the caller holds the lock), with the URL files the
    command needs written privately and removed after."""
    files = PrivateFiles()
    try:
        postgres.migrate(admin, template, command, migrate_env(service, os.environ, template, files), stamp)
    finally:
        files.remove()


class PgProcess:
    """The database of one test process."""

    def __init__(self, service: Service, worker: str, url: str, migrate: str, keep: bool, stamp: str) -> None:
        self.service, self.worker, self.url = service, worker, url
        self.migrate, self.keep, self.stamp = migrate, keep, stamp
        self.base = postgres.base_database(url)
        self.plugin = service.isolation == "plugin"
        self.database = urls.database_name(self.base, worker) if self.plugin else None
        self.files = PrivateFiles()
        self.previous: Optional[Dict[str, Optional[str]]] = None
        self.created = False
        self.error: Optional[str] = None
        self.start_databases: Set[str] = set()
        self.new_databases: Dict[str, Optional[Dict[str, int]]] = {}
        self.dropped: List[str] = []

    def apply_env(self) -> None:
        if self.database and self.previous is None:
            changes = self.service.rewritten(os.environ, lambda u: urls.with_database(u, self.database), self.files,
                                             database=self.database)
            self.previous = apply(changes)

    def restore_env(self) -> None:
        if self.previous is not None:
            restore(self.previous)
            self.previous = None
        self.files.remove()

    def prepare(self) -> None:
        """Create this process's database (a clone of the migrated template with BACKEND_CI_MIGRATE).
        In conftest mode only the server's databases are listed, and a failure is the check's, not
        the tests': it is recorded, never raised."""
        if not self.database:
            try:
                with postgres.Admin(self.url) as admin:
                    self.start_databases = set(admin.databases())
            except Exception as exc:  # noqa: BLE001
                self.error = f"could not list the server's databases: {' '.join(str(exc).split())}"
            return
        with postgres.Admin(self.url) as admin:
            self.start_databases = set(admin.databases())
            if self.migrate:
                template = template_name(self.base)
                admin.lock()
                try:
                    migrate_template(admin, self.service, template, self.migrate, self.stamp)
                    admin.drop(self.database)
                    admin.create(self.database, template)
                finally:
                    admin.unlock()
            else:
                admin.drop(self.database)
                admin.create(self.database)
            self.created = True
        runinfo.write(f"process-{self.worker}.json", {"worker": self.worker, "database": self.database})

    def observe(self) -> None:
        """Before the last test's teardown (session fixtures still up): databases the tests made."""
        try:
            with postgres.Admin(self.url) as admin:
                fresh = [n for n in admin.databases() if n not in self.start_databases
                         and not is_ours(self.base, n, self.plugin) and (self.service.fresh or n.startswith(self.base + "_"))]
                if fresh:
                    self.new_databases.update(measure(admin, fresh, retry=0))
        except Exception:  # noqa: BLE001 - an observation, never a failure
            pass

    def finish(self) -> Dict[str, Any]:
        """Measure this process's database, drop it (unless kept): the ``IsolatedProcess`` record
        plus what the session side merges (dropped, new databases)."""
        activity = None
        if self.database and self.created:
            try:
                with postgres.Admin(self.url) as admin:
                    activity = measure(admin, [self.database])[self.database]
                    if not self.keep:
                        admin.drop(self.database)
                        self.dropped.append(self.database)
            except Exception as exc:  # noqa: BLE001
                self.error = self.error or f"could not measure or drop database {self.database}: {' '.join(str(exc).split())}"
        self.restore_env()
        return {"worker": self.worker, "database": self.database, "activity": activity, "error": self.error,
                "dropped": self.dropped, "new_databases": self.new_databases}


class PgSession:
    """The lane-wide side: the base database and the server's databases, start to end."""

    def __init__(self, service: Service, url: str, migrate: str, keep: bool, stamp: str) -> None:
        self.service, self.url, self.migrate, self.keep, self.stamp = service, url, migrate, keep, stamp
        self.base = postgres.base_database(url)
        self.start_databases: Set[str] = set()
        self.base_start: Optional[Dict[str, int]] = None
        self.note = ""
        self.error: Optional[str] = None
        self.template = False

    def start(self) -> None:
        """Snapshot the base database's traffic and the server's databases (before any worker)."""
        try:
            with postgres.Admin(self.url) as admin:
                admin.wait_own_sessions_gone(self.base)
                self.start_databases = set(admin.databases())
                if admin.on_base:
                    self.note = f" (the traffic on {self.base} was not measured: backend-ci could only connect to it for maintenance)"
                else:
                    self.base_start = admin.activity([self.base])[self.base]
        except Exception as exc:  # noqa: BLE001
            self.error = f"could not read the server's databases: {' '.join(str(exc).split())}"

    def prepare_template(self) -> None:
        """Migrate the template once, before the workers start (raises on failure)."""
        template = template_name(self.base)
        with postgres.Admin(self.url) as admin:
            admin.lock()
            try:
                migrate_template(admin, self.service, template, self.migrate, self.stamp)
            finally:
                admin.unlock()

        self.template = True

    def finish(self, processes: List[Dict[str, Any]], errors: List[str]) -> Dict[str, Any]:
        """After every test process ended: base traffic, leftovers dropped, the verdict."""
        mode = self.service.isolation
        plugin = mode == "plugin"
        dropped = [d for p in processes for d in p.get("dropped", [])]
        new: Dict[str, Optional[Dict[str, int]]] = {}
        for p in processes:
            new.update(p.get("new_databases") or {})
        base_activity = None
        left: List[str] = []
        errors = list(errors) + ([self.error] if self.error else [])
        try:
            with postgres.Admin(self.url) as admin:
                if self.base_start is not None and not admin.on_base:
                    base_activity = measure(admin, [self.base], {self.base: self.base_start}, retry=0.5)[self.base]
                now = admin.databases()
                appeared = [n for n in now if n not in self.start_databases and n != self.base]
                for name in appeared:
                    if not is_ours(self.base, name, plugin) and name not in new and (self.service.fresh or name.startswith(self.base + "_")):
                        new[name] = None
                lane = [n for n in now if n.startswith(self.base + "_") and (is_ours(self.base, n, plugin) or n in appeared)]
                gone, kept, failed = admin.drop_all(lane, self.keep)
                dropped.extend(gone)
                left.extend(kept)
                errors.extend(failed)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"could not check the server after the session: {' '.join(str(exc).split())}")
        records = [{k: p.get(k) for k in ("worker", "database", "activity", "error")} for p in processes]
        return verdict.database_isolation(mode, self.base, base_activity, records, new, dropped, left, errors, self.note)
