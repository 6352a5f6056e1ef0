from datetime import date

import pytest

from edge.counters import Counters

pytestmark = pytest.mark.requires_redis

DAY = date(2024, 12, 2)


def test_views_and_unique_visitors(r):
    counters = Counters(r)
    for visitor, page in [("v1", "/"), ("v1", "/mugs"), ("v2", "/"), ("v3", "/"), ("v2", "/caps")]:
        counters.view(DAY, page, visitor)
    assert counters.views(DAY, "/") == 3
    assert counters.unique_visitors(DAY) == 3
    assert r.dbsize() == 2  # one sorted set, one HyperLogLog


def test_top_pages_of_the_day(r):
    counters = Counters(r)
    for page, n in [("/", 5), ("/mugs", 9), ("/caps", 2), ("/about", 1)]:
        for i in range(n):
            counters.view(DAY, page, f"visitor-{i}")
    assert counters.top_pages(DAY) == [("/mugs", 9), ("/", 5), ("/caps", 2)]
    assert counters.top_pages(date(2024, 12, 3)) == []
