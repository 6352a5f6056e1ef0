"""Carrier rate cards (package data) and quotes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, List, Optional

from parcelrates.dimensions import Parcel, billable_weight_g
from parcelrates.zones import zone


@dataclass(frozen=True)
class Band:
    carrier: str
    zone: str
    max_weight_g: int
    price_cents: int
    max_girth_cm: int


@dataclass(frozen=True)
class Quote:
    carrier: str
    zone: str
    billable_weight_g: int
    price_cents: int


@lru_cache(maxsize=1)
def rate_card() -> List[Band]:
    """The bands shipped with the package, sorted by carrier, zone and weight."""
    text = resources.files("parcelrates").joinpath("data/rates.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    bands = [Band(r["carrier"], r["zone"], int(r["max_weight_g"]), int(r["price_cents"]), int(r["max_girth_cm"]))
             for r in rows]
    return sorted(bands, key=lambda b: (b.carrier, b.zone, b.max_weight_g))


def carriers() -> List[str]:
    return sorted({b.carrier for b in rate_card()})


def quote(parcel: Parcel, carrier: str, country: str, postcode: str) -> Optional[Quote]:
    """The carrier's price for the parcel, or None when the carrier does not take it."""
    where = zone(country, postcode)
    weight = billable_weight_g(parcel)
    for band in rate_card():
        if band.carrier == carrier and band.zone == where and weight <= band.max_weight_g:
            if parcel.girth_cm > band.max_girth_cm:
                return None
            return Quote(carrier, where, weight, band.price_cents)
    return None


def cheapest(parcel: Parcel, country: str, postcode: str) -> Optional[Quote]:
    quotes = [q for q in (quote(parcel, c, country, postcode) for c in carriers()) if q]
    return min(quotes, key=lambda q: (q.price_cents, q.carrier), default=None)


def price_table(parcel: Parcel, country: str, postcode: str) -> Dict[str, Optional[int]]:
    return {c: (q.price_cents if (q := quote(parcel, c, country, postcode)) else None) for c in carriers()}
