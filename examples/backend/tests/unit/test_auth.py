import base64
import json

import pytest

from app.auth import permissions, tokens
from app.auth.tokens import TokenError

SECRET = "s3cret"
NOW = 1_700_000_000


def make(**kwargs):
    kwargs.setdefault("secret", SECRET)
    kwargs.setdefault("now", NOW)
    return tokens.issue("user-1", ["orders:read"], **kwargs)


def test_roundtrip():
    claims = tokens.verify(make(), secret=SECRET, now=NOW + 10)
    assert claims["sub"] == "user-1"
    assert claims["scp"] == ["orders:read"]
    assert claims["exp"] == NOW + tokens.DEFAULT_TTL


def test_scopes_sorted_and_unique():
    token = tokens.issue("u", ["b", "a", "b"], secret=SECRET, now=NOW)
    assert tokens.verify(token, secret=SECRET, now=NOW)["scp"] == ["a", "b"]


def test_default_secret_and_clock():
    claims = tokens.verify(tokens.issue("u"))
    assert claims["sub"] == "u"


@pytest.mark.parametrize("subject, ttl", [("", 60), ("u", 0), ("u", -5)])
def test_issue_rejects(subject, ttl):
    with pytest.raises(TokenError):
        tokens.issue(subject, ttl=ttl, secret=SECRET)


def test_wrong_secret():
    with pytest.raises(TokenError, match="bad signature"):
        tokens.verify(make(), secret="other", now=NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", None, 12])
def test_malformed(token):
    with pytest.raises(TokenError):
        tokens.verify(token, secret=SECRET, now=NOW)


def test_tampered_payload():
    body, sig = make().split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["scp"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="bad signature"):
        tokens.verify(f"{forged}.{sig}", secret=SECRET, now=NOW)


def _signed(claims_or_body):
    body = claims_or_body if isinstance(claims_or_body, str) else tokens._b64(
        json.dumps(claims_or_body).encode())
    return f"{body}.{tokens._sign(body, SECRET)}"


def test_signed_garbage_body():
    with pytest.raises(TokenError, match="malformed"):
        tokens.verify(_signed(tokens._b64(b"not json")), secret=SECRET, now=NOW)


def test_signed_bad_base64_body():
    with pytest.raises(TokenError, match="malformed"):
        tokens.verify(_signed("a"), secret=SECRET, now=NOW)


def test_unsupported_algorithm():
    token = _signed({"alg": "none", "sub": "u", "scp": [], "iat": NOW, "exp": NOW + 60})
    with pytest.raises(TokenError, match="algorithm"):
        tokens.verify(token, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    "offset, ok",
    [(0, True), (tokens.DEFAULT_TTL, True), (tokens.DEFAULT_TTL + tokens.LEEWAY, True),
     (tokens.DEFAULT_TTL + tokens.LEEWAY + 1, False), (-tokens.LEEWAY, True), (-tokens.LEEWAY - 1, False)],
)
def test_expiry_and_leeway(offset, ok):
    token = make()
    if ok:
        tokens.verify(token, secret=SECRET, now=NOW + offset)
    else:
        with pytest.raises(TokenError):
            tokens.verify(token, secret=SECRET, now=NOW + offset)


def test_required_scope():
    token = make()
    assert tokens.verify(token, secret=SECRET, now=NOW, required_scope="orders:read")
    with pytest.raises(TokenError, match="missing scope"):
        tokens.verify(token, secret=SECRET, now=NOW, required_scope="orders:write")


def test_refresh_extends_expiry():
    token = make(ttl=60)
    fresh = tokens.refresh(token, ttl=600, secret=SECRET, now=NOW + 30)
    assert tokens.verify(fresh, secret=SECRET, now=NOW + 500)["exp"] == NOW + 630


@pytest.mark.parametrize(
    "roles, scope, ok",
    [
        (["customer"], "orders:write", True),
        (["support"], "orders:write", False),
        (["support", "customer"], "orders:write", True),
        (["admin"], "inventory:write", True),
        ([], "orders:read", False),
    ],
)
def test_scopes_for(roles, scope, ok):
    assert (scope in permissions.scopes_for(roles)) is ok


def test_unknown_role():
    with pytest.raises(KeyError):
        permissions.scopes_for(["root"])


@pytest.mark.parametrize(
    "scopes, needed, ok",
    [
        ({"orders:read"}, "orders:read", True),
        ({"orders:*"}, "orders:write", True),
        ({"*"}, "customers:write", True),
        ({"orders:read"}, "orders:write", False),
        (set(), "orders:read", False),
    ],
)
def test_allowed(scopes, needed, ok):
    assert permissions.allowed(scopes, needed) is ok
