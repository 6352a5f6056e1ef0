"""Wait until services answer: importable (``wait_all``) and a CLI.

    python wait_ready.py [--timeout SECONDS] NAME=URL [NAME=URL ...]

* ``postgres://`` / ``postgresql://`` (also ``postgresql+driver://``): connect with psycopg (3),
  else psycopg2, and run ``SELECT 1``; without either driver, a TCP connect to host:port.
* ``http://`` / ``https://``: ``GET <url>/_cluster/health?wait_for_status=yellow&timeout=1s``
  must answer 200 (Elasticsearch and OpenSearch).
* ``tcp://host:port``: a TCP connect.

Exit 0 when every service is ready, 125 when one is not (the message names it). Standard library
plus the optional Postgres driver; Python >= 3.9.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit, urlunsplit

NOT_READY_EXIT = 125
POLL_INTERVAL = 0.5
ATTEMPT_TIMEOUT = 5.0


@dataclass
class Readiness:
    name: str
    url: str
    ready: bool
    seconds: float
    message: str  # "" when ready


def redact(url: str) -> str:
    """The URL without its password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def parse_spec(spec: str) -> Tuple[str, str]:
    """'postgres=postgresql://...' -> ('postgres', 'postgresql://...')."""
    name, sep, url = spec.partition("=")
    if not sep or not name.strip() or not url.strip():
        raise ValueError(f"expected NAME=URL, got {spec!r}")
    return name.strip(), url.strip()


def _kind(url: str) -> str:
    scheme = urlsplit(url).scheme.lower().split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return "postgres"
    if scheme in ("http", "https"):
        return "http"
    if scheme == "tcp":
        return "tcp"
    raise ValueError(f"unsupported URL scheme {scheme!r} in {redact(url)}")


def _tcp(url: str, timeout: float, default_port: int = 0) -> None:
    parts = urlsplit(url)
    port = parts.port or default_port
    if not parts.hostname or not port:
        raise ValueError(f"no host:port in {redact(url)}")
    with socket.create_connection((parts.hostname, port), timeout=timeout):
        pass


def check_postgres(url: str, timeout: float = ATTEMPT_TIMEOUT) -> None:
    """Raise unless a Postgres session can be opened and answers SELECT 1."""
    scheme, rest = url.split("://", 1)
    dsn = scheme.split("+", 1)[0] + "://" + rest
    connect_timeout = max(1, int(timeout))
    try:
        import psycopg  # type: ignore
    except ImportError:
        psycopg = None
    if psycopg is not None:
        with psycopg.connect(dsn, connect_timeout=connect_timeout, autocommit=True) as conn:
            conn.execute("SELECT 1").fetchone()
        return
    try:
        import psycopg2  # type: ignore
    except ImportError:
        _tcp(url, timeout, default_port=5432)
        return
    conn = psycopg2.connect(dsn, connect_timeout=connect_timeout)
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        cur.fetchone()
    finally:
        conn.close()


def check_http(url: str, timeout: float = ATTEMPT_TIMEOUT) -> None:
    """Raise unless the cluster health endpoint reports at least yellow (HTTP 200)."""
    health = url.rstrip("/") + "/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(health, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} from _cluster/health") from exc


def check(url: str, timeout: float = ATTEMPT_TIMEOUT) -> None:
    kind = _kind(url)
    if kind == "postgres":
        check_postgres(url, timeout)
    elif kind == "http":
        check_http(url, timeout)
    else:
        _tcp(url, timeout)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def wait_for(name: str, url: str, timeout: float = 60.0,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep,
             reported_timeout: Optional[float] = None) -> Readiness:
    """Poll `url` until it is ready or `timeout` seconds have passed (`reported_timeout`, when
    given, is the figure the message quotes)."""
    started = clock()
    deadline = started + timeout
    last = "never checked"
    try:
        _kind(url)
    except ValueError as exc:
        return Readiness(name, url, False, 0.0, f"service {name!r}: {exc}")
    while True:
        remaining = deadline - clock()
        try:
            check(url, timeout=min(ATTEMPT_TIMEOUT, max(remaining, 1.0)))
            return Readiness(name, url, True, clock() - started, "")
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last = _describe(exc)
        if clock() + POLL_INTERVAL > deadline:
            elapsed = clock() - started
            return Readiness(
                name, url, False, elapsed,
                f"service {name!r} at {redact(url)} not ready after "
                f"{timeout if reported_timeout is None else reported_timeout:g}s: {last}",
            )
        sleep(POLL_INTERVAL)


def wait_all(specs: Sequence[Tuple[str, str]], timeout: float = 60.0) -> List[Readiness]:
    """Wait for each (name, url) in turn, sharing one overall deadline; stops at the first
    service that is not ready."""
    results: List[Readiness] = []
    deadline = time.monotonic() + timeout
    for name, url in specs:
        remaining = max(deadline - time.monotonic(), 0.0)
        result = wait_for(name, url, remaining, reported_timeout=timeout)
        results.append(result)
        if not result.ready:
            break
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Wait until services are ready.")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for all services")
    parser.add_argument("services", nargs="+", metavar="NAME=URL")
    args = parser.parse_args(argv)
    try:
        specs = [parse_spec(s) for s in args.services]
    except ValueError as exc:
        parser.error(str(exc))
    for result in wait_all(specs, args.timeout):
        if result.ready:
            print(f"{result.name}: ready after {result.seconds:.1f}s", flush=True)
        else:
            print(result.message, file=sys.stderr, flush=True)
            return NOT_READY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
