"""Cache-aside for JSON-able values, with tags for group invalidation."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Iterable, Optional

import redis

from edge.keys import key

MISS = object()


class Cache:
    def __init__(self, client: redis.Redis, namespace: str = "cache", default_ttl: int = 300):
        self.r = client
        self.namespace = namespace
        self.default_ttl = default_ttl

    def _key(self, name: str) -> str:
        return key(self.namespace, name)

    def get(self, name: str) -> Any:
        raw = self.r.get(self._key(name))
        return MISS if raw is None else json.loads(raw)

    def set(self, name: str, value: Any, ttl: Optional[int] = None, tags: Iterable[str] = ()) -> None:
        k = self._key(name)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.set(k, json.dumps(value, separators=(",", ":"), sort_keys=True), ex=ttl or self.default_ttl)
            for tag in tags:
                pipe.sadd(key(self.namespace, "tag", tag), k)
            pipe.execute()

    def invalidate_tag(self, tag: str) -> int:
        """Delete every entry stored with `tag`; returns how many existed."""
        tag_key = key(self.namespace, "tag", tag)
        members = list(self.r.smembers(tag_key))
        if not members:
            return 0
        with self.r.pipeline(transaction=True) as pipe:
            pipe.delete(*members)
            pipe.delete(tag_key)
            deleted, _ = pipe.execute()
        return deleted

    def get_or_compute(self, name: str, compute: Callable[[], Any], ttl: Optional[int] = None,
                       tags: Iterable[str] = ()) -> Any:
        value = self.get(name)
        if value is MISS:
            value = compute()
            self.set(name, value, ttl, tags)
        return value


def cached(cache: Cache, ttl: Optional[int] = None, tags: Callable[..., Iterable[str]] = lambda *a, **k: ()):
    """Decorator: cache a function's result under its name and arguments."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            name = fn.__name__ + "(" + json.dumps([args, kwargs], sort_keys=True, default=str) + ")"
            return cache.get_or_compute(name, lambda: fn(*args, **kwargs), ttl, tags(*args, **kwargs))

        return inner

    return wrap
