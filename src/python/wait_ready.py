"""Wait until the lane's services answer: importable (``wait_all``) and a CLI.

    python wait_ready.py [--timeout SECONDS] NAME [NAME ...]

Each NAME is a service of ``BACKEND_CI_SERVICES``; its address is read from the environment the
way that variable says (so no URL, and no password, is on a command line). An older plan's
``NAME=URL`` is still accepted (the kind then follows the URL's scheme). Per kind:

* postgres: connect (psycopg 3, else psycopg2; without either, a TCP connect) and ``SELECT 1``;
* redis: ``PING`` (``AUTH`` first when the URL has a password);
* search (Elasticsearch/OpenSearch): ``_cluster/health?wait_for_status=yellow`` answers 200;
* custom: a TCP connection to the URL's host and port.

A ready service's own start time is read too (postgres ``pg_postmaster_start_time()``, search
``_nodes/_local/jvm`` ``start_time_in_millis``, redis ``INFO server`` ``uptime_in_seconds``).
Exit 0 when every service is ready, 125 when one is not (the message names it and its URL, password
removed). Standard library plus the optional Postgres driver; Python >= 3.9.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backend_ci import postgres, services, urls  # noqa: E402
from backend_ci.redact import Redactor, redactor  # noqa: E402
from backend_ci.redis import Redis  # noqa: E402

NOT_READY_EXIT = 125
POLL_INTERVAL = 0.5
ATTEMPT_TIMEOUT = 5.0
DEFAULT_PORTS = {"http": 80, "https": 443, "redis": 6379, "rediss": 6379, "postgres": 5432, "postgresql": 5432,
                 "amqp": 5672, "mysql": 3306, "mongodb": 27017, "kafka": 9092, "smtp": 25, "nats": 4222}


@dataclass
class Readiness:
    name: str
    url: str  # redacted
    ready: bool
    seconds: float
    message: str  # "" when ready; redacted
    started_at: Optional[str] = None  # the service's own start, ISO 8601
    kind: str = ""
    fresh: bool = False

    def record(self) -> dict:
        """``ServiceReadiness`` (records.ts)."""
        return {"name": self.name, "ready": self.ready, "seconds": round(self.seconds, 3),
                "started_at": self.started_at, "message": self.message}


@dataclass
class Target:
    name: str
    kind: str
    url: Optional[str]
    fresh: bool = False
    problem: str = ""  # why there is no URL


def _scheme_kind(url: str) -> str:
    scheme = urlsplit(url).scheme.lower().split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return "postgres"
    if scheme in ("redis", "rediss"):
        return "redis"
    if scheme in ("http", "https"):
        return "search"
    return "custom"


def resolve(spec: str, env: Optional[Mapping[str, str]] = None) -> Target:
    """`NAME` (a BACKEND_CI_SERVICES entry) or an older plan's `NAME=URL`."""
    env = os.environ if env is None else env
    name, sep, url = spec.partition("=")
    name = name.strip()
    if sep:
        return Target(name, _scheme_kind(url.strip()), url.strip())
    try:
        table = services.load(env)
    except ValueError as exc:
        return Target(name, "custom", None, problem=str(exc))
    service = table.get(name)
    if service is None:
        return Target(name, "custom", None, problem=f"not in {services.SERVICES_ENV} ({', '.join(table) or 'empty'})")
    url = service.url(env)
    problem = "" if url else f"no address: {service.where()} is not set"
    return Target(name, service.kind, url, service.fresh, problem)


def _epoch_iso(seconds: float) -> str:
    return postgres.iso(seconds)


def _tcp(url: str, timeout: float) -> None:
    host, port = urls.host_port(url, DEFAULT_PORTS.get(urlsplit(url).scheme.lower().split("+", 1)[0], 0))
    if not host or not port:
        raise ValueError("no host:port in the URL")
    with socket.create_connection((host, port), timeout=timeout):
        pass


def check_postgres(url: str, timeout: float) -> Optional[str]:
    """Ready when the server opens a session: on the maintenance database first (the one the plugin
    administers through; the URL's own database may not exist yet when isolation makes one per
    worker), else on the URL's own."""
    try:
        try:
            conn = postgres.connect(urls.with_database(url, postgres.MAINTENANCE), timeout)
        except postgres.DriverMissing:
            raise
        except Exception:  # noqa: BLE001 - no maintenance database or no right to it: the URL's own
            conn = postgres.connect(url, timeout)
    except postgres.DriverMissing:
        _tcp(url, timeout)
        return None
    try:
        postgres.execute(conn, "SELECT 1")
        return postgres.started_at(conn)
    finally:
        conn.close()


