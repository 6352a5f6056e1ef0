"""Connection strings: the database a Postgres URL (or libpq key=value string) names, the same
string naming another database, and a Redis URL's database number. Schemes are kept as given
(``postgresql+asyncpg://`` stays); ``libpq`` gives the plain scheme our own connections need."""

from __future__ import annotations

import hashlib
import re
from typing import Optional
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

MAX_IDENTIFIER = 63  # Postgres NAMEDATALEN - 1

_KV_DBNAME = re.compile(r"(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
_KV_USER = re.compile(r"(^|\s)user\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def is_url(dsn: str) -> bool:
    return "://" in dsn


def _kv_value(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith("'") else raw


def database_name(base: str, suffix: str) -> str:
    """``<base>_<suffix>``, at most 63 bytes. When cut, a hash of the whole base keeps the names of
    different long bases apart, and the suffix is always kept whole."""
    name = f"{base}_{suffix}"
    if len(name.encode("utf-8")) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(base.encode("utf-8")).hexdigest()[:8]
    room = MAX_IDENTIFIER - len(suffix.encode("utf-8")) - len(digest) - 2
    head = base.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
    return f"{head}_{digest}_{suffix}"


def url_database(dsn: str, default: Optional[str] = None) -> Optional[str]:
    """The database a URL or key=value string names; `default` when it names none."""
    if is_url(dsn):
        name = unquote(urlsplit(dsn).path.lstrip("/"))
        return name or default
    match = _KV_DBNAME.search(dsn)
    return _kv_value(match.group(2)) if match else default


def url_user(dsn: str) -> Optional[str]:
    if is_url(dsn):
        user = urlsplit(dsn).username
        return unquote(user) if user else None
    match = _KV_USER.search(dsn)
    return _kv_value(match.group(2)) if match else None


def with_database(dsn: str, name: str) -> str:
    """The same connection string (scheme, credentials, query kept), naming database `name`."""
    if is_url(dsn):
        parts = urlsplit(dsn)
        return urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    quoted = "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if _KV_DBNAME.search(dsn):
        return _KV_DBNAME.sub(lambda m: f"{m.group(1)}dbname={quoted}", dsn, count=1)
    return f"{dsn} dbname={quoted}"


def libpq(dsn: str) -> str:
    """Drop a driver suffix (``postgresql+psycopg://``) libpq does not know."""
    if is_url(dsn):
        scheme, rest = dsn.split("://", 1)
        return scheme.split("+", 1)[0] + "://" + rest
    return dsn


def build_postgres_url(host: Optional[str], port: Optional[str], user: Optional[str],
                       password: Optional[str], database: Optional[str]) -> str:
    """A libpq URL from discrete parts (any may be missing: libpq's defaults then apply)."""
    cred = ""
    if user or password:
        cred = quote(user or "", safe="") + (":" + quote(password, safe="") if password else "") + "@"
    netloc = cred + (host or "") + (f":{port}" if port else "")
    return f"postgresql://{netloc}/" + quote(database or "", safe="")


def redis_db(url: str) -> int:
    """The database number a redis:// URL selects (path `/N` or `?db=N`; default 0)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if path.isdigit():
        return int(path)
    for key, value in parse_qsl(parts.query):
        if key == "db" and value.isdigit():
            return int(value)
    return 0


def with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "db"]
    had_db_query = len(query) != len(parse_qsl(parts.query, keep_blank_values=True))
    if had_db_query and not parts.path.strip("/"):
        return urlunsplit(parts._replace(query=urlencode(query + [("db", str(db))])))
    return urlunsplit(parts._replace(path=f"/{db}"))


def host_port(url: str, default_port: int = 0) -> "tuple[Optional[str], int]":
    parts = urlsplit(url)
    try:
        port = parts.port or default_port
    except ValueError:
        port = default_port
    return parts.hostname, port
