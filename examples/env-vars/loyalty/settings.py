"""Database settings from discrete variables, the way the platform team injects them.

    DB_HOST, DB_PORT, DB_USER, DB_NAME   plain values
    DB_PASSWORD_FILE                     path of a file holding the password (a mounted secret)

When none of them is set, the app falls back to libpq's own environment (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE, ~/.pgpass), which is what `psql` and the maintenance jobs use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Mapping

from psycopg.conninfo import make_conninfo

VARIABLES = {"host": "DB_HOST", "port": "DB_PORT", "user": "DB_USER", "dbname": "DB_NAME"}


class ConfigError(RuntimeError):
    pass


def connection_params(environ: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """libpq keywords from the DB_* variables; empty when none is set (libpq's environment then)."""
    params = {key: environ[var] for key, var in VARIABLES.items() if environ.get(var)}
    password_file = environ.get("DB_PASSWORD_FILE")
    if password_file:
        try:
            params["password"] = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"DB_PASSWORD_FILE={password_file} cannot be read: {exc.strerror}") from None
    if "port" in params and not params["port"].isdigit():
        raise ConfigError(f"DB_PORT must be a number, got {params['port']!r}")
    if params and "dbname" not in params:
        raise ConfigError("DB_NAME is not set (the other DB_* variables are)")
    return params


def conninfo(environ: Mapping[str, str] = os.environ) -> str:
    """A libpq connection string; "" means "everything from libpq's environment"."""
    return make_conninfo(**connection_params(environ))


def configured(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(environ.get("DB_NAME") or environ.get("PGDATABASE") or environ.get("PGHOST"))
