"""Money over generated amounts: the laws the shop relies on, checked on a few hundred values each."""

import random
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest

from app.domain.money import CURRENCIES, Money, total
from tests import factories

CASES = 500


@pytest.mark.parametrize("currency", factories.CURRENCY_CODES)
def test_format_and_parse_round_trip(currency):
    rng = random.Random(f"format-{currency}")
    for _ in range(CASES):
        value = Money(factories.cents(rng), currency)
        assert Money.parse(value.format(), currency) == value
        plain = value.format(symbol=False)
        assert plain.endswith(f" {currency}")
        assert Money.parse(plain[: -len(currency) - 1], currency) == value


@pytest.mark.parametrize("currency", factories.CURRENCY_CODES)
def test_parse_rounds_half_up_to_the_minor_unit(currency):
    rng = random.Random(f"parse-{currency}")
    places = CURRENCIES[currency]
    for _ in range(CASES):
        text = f"{rng.randint(0, 10**7)}.{rng.randint(0, 9999):04d}"
        if rng.random() < 0.3:
            text = "-" + text
        expected = (Decimal(text) * 10**places).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert Money.parse(text, currency).cents == int(expected), text


@pytest.mark.parametrize("seed", range(4))
def test_allocate_keeps_every_cent(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        amount = Money(factories.cents(rng, negative=False))
        ratios = [rng.randint(0, 20) for _ in range(rng.randint(1, 7))]
        if not any(ratios):
            ratios[0] = 1
        parts = amount.allocate(ratios)
        assert sum(p.cents for p in parts) == amount.cents
        for part, ratio in zip(parts, ratios):
            exact = Decimal(amount.cents) * ratio / sum(ratios)
            assert abs(part.cents - exact) < 1 + len(ratios)
            if ratio == 0 and amount.cents:
                assert part.cents <= len(ratios)


@pytest.mark.parametrize("ways", [2, 3, 4, 7])
def test_even_split_differs_by_at_most_a_cent(ways):
    rng = random.Random(ways)
    for _ in range(CASES):
        parts = [p.cents for p in Money(rng.randint(0, 10**7)).allocate([1] * ways)]
        assert max(parts) - min(parts) <= 1
        assert parts == sorted(parts, reverse=True)


@pytest.mark.parametrize("seed", range(3))
def test_times_rounds_half_even(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        value = Money(factories.cents(rng))
        factor = rng.choice([rng.randint(0, 50), f"{rng.random() * 3:.4f}", Decimal(rng.randint(1, 999)) / 8])
        expected = (Decimal(value.cents) * Decimal(str(factor))).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        assert value.times(factor).cents == int(expected)


@pytest.mark.parametrize("pct", ["3", "8.1", "15", "19", "33.3", "100"])
def test_percent_matches_decimal(pct):
    rng = random.Random(f"pct-{pct}")
    for _ in range(CASES):
        value = Money(factories.cents(rng))
        expected = (Decimal(value.cents) * Decimal(pct) / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        assert value.percent(pct).cents == int(expected)
        if value.cents >= 0:
            assert value.percent(pct).cents <= value.cents * max(1, Decimal(pct) / 100) + 1


@pytest.mark.parametrize("seed", range(2))
def test_addition_laws(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        currency = rng.choice(factories.CURRENCY_CODES)
        a, b, c = (Money(factories.cents(rng), currency) for _ in range(3))
        assert a + b == b + a
        assert (a + b) + c == a + (b + c)
        assert a - b == a + (-b)
        assert (a - a).is_zero()
        assert total([a, b, c], currency) == Money(a.cents + b.cents + c.cents, currency)


@pytest.mark.parametrize("seed", range(2))
def test_ordering_follows_cents(seed):
    rng = random.Random(seed)
    values = [Money(factories.cents(rng)) for _ in range(CASES)]
    assert [m.cents for m in sorted(values)] == sorted(m.cents for m in values)
    assert max(values).cents == max(m.cents for m in values)


@pytest.mark.parametrize("currency", factories.CURRENCY_CODES)
def test_format_groups_thousands(currency):
    rng = random.Random(f"group-{currency}")
    for _ in range(CASES):
        value = Money(factories.cents(rng), currency)
        body = value.format(symbol=False).split(" ")[0].lstrip("-")
        whole = body.split(".")[0]
        groups = whole.split(",")
        assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        assert value.format().startswith("-") == (value.cents < 0)