def check_redis(url: str, timeout: float) -> Optional[str]:
    with Redis(url, timeout) as client:
        reply = client.command("PING")
        if reply != b"PONG":
            raise RuntimeError(f"PING answered {reply!r}")
        server = client.info("server")
    # Redis keeps its start in whole seconds (cut down): the server's clock minus its uptime gives it.
    uptime, clock = server.get("uptime_in_seconds", ""), server.get("server_time_usec", "")
    if not uptime.isdigit():
        return None
    now = int(clock) // 1_000_000 if clock.isdigit() else int(time.time())
    return _epoch_iso(now - int(uptime))


def _http_get(url: str, path: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    target = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + path, "", ""))
    request = urllib.request.Request(target)
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
        request.add_header("Authorization", "Basic " + base64.b64encode(token).decode("ascii"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} from {path.split('?')[0]}") from exc


def check_search(url: str, timeout: float) -> Optional[str]:
    _http_get(url, "/_cluster/health?wait_for_status=yellow&timeout=1s", timeout)
    try:
        nodes = json.loads(_http_get(url, "/_nodes/_local/jvm", timeout)).get("nodes", {})
        starts = [n["jvm"]["start_time_in_millis"] for n in nodes.values() if "start_time_in_millis" in n.get("jvm", {})]
    except Exception:  # noqa: BLE001 - the start time is a nicety
        return None
    return _epoch_iso(min(starts) / 1000.0) if starts else None


CHECKS = {"postgres": check_postgres, "redis": check_redis, "search": check_search,
          "custom": lambda url, timeout: _tcp(url, timeout)}


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


MIN_ATTEMPT = 3.0


def wait_for(target: Target, timeout: float = 60.0, clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep, reported_timeout: Optional[float] = None,
             redact: Optional[Redactor] = None) -> Readiness:
    """Poll the target until it is ready or `timeout` seconds have passed (`reported_timeout`, when
    given, is the figure the message quotes)."""
    redact = redact or redactor()
    shown = redact(target.url or "")
    result = Readiness(target.name, shown, False, 0.0, "", kind=target.kind, fresh=target.fresh)
    if not target.url:
        result.message = redact(f"service {target.name!r}: {target.problem}")
        return result
    started = clock()
    deadline = started + timeout
    last = "never checked"
    while True:
        remaining = deadline - clock()
        try:
            # At least MIN_ATTEMPT per try, even at the deadline: a cluster-health request waits a
            # second on the server before it answers 408 (still red), which says more than a timeout.
            result.started_at = CHECKS[target.kind](target.url, min(ATTEMPT_TIMEOUT, max(remaining, MIN_ATTEMPT)))
            result.ready, result.seconds = True, clock() - started
            return result
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last = _describe(exc)
        if clock() + POLL_INTERVAL > deadline:
            result.seconds = clock() - started
            quoted = timeout if reported_timeout is None else reported_timeout
            result.message = redact(f"service {target.name!r} at {shown} not ready after {quoted:g}s: {last}")
            return result
        sleep(POLL_INTERVAL)


def wait_all(specs: Sequence[str], timeout: float = 60.0, env: Optional[Mapping[str, str]] = None) -> List[Readiness]:
    """Wait for each service in turn, sharing one deadline; stops at the first that is not ready."""
    redact = redactor(env)
    results: List[Readiness] = []
    deadline = time.monotonic() + timeout
    for spec in specs:
        remaining = max(deadline - time.monotonic(), 0.0)
        result = wait_for(resolve(spec, env), remaining, reported_timeout=timeout, redact=redact)
        results.append(result)
        if not result.ready:
            break
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Wait until the lane's services are ready.")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for all services")
    parser.add_argument("services", nargs="+", metavar="NAME")
    args = parser.parse_args(argv)
    for result in wait_all(args.services, args.timeout):
        if result.ready:
            print(f"{result.name}: ready after {result.seconds:.1f}s", flush=True)
        else:
            print(result.message, file=sys.stderr, flush=True)
            return NOT_READY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
