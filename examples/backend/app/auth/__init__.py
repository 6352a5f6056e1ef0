"""Tokens and permissions. Security-sensitive: keep its coverage high."""

from app.auth.tokens import TokenError, issue, verify  # noqa: F401
