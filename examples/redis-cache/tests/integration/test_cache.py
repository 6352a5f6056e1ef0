import pytest

from edge.cache import MISS, Cache, cached

pytestmark = pytest.mark.requires_redis


def test_a_miss_then_a_hit(r):
    cache = Cache(r)
    assert cache.get("product:1") is MISS
    cache.set("product:1", {"name": "Blue mug", "price": 1250})
    assert cache.get("product:1") == {"name": "Blue mug", "price": 1250}
    assert r.dbsize() == 1


def test_entries_expire_with_their_ttl(r):
    Cache(r, default_ttl=120).set("home", [1, 2, 3])
    Cache(r).set("search:mugs", [], ttl=5)
    ttls = sorted(r.ttl(k) for k in r.keys("edge:cache:*"))
    assert ttls[0] <= 5 and 110 < ttls[1] <= 120


def test_get_or_compute_computes_once(r):
    cache, calls = Cache(r), []

    def expensive():
        calls.append(1)
        return {"total": 42}

    assert cache.get_or_compute("report", expensive) == {"total": 42}
    assert cache.get_or_compute("report", expensive) == {"total": 42}
    assert len(calls) == 1


def test_invalidating_a_tag_drops_exactly_its_entries(r):
    cache = Cache(r)
    cache.set("product:1", 1, tags=["products", "mugs"])
    cache.set("product:2", 2, tags=["products"])
    cache.set("home", 3)
    assert cache.invalidate_tag("mugs") == 1
    assert cache.get("product:1") is MISS and cache.get("product:2") == 2
    assert cache.invalidate_tag("products") == 1
    assert cache.invalidate_tag("products") == 0
    assert sorted(r.keys("*")) == ["edge:cache:home"]


def test_the_decorator_keys_by_arguments(r):
    cache, calls = Cache(r), []

    @cached(cache, tags=lambda sku: [f"sku:{sku}"])
    def price(sku):
        calls.append(sku)
        return {"MUG": 1250, "CAP": 1000}[sku]

    assert [price("MUG"), price("CAP"), price("MUG")] == [1250, 1000, 1250]
    assert calls == ["MUG", "CAP"]
    assert r.dbsize() == 4  # two entries, two tag sets
