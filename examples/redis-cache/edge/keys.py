"""Key names: one prefix per app, `:`-separated parts, values escaped so a part never splits."""

from __future__ import annotations

from edge import settings


def key(*parts: object) -> str:
    cleaned = [str(p).replace("%", "%25").replace(":", "%3A") for p in parts]
    if not cleaned or any(p == "" for p in cleaned):
        raise ValueError("key parts must be non-empty")
    return ":".join([settings.KEY_PREFIX, *cleaned])
