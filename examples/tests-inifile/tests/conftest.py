from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture
def now():
    return datetime(2024, 11, 29, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def ttl():
    return timedelta(minutes=15)
