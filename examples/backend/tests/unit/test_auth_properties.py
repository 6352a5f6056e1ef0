"""Tokens and permissions over generated subjects, scopes, clocks and tampering."""

import itertools
import random

import pytest

from app.auth import permissions, tokens
from app.auth.tokens import TokenError

SECRET = "s3cret"
ALL_SCOPES = sorted(set().union(*permissions.ROLES.values()))
CASES = 200


def random_scopes(rng):
    return rng.sample(ALL_SCOPES, rng.randint(0, len(ALL_SCOPES)))


@pytest.mark.parametrize("seed", range(3))
def test_round_trip(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        subject = f"user-{rng.randint(1, 10**9)}"
        scopes = random_scopes(rng)
        now = rng.randint(1_600_000_000, 1_900_000_000)
        ttl = rng.randint(1, 86400)
        claims = tokens.verify(tokens.issue(subject, scopes, ttl=ttl, secret=SECRET, now=now),
                               secret=SECRET, now=now + rng.randint(0, ttl))
        assert (claims["sub"], claims["scp"], claims["exp"] - claims["iat"]) == (subject, sorted(scopes), ttl)


@pytest.mark.parametrize("seed", range(2))
def test_any_changed_character_is_rejected(seed):
    rng = random.Random(seed)
    for _ in range(CASES // 3):
        token = tokens.issue(f"u{rng.randint(1, 999)}", random_scopes(rng), secret=SECRET, now=1_700_000_000)
        for position in rng.sample(range(len(token)), 12):
            if token[position] == ".":
                continue
            replacement = rng.choice([c for c in "ABCabc012-_" if c != token[position]])
            forged = token[:position] + replacement + token[position + 1:]
            with pytest.raises(TokenError):
                tokens.verify(forged, secret=SECRET, now=1_700_000_000)


@pytest.mark.parametrize("seed", range(2))
def test_expiry_boundary(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        now, ttl = rng.randint(1_600_000_000, 1_900_000_000), rng.randint(1, 7200)
        token = tokens.issue("u", secret=SECRET, now=now, ttl=ttl)
        tokens.verify(token, secret=SECRET, now=now + ttl + tokens.LEEWAY)
        with pytest.raises(TokenError, match="expired"):
            tokens.verify(token, secret=SECRET, now=now + ttl + tokens.LEEWAY + 1)
        with pytest.raises(TokenError, match="not yet valid"):
            tokens.verify(token, secret=SECRET, now=now - tokens.LEEWAY - 1)


@pytest.mark.parametrize("seed", range(2))
def test_refresh_keeps_subject_and_scopes(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        scopes, now = random_scopes(rng), rng.randint(1_600_000_000, 1_900_000_000)
        token = tokens.issue("u", scopes, ttl=60, secret=SECRET, now=now)
        later = now + rng.randint(0, 60)
        claims = tokens.verify(tokens.refresh(token, ttl=600, secret=SECRET, now=later), secret=SECRET, now=later)
        assert claims["scp"] == sorted(scopes) and claims["exp"] == later + 600


@pytest.mark.parametrize("seed", range(2))
def test_peek_shows_claims_without_the_secret(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        scopes = random_scopes(rng)
        token = tokens.issue("u", scopes, secret=f"secret-{rng.random()}", now=1_700_000_000)
        assert tokens.peek(token)["scp"] == sorted(scopes)


@pytest.mark.parametrize("token", ["", "no-dot", "a.b.c", "!!!.sig"])
def test_peek_malformed(token):
    with pytest.raises(TokenError):
        tokens.peek(token)


ROLE_SETS = [list(c) for n in range(len(permissions.ROLES) + 1) for c in itertools.combinations(sorted(permissions.ROLES), n)]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r) or "none")
def test_every_role_combination(roles):
    scopes = permissions.scopes_for(roles)
    for needed in ALL_SCOPES + ["reports:read", "orders:delete"]:
        granted = any(needed in permissions.ROLES[r] for r in roles)
        assert (needed in scopes) is granted
        assert permissions.allowed(scopes, needed) is granted
        assert permissions.allowed(scopes | {needed.split(":")[0] + ":*"}, needed)
        assert permissions.allowed({"*"}, needed)
