"""Shipping zones from country and postcode."""

from __future__ import annotations

DOMESTIC = "DE"
EU = {"AT", "BE", "DK", "ES", "FR", "IT", "NL", "PL", "SE"}
ISLANDS = {("DE", "18565"), ("DE", "25938"), ("DE", "25980"), ("DE", "26486"), ("DE", "27498")}


class ZoneError(ValueError):
    pass


def zone(country: str, postcode: str) -> str:
    """`domestic`, `island` (a domestic island: a ferry surcharge), `eu` or `world`."""
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ZoneError(f"not an ISO country code: {country!r}")
    postcode = postcode.replace(" ", "")
    if country == DOMESTIC:
        if len(postcode) != 5 or not postcode.isdigit():
            raise ZoneError(f"German postcodes have five digits: {postcode!r}")
        return "island" if (country, postcode) in ISLANDS else "domestic"
    return "eu" if country in EU else "world"
