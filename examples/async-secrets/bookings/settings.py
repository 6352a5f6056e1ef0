"""Settings from the environment, secrets from files.

The database URL holds a password, so it is never put in an environment variable: the deployment
mounts it as a file (a Docker/Kubernetes secret) and `DATABASE_URL_FILE` names that file, the
`*_FILE` convention of the official images. The URL must use the asyncpg driver.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

SCHEME = "postgresql+asyncpg"


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str
    pool_size: int
    echo_sql: bool


def read_secret(environ: Mapping[str, str], name: str) -> Optional[str]:
    """The contents of the file `$<name>` points at, without the trailing newline editors add."""
    path = environ.get(name)
    if not path:
        return None
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{name} points at {path}, which cannot be read: {exc.strerror}") from None
    if not value:
        raise ConfigError(f"{name} points at {path}, which is empty")
    return value


def check_url(url: str) -> str:
    """The URL itself, if it is a Postgres URL for asyncpg; the error never repeats the URL (it
    holds the password)."""
    parts = urlsplit(url)
    if parts.scheme != SCHEME:
        raise ConfigError(f"the database URL must start with {SCHEME}:// (found {parts.scheme or 'no'} scheme)")
    if not parts.hostname or not parts.path.strip("/"):
        raise ConfigError("the database URL must name a host and a database")
    return url


def load(environ: Mapping[str, str] = os.environ) -> Settings:
    url = read_secret(environ, "DATABASE_URL_FILE")
    if url is None:
        raise ConfigError("DATABASE_URL_FILE is not set: mount the database URL as a secret file and name it there")
    return Settings(
        database_url=check_url(url),
        pool_size=int(environ.get("DB_POOL_SIZE", "5")),
        echo_sql=environ.get("DB_ECHO", "0") == "1",
    )
