from datetime import datetime, timedelta

import pytest

from app.domain import text


@pytest.mark.parametrize(
    "raw, slug",
    [
        ("Blue Mug", "blue-mug"),
        ("  Blue   Mug  ", "blue-mug"),
        ("Crème Brûlée", "creme-brulee"),
        ("T-Shirt (XL)", "t-shirt-xl"),
        ("100% Cotton!", "100-cotton"),
        ("Straße", "strae"),
        ("日本", "item"),
        ("", "item"),
        ("---", "item"),
        ("A_B_C", "a-b-c"),
        ("Ünïcödé Cap", "unicode-cap"),
    ],
)
def test_slugify(raw, slug):
    assert text.slugify(raw) == slug


def test_slugify_max_length_strips_dash():
    assert text.slugify("aaaa bbbb", max_length=5) == "aaaa"
    assert len(text.slugify("word " * 40)) <= 64


@pytest.mark.parametrize(
    "taken, expected",
    [([], "blue-mug"), (["blue-mug"], "blue-mug-2"), (["blue-mug", "blue-mug-2"], "blue-mug-3"),
     (["other"], "blue-mug")],
)
def test_unique_slug(taken, expected):
    assert text.unique_slug("Blue Mug", taken) == expected


@pytest.mark.parametrize(
    "raw, width, expected",
    [
        ("hello world", 20, "hello world"),
        ("hello world", 11, "hello world"),
        ("hello world", 8, "hello w…"),
        ("hello world", 6, "hello…"),
        ("hello", 1, "h"),
        ("hello", 0, ""),
        ("hello", -3, ""),
    ],
)
def test_truncate(raw, width, expected):
    assert text.truncate(raw, width) == expected


def test_truncate_custom_ellipsis():
    assert text.truncate("abcdefgh", 6, "...") == "abc..."
    assert text.truncate("abcdefgh", 3, "...") == "abc"


@pytest.mark.parametrize(
    "name, expected",
    [("Alice Liddell", "AL"), ("bob", "BO"), ("Jean-Luc Picard", "JP"), ("  ", "?"),
     ("Mary Ann Evans", "ME"), ("X", "X")],
)
def test_initials(name, expected):
    assert text.initials(name) == expected


def test_order_number():
    assert text.order_number(42, datetime(2024, 3, 9)) == "SO-202403-000042"


@pytest.mark.parametrize(
    "delta, expected",
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(seconds=-5), "in a moment"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=2), "2 hours ago"),
        (timedelta(days=1, hours=3), "1 day ago"),
        (timedelta(days=-3), "in 3 days"),
        (timedelta(hours=-1), "in 1 hour"),
    ],
)
def test_humanize_delta(delta, expected):
    assert text.humanize_delta(delta) == expected


@pytest.mark.parametrize(
    "count, singular, plural, expected",
    [(1, "order", None, "1 order"), (2, "order", None, "2 orders"), (0, "box", "boxes", "0 boxes"),
     (1, "box", "boxes", "1 box")],
)
def test_pluralize(count, singular, plural, expected):
    assert text.pluralize(count, singular, plural) == expected


@pytest.mark.parametrize(
    "email, masked",
    [("alice@example.com", "a***e@example.com"), ("bo@x.io", "b*@x.io"), ("b@x.io", "b*@x.io"),
     ("@x.io", "*@x.io"), ("nope", "***")],
)
def test_mask_email(email, masked):
    assert text.mask_email(email) == masked
