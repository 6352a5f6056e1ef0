"""Role -> scope mapping and checks."""

from __future__ import annotations

from typing import FrozenSet, Iterable

ROLES = {
    "customer": frozenset({"orders:read", "orders:write"}),
    "support": frozenset({"orders:read", "customers:read"}),
    "admin": frozenset({"orders:read", "orders:write", "customers:read", "customers:write",
                        "inventory:write"}),
}


def scopes_for(roles: Iterable[str]) -> FrozenSet[str]:
    result: FrozenSet[str] = frozenset()
    for role in roles:
        if role not in ROLES:
            raise KeyError(f"unknown role {role!r}")
        result |= ROLES[role]
    return result


def allowed(scopes: Iterable[str], needed: str) -> bool:
    scopes = set(scopes)
    if needed in scopes:
        return True
    resource, _, _ = needed.partition(":")
    return f"{resource}:*" in scopes or "*" in scopes
