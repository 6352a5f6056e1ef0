import pytest

from edge.alerts import smtp_address, throttle_alert
from edge.keys import key
from edge.ratelimit import window_decision


def test_keys_are_prefixed_and_colon_separated():
    assert key("cache", "product", 42) == "edge:cache:product:42"


def test_a_part_cannot_smuggle_a_separator():
    assert key("cache", "a:b", "50%") == "edge:cache:a%3Ab:50%25"


def test_empty_parts_are_refused():
    with pytest.raises(ValueError):
        key("cache", "")


def test_requests_under_the_limit_are_allowed_and_counted_down():
    assert window_decision(0, 3, None, 100.0, 60).remaining == 2
    assert window_decision(2, 3, 50.0, 100.0, 60).remaining == 0


def test_over_the_limit_waits_until_the_oldest_request_leaves_the_window():
    decision = window_decision(3, 3, 70.0, 100.0, 60)
    assert not decision.allowed and decision.retry_after == 30.0


@pytest.mark.parametrize("url,expected", [("smtp://mail:1025", ("mail", 1025)), ("smtp://relay.internal", ("relay.internal", 25))])
def test_smtp_urls(url, expected):
    assert smtp_address(url) == expected


@pytest.mark.parametrize("url", ["http://mail:1025", "smtp://", ""])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ValueError):
        smtp_address(url)


def test_the_throttle_alert_names_the_client():
    msg = throttle_alert("api-key-7", 101, 60)
    assert msg["Subject"] == "[edge] client api-key-7 throttled"
    assert "after 101 requests within 60 s" in msg.get_content()
