"""The one redaction helper: what a helper writes or prints never carries a secret.

Removed: the password of every URL (``scheme://user:***@host``), ``password=...`` in libpq key=value
strings, the values of the variables named in ``BACKEND_CI_SECRET_ENV`` (comma-separated; the plan
names every variable holding a real secret there, e.g. ``PGPASSWORD``), and the contents of the
services' password files (``password_file_env``).
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, List, Mapping, Optional, Tuple

SECRET_ENV = "BACKEND_CI_SECRET_ENV"
MASK = "***"

# scheme://user:password@ (a valid URL percent-encodes '/', '@' and spaces in a password)
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):([^\s@/]*)@")
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_MIN_SECRET = 3  # shorter values would mask ordinary words


def secret_values(env: Optional[Mapping[str, str]] = None) -> List[Tuple[str, str]]:
    """(secret, replacement) pairs of this environment: the values of BACKEND_CI_SECRET_ENV's
    variables (a URL value is replaced by itself without its password, so its host stays readable)
    and the contents of the services' password files. A URL's password is masked by the URL rule
    wherever the URL appears; it is not masked as a bare word (a test password such as "postgres"
    would mask every service name)."""
    env = os.environ if env is None else env
    pairs: List[Tuple[str, str]] = []
    for name in (n.strip() for n in env.get(SECRET_ENV, "").split(",")):
        value = env.get(name, "") if name else ""
        if len(value) < _MIN_SECRET:
            continue
        shown = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}:{MASK}@", value) if "://" in value else MASK
        pairs.append((value, shown))
    try:
        from backend_ci import services

        pairs.extend((pw, MASK) for pw in services.password_files(env) if len(pw) >= _MIN_SECRET)
    except Exception:  # noqa: BLE001 - a broken BACKEND_CI_SERVICES must not stop redaction
        pass
    return sorted(set(pairs), key=lambda p: len(p[0]), reverse=True)  # a value containing another goes whole


class Redactor:
    def __init__(self, secrets: Iterable[Tuple[str, str]] = ()) -> None:
        self.secrets = [(s, r) for s, r in secrets if s]

    def __call__(self, text: Any) -> Any:
        if not isinstance(text, str) or not text:
            return text
        for secret, shown in self.secrets:
            if secret in text:
                text = text.replace(secret, shown)
        text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}:{MASK}@", text)
        return _KV_PASSWORD.sub(lambda m: m.group(1) + MASK, text)

    def tree(self, value: Any) -> Any:
        """Every string inside a JSON-like value, redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict):
            return {k: self.tree(v) for k, v in value.items()}
        return value


def redactor(env: Optional[Mapping[str, str]] = None) -> Redactor:
    """A redactor for this environment's secrets (read once: call it again after the env changed)."""
    return Redactor(secret_values(env))


def redact(text: str, env: Optional[Mapping[str, str]] = None) -> str:
    return redactor(env)(text)
