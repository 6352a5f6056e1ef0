"""Traffic counters: views per page, unique visitors (HyperLogLog), top pages of a day."""

from __future__ import annotations

from datetime import date
from typing import List, Tuple

import redis

from edge.keys import key


class Counters:
    def __init__(self, client: redis.Redis):
        self.r = client

    def view(self, day: date, page: str, visitor: str) -> None:
        with self.r.pipeline(transaction=False) as pipe:
            pipe.zincrby(key("views", day.isoformat()), 1, page)
            pipe.pfadd(key("visitors", day.isoformat()), visitor)
            pipe.execute()

    def views(self, day: date, page: str) -> int:
        return int(self.r.zscore(key("views", day.isoformat()), page) or 0)

    def unique_visitors(self, day: date) -> int:
        return self.r.pfcount(key("visitors", day.isoformat()))

    def top_pages(self, day: date, n: int = 3) -> List[Tuple[str, int]]:
        rows = self.r.zrevrange(key("views", day.isoformat()), 0, n - 1, withscores=True)
        return [(page.decode() if isinstance(page, bytes) else page, int(score)) for page, score in rows]
