"""String helpers over generated text."""

import random
import re
from datetime import timedelta

import pytest

from app.domain import text
from tests import factories

CASES = 400
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def phrase(rng):
    return rng.choice(["", " ", "  "]).join(rng.choice(factories.WORDS) for _ in range(rng.randint(0, 8)))


@pytest.mark.parametrize("seed", range(3))
def test_slugify_properties(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        raw = phrase(rng)
        limit = rng.randint(4, 64)
        slug = text.slugify(raw, max_length=limit)
        assert SLUG.match(slug), (raw, slug)
        assert len(slug) <= limit
        assert text.slugify(slug, max_length=limit) == slug


@pytest.mark.parametrize("seed", range(2))
def test_unique_slug_is_never_taken(seed):
    rng = random.Random(seed)
    for _ in range(CASES // 3):
        taken = set()
        raw = phrase(rng)
        for _ in range(rng.randint(1, 12)):
            slug = text.unique_slug(raw, taken)
            assert slug not in taken
            taken.add(slug)
        assert len(taken) == len({s for s in taken})


@pytest.mark.parametrize("seed", range(2))
def test_truncate_properties(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        raw = phrase(rng)
        width = rng.randint(-2, 40)
        cut = text.truncate(raw, width)
        assert len(cut) <= max(width, 0)
        if len(raw) <= width:
            assert cut == raw
        elif width > 1:
            assert cut.endswith("…") and raw.startswith(cut[:-1])


@pytest.mark.parametrize("seed", range(2))
def test_mask_email_keeps_domain_and_length(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        address = factories.email(rng)
        local, dom = address.split("@")
        masked = text.mask_email(address)
        assert masked.endswith("@" + dom)
        assert masked[0] == local[0]
        assert len(masked) == len(address) + (1 if len(local) == 1 else 0)
        if len(local) > 2:
            assert masked.split("@")[0][1:-1] == "*" * (len(local) - 2)


@pytest.mark.parametrize("seed", range(2))
def test_humanize_delta(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        seconds = rng.choice([rng.randint(-59, 59), rng.randint(-10**7, 10**7)])
        words = text.humanize_delta(timedelta(seconds=seconds))
        if abs(seconds) < 60:
            assert words in ("just now", "in a moment")
            continue
        assert words.startswith("in ") == (seconds < 0)
        assert words.endswith(" ago") == (seconds > 0)
        n = int(re.search(r"\d+", words).group())
        size = 86400 if "day" in words else 3600 if "hour" in words else 60
        assert n == abs(seconds) // size and n >= 1


@pytest.mark.parametrize("seed", range(2))
def test_initials(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        name = factories.name(rng)
        got = text.initials(name)
        assert 1 <= len(got) <= 2 and got == got.upper()
        assert got[0] == name.strip()[0].upper()
