import pytest

from edge.ratelimit import SlidingWindowLimiter

pytestmark = pytest.mark.requires_redis


def test_the_limit_holds_within_the_window(r, clock):
    limiter = SlidingWindowLimiter(r, limit=3, window_seconds=60, clock=clock)
    decisions = [limiter.hit("key-1") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after == 60.0


def test_requests_leave_the_window_as_time_passes(r, clock):
    limiter = SlidingWindowLimiter(r, limit=2, window_seconds=10, clock=clock)
    limiter.hit("key-1")
    clock.advance(6)
    limiter.hit("key-1")
    assert not limiter.hit("key-1").allowed
    clock.advance(4.5)
    assert limiter.hit("key-1").allowed
    assert r.zcard("edge:rl:key-1") == 2


def test_clients_are_limited_separately(r, clock):
    limiter = SlidingWindowLimiter(r, limit=1, window_seconds=60, clock=clock)
    assert limiter.hit("key-1").allowed and limiter.hit("key-2").allowed
    assert not limiter.hit("key-1").allowed
    assert sorted(r.keys("edge:rl:*")) == ["edge:rl:key-1", "edge:rl:key-2"]


def test_reset_forgives_a_client(r, clock):
    limiter = SlidingWindowLimiter(r, limit=1, window_seconds=60, clock=clock)
    limiter.hit("key-1")
    limiter.reset("key-1")
    assert limiter.hit("key-1").allowed
    assert r.dbsize() == 1


def test_keys_expire_after_the_window(r, clock):
    SlidingWindowLimiter(r, limit=5, window_seconds=30, clock=clock).hit("key-9")
    assert 0 < r.ttl("edge:rl:key-9") <= 31
