"""The lane's services, as ``BACKEND_CI_SERVICES`` describes them, and where their addresses are.

``BACKEND_CI_SERVICES`` is a JSON object, one entry per bound service (docs/CONTRACTS.md)::

    {"postgres": {"kind": "postgres", "fresh": true, "url_env": ["DATABASE_URL"],
                  "url_file_env": "DATABASE_URL_FILE", "vars": {"database": "PGDATABASE", ...},
                  "password_file_env": null, "isolation": "plugin"}, ...}

A service's address is the first of: ``url_env[0]``'s value, the URL in the file named by
``url_file_env``'s value, the discrete ``vars`` (postgres; the password from ``vars.password`` or
the file named by ``password_file_env``). Without ``BACKEND_CI_SERVICES`` (an older plan), a
postgres service is read from ``$BACKEND_CI_DATABASE_ENV`` (default ``DATABASE_URL``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, MutableMapping, Optional

from backend_ci import urls

SERVICES_ENV = "BACKEND_CI_SERVICES"
LEGACY_DATABASE_ENV = "BACKEND_CI_DATABASE_ENV"
KINDS = ("postgres", "redis", "search", "custom")


@dataclass
class Service:
    name: str
    kind: str
    fresh: bool = False
    url_env: List[str] = field(default_factory=list)
    url_file_env: Optional[str] = None
    vars: Dict[str, str] = field(default_factory=dict)
    # More variables naming the database, from further sets of discrete variables (an app's DB_NAME
    # beside libpq's PGDATABASE): rewritten with vars.database.
    database_env: List[str] = field(default_factory=list)
    password_file_env: Optional[str] = None
    isolation: str = "plugin"  # postgres: "plugin" or "conftest"

    # -- where the address is -------------------------------------------------------------------

    def _file(self, env: Mapping[str, str], var: Optional[str]) -> Optional[str]:
        path = env.get(var, "") if var else ""
        if not path:
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip() or None
        except OSError:
            return None

    def password(self, env: Mapping[str, str]) -> Optional[str]:
        if self.vars.get("password") and env.get(self.vars["password"]):
            return env[self.vars["password"]]
        return self._file(env, self.password_file_env)

    def url(self, env: Mapping[str, str]) -> Optional[str]:
        """The service's address, or None when no configured form is set."""
        if self.url_env and env.get(self.url_env[0]):
            return env[self.url_env[0]].strip()
        from_file = self._file(env, self.url_file_env)
        if from_file:
            return from_file
        if self.kind == "postgres" and self.vars:
            get = lambda key: env.get(self.vars[key]) if key in self.vars else None  # noqa: E731
            if not any(get(k) for k in ("host", "port", "database")):
                return None
            return urls.build_postgres_url(get("host"), get("port"), get("user"), self.password(env),
                                           get("database"))
        return None

    def where(self) -> str:
        """Where the address is read from, for messages: "$DATABASE_URL"."""
        forms = [f"${n}" for n in self.url_env[:1]]
        if self.url_file_env:
            forms.append(f"the file in ${self.url_file_env}")
        if self.vars:
            forms.append(", ".join(f"${v}" for v in self.vars.values()))
        return " or ".join(forms) or "(no variable configured)"

    # -- rewriting every form ---------------------------------------------------------------------

    def rewritten(self, env: Mapping[str, str], change: Callable[[str], str], files: "PrivateFiles",
                  database: Optional[str] = None) -> Dict[str, str]:
        """The variables to set so that every configured form names the changed address: each set
        `url_env` variable, a new private file for `url_file_env`, and `vars.database`."""
        out: Dict[str, str] = {}
        for name in self.url_env:
            if env.get(name):
                out[name] = change(env[name].strip())
        if self.url_file_env:
            current = self._file(env, self.url_file_env)
            if current:
                out[self.url_file_env] = files.write(self.url_file_env, change(current) + "\n")
        if database is not None:
            for name in ([self.vars["database"]] if self.vars.get("database") else []) + self.database_env:
                out[name] = database
        return out

    def variables(self) -> List[str]:
        names = list(self.url_env) + list(self.vars.values()) + list(self.database_env)
        return names + [n for n in (self.url_file_env, self.password_file_env) if n]


class PrivateFiles:
    """Files written for one process (URL files per worker), readable by it alone, removed by `remove`."""

    def __init__(self) -> None:
        self.directory: Optional[str] = None
        self.paths: List[str] = []

    def write(self, stem: str, text: str) -> str:
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix="backend-ci-")
        fd, path = tempfile.mkstemp(prefix=stem.lower() + "-", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.paths.append(path)
        return path

    def remove(self) -> None:
        for path in self.paths:
            try:
                os.unlink(path)
            except OSError:
                pass
        if self.directory:
            try:
                os.rmdir(self.directory)
            except OSError:
                pass
        self.paths, self.directory = [], None


def _service(name: str, raw: object) -> Service:
    if not isinstance(raw, dict):
        raise ValueError(f"{SERVICES_ENV}: service {name!r} must be an object")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{SERVICES_ENV}: service {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}")
    url_env = raw.get("url_env") or []
    if isinstance(url_env, str):
        url_env = [url_env]
    isolation = raw.get("isolation") or "plugin"
    if isolation not in ("plugin", "conftest"):
        raise ValueError(f"{SERVICES_ENV}: service {name!r} has isolation {isolation!r}; expected plugin or conftest")
    return Service(name=name, kind=kind, fresh=bool(raw.get("fresh", False)), url_env=list(url_env),
                   url_file_env=raw.get("url_file_env") or None, vars=dict(raw.get("vars") or {}),
                   database_env=list(raw.get("database_env") or []),
                   password_file_env=raw.get("password_file_env") or None, isolation=isolation)


def load(env: Optional[Mapping[str, str]] = None) -> Dict[str, Service]:
    """The lane's services by name (insertion order kept). Raises ValueError on a malformed value."""
    env = os.environ if env is None else env
    text = env.get(SERVICES_ENV, "").strip()
    if not text:
        legacy = env.get(LEGACY_DATABASE_ENV, "").strip() or "DATABASE_URL"
        if env.get(legacy):
            return {"postgres": Service("postgres", "postgres", url_env=[legacy])}
        return {}
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{SERVICES_ENV} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{SERVICES_ENV} must be a JSON object of services")
    return {name: _service(name, value) for name, value in raw.items()}


def first_of_kind(services: Mapping[str, Service], kind: str) -> Optional[Service]:
    return next((s for s in services.values() if s.kind == kind), None)


def password_files(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """The passwords held in the services' password files (for redaction)."""
    env = os.environ if env is None else env
    found = [service._file(env, service.password_file_env) for service in load(env).values()]
    return [pw for pw in found if pw]


def apply(changes: Mapping[str, str], env: Optional[MutableMapping[str, str]] = None) -> Dict[str, Optional[str]]:
    """Set `changes` in env; returns the previous values (None: unset) for `restore`."""
    env = os.environ if env is None else env
    previous = {k: env.get(k) for k in changes}
    env.update(changes)
    return previous


def restore(previous: Mapping[str, Optional[str]], env: Optional[MutableMapping[str, str]] = None) -> None:
    env = os.environ if env is None else env
    for key, value in previous.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
