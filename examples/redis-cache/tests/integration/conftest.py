"""A real Redis at $REDIS_URL. Like most suites, each test starts from an empty database
(FLUSHDB) and asserts on what it finds there (DBSIZE, counts): right on a database of its own,
wrong when two processes share one, since one's FLUSHDB wipes the other's keys. backend-ci gives
each xdist worker its own database number."""

import os

import pytest
import redis

from edge import settings


@pytest.fixture(scope="session")
def redis_url():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: these tests need Redis")
    return settings.REDIS_URL


@pytest.fixture
def r(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(scope="session")
def smtp_url():
    url = os.environ.get("SMTP_URL", "")
    if not url:
        pytest.skip("SMTP_URL is not set: the alert tests need an SMTP server (Mailpit in CI)")
    return url
