"""Rate limits: a sliding window log (sorted set of request times) per client."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable, Optional

import redis

from edge.keys import key


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float


def window_decision(count_before: int, limit: int, oldest: Optional[float], now: float, window: float) -> Decision:
    """Pure: allow when fewer than `limit` requests are in the window; otherwise say when the
    oldest one leaves it."""
    if count_before < limit:
        return Decision(True, limit - count_before - 1, 0.0)
    retry = max((oldest or now) + window - now, 0.0)
    return Decision(False, 0, round(retry, 3))


class SlidingWindowLimiter:
    def __init__(self, client: redis.Redis, limit: int, window_seconds: float,
                 clock: Callable[[], float] = time.time, name: str = "rl"):
        self.r, self.limit, self.window, self.clock, self.name = client, limit, window_seconds, clock, name

    def hit(self, client_id: str) -> Decision:
        now = self.clock()
        k = key(self.name, client_id)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(k, 0, now - self.window)
            pipe.zcard(k)
            pipe.zrange(k, 0, 0, withscores=True)
            _, count, oldest = pipe.execute()
        decision = window_decision(count, self.limit, oldest[0][1] if oldest else None, now, self.window)
        if decision.allowed:
            with self.r.pipeline(transaction=True) as pipe:
                pipe.zadd(k, {f"{now:.6f}-{uuid.uuid4().hex[:8]}": now})
                pipe.expire(k, int(self.window) + 1)
                pipe.execute()
        return decision

    def reset(self, client_id: str) -> None:
        self.r.delete(key(self.name, client_id))
