"""Compact signed tokens: base64url(payload).base64url(hmac-sha256), with expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Dict, Iterable, Optional

from app import settings

ALGORITHM = "HS256"
DEFAULT_TTL = 3600
LEEWAY = 30


class TokenError(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    padding = "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(text + padding)
    except (ValueError, TypeError) as exc:
        raise TokenError("malformed token") from exc


def _sign(body: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), body.encode("ascii"), hashlib.sha256).digest())


def issue(subject: str, scopes: Iterable[str] = (), *, ttl: int = DEFAULT_TTL,
          secret: Optional[str] = None, now: Optional[float] = None) -> str:
    if not subject:
        raise TokenError("subject is required")
    if ttl <= 0:
        raise TokenError("ttl must be positive")
    issued = int(now if now is not None else time.time())
    claims = {"alg": ALGORITHM, "sub": subject, "scp": sorted(set(scopes)), "iat": issued,
              "exp": issued + ttl}
    body = _b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_sign(body, secret or settings.AUTH_SECRET)}"


def verify(token: str, *, secret: Optional[str] = None, now: Optional[float] = None,
           required_scope: Optional[str] = None) -> Dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 1:
        raise TokenError("malformed token")
    body, signature = token.split(".")
    expected = _sign(body, secret or settings.AUTH_SECRET)
    if not hmac.compare_digest(signature, expected):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_unb64(body))
    except ValueError as exc:
        raise TokenError("malformed token") from exc
    if claims.get("alg") != ALGORITHM:
        raise TokenError("unsupported algorithm")
    current = now if now is not None else time.time()
    if current > claims["exp"] + LEEWAY:
        raise TokenError("token expired")
    if claims["iat"] > current + LEEWAY:
        raise TokenError("token not yet valid")
    if required_scope is not None and required_scope not in claims["scp"]:
        raise TokenError(f"missing scope {required_scope}")
    return claims


def refresh(token: str, *, ttl: int = DEFAULT_TTL, secret: Optional[str] = None,
            now: Optional[float] = None) -> str:
    claims = verify(token, secret=secret, now=now)
    return issue(claims["sub"], claims["scp"], ttl=ttl, secret=secret, now=now)


def peek(token: str) -> Dict[str, Any]:
    """The claims WITHOUT verifying the signature: for logs and debugging only."""
    try:
        body, _ = token.split(".")
        return json.loads(_unb64(body))
    except ValueError as exc:
        raise TokenError("malformed token") from exc
