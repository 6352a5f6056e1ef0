"""Per-worker Redis databases: xdist worker ``gwN`` uses database ``N + 1`` (a single process keeps
the URL's own), and ``INFO keyspace`` at the end tells whether the tests wrote where they were
pointed (``RedisIsolation`` in records.ts)."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional

from backend_ci import urls
from backend_ci.redact import redact
from backend_ci.redis import Redis
from backend_ci.services import PrivateFiles, Service, apply, restore

HINT = "the app builds its own URL? map its variable under services.redis"


def worker_db(worker: str) -> Optional[int]:
    """gw0 -> 1, gw1 -> 2, ...; None for a single process (it keeps the URL's database)."""
    match = re.fullmatch(r"gw(\d+)", worker)
    return int(match.group(1)) + 1 if match else None


def _describe(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class RedisProcess:
    def __init__(self, service: Service, worker: str, url: str) -> None:
        self.service, self.worker, self.url = service, worker, url
        self.db = worker_db(worker)
        self.files = PrivateFiles()
        self.previous: Optional[Dict[str, Optional[str]]] = None
        self.error: Optional[str] = None

    def own_url(self) -> str:
        return urls.with_redis_db(self.url, self.db) if self.db is not None else self.url

    def apply_env(self) -> None:
        if self.db is not None and self.previous is None:
            db = self.db
            self.previous = apply(self.service.rewritten(os.environ, lambda u: urls.with_redis_db(u, db), self.files))

    def restore_env(self) -> None:
        if self.previous is not None:
            restore(self.previous)
            self.previous = None
        self.files.remove()

    def check(self) -> None:
        """The worker's database exists on the server (SELECT works)."""
        if self.db is None:
            return
        try:
            with Redis(self.own_url()):
                pass
        except Exception as exc:  # noqa: BLE001
            self.error = (f"Redis at {redact(self.url)} has no database {self.db} for worker {self.worker}: "
                          f"{_describe(exc)}; start it with more databases (services.redis.databases) or use fewer workers")

    def finish(self) -> Dict[str, Any]:
        keys = None
        try:
            with Redis(self.own_url()) as client:
                keys = client.keyspace().get(self.db if self.db is not None else urls.redis_db(self.url), 0)
        except Exception:  # noqa: BLE001
            pass
        self.restore_env()
        db = self.db if self.db is not None else urls.redis_db(self.url)
        return {"worker": self.worker, "db": db, "keys": keys, "error": self.error}


class RedisSession:
    def __init__(self, service: Service, url: str) -> None:
        self.service, self.url = service, url
        self.base_db = urls.redis_db(url)
        self.base_start: Optional[int] = None
        self.error: Optional[str] = None

    def start(self, workers: int) -> None:
        """Snapshot the URL's own database; refuse (RuntimeError) when the workers' databases
        1..workers do not exist on the server."""
        with Redis(self.url) as client:
            self.base_start = client.keyspace().get(self.base_db, 0)
            if workers <= 0:
                return
            available = client.databases()
            ok = available > workers if available is not None else client.can_select(workers)
            if not ok:
                have = f"{available} databases (0-{available - 1})" if available is not None else f"no database {workers}"
                raise RuntimeError(
                    f"Redis at {redact(self.url)} has {have}, but {workers} xdist workers need databases 1-{workers}: "
                    f"start it with at least {workers + 1} databases (services.redis.databases) or use fewer workers")

    def finish(self, processes: List[Dict[str, Any]], errors: List[str]) -> Dict[str, Any]:
        base_keys = None
        try:
            with Redis(self.url) as client:
                base_keys = client.keyspace().get(self.base_db, 0)
        except Exception as exc:  # noqa: BLE001
            errors = errors + [f"could not read Redis at {redact(self.url)}: {_describe(exc)}"]
        errors = errors + [p["error"] for p in processes if p.get("error")]
        records = [{"worker": p["worker"], "db": p["db"], "keys": p.get("keys")} for p in processes]
        workers = [p for p in records if p["worker"] != "master"]
        with_keys = [str(p["db"]) for p in workers if p.get("keys")]
        own = ", ".join(str(p["db"]) for p in workers)
        grew = base_keys is not None and base_keys > (self.base_start or 0)
        if errors:
            verdict, message = "error", errors[0]
        elif not workers:
            verdict, message = "off", f"one test process: it uses the URL's own Redis database {self.base_db}"
        elif with_keys and not grew:
            verdict = "effective"
            message = f"the workers used their own Redis databases ({', '.join(with_keys)}); database {self.base_db} got no new keys"
        elif with_keys:
            verdict = "partial"
            message = (f"the workers used their own Redis databases ({', '.join(with_keys)}), but database "
                       f"{self.base_db} got new keys too: part of {HINT}")
        elif grew:
            verdict = "no-effect"
            message = f"the tests wrote to Redis database {self.base_db}, not the workers' own ({own}): {HINT}"
        else:
            verdict = "unknown"
            message = (f"no keys left in Redis databases {self.base_db} or {own} at the end of the session: "
                       "nothing tells whether the workers used their own")
        return {"processes": records, "base_keys": base_keys, "verdict": verdict, "message": message}
