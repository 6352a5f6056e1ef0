"""Seeded generators for table-driven and property-style tests.

Every generator takes a `random.Random`, never the global one, so a test's cases depend only on its
own seed: the same cases in every run, in every lane and on every xdist worker.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

from app.domain.money import CURRENCIES

CURRENCY_CODES = sorted(CURRENCIES)
TIERS = ["standard", "silver", "gold"]
COUNTRIES = ["DE", "FR", "NL", "LU", "GB", "CH"]
SKU_PREFIXES = ["MUG", "TEE", "CAP", "PEN", "BAG", "BTL", "NOTE", "SOCK", "HOOD", "STK", "KEY", "APR"]
STATUSES = ["pending", "paid", "shipped", "cancelled"]
WORDS = ["blue", "mug", "logo", "tee", "canvas", "tote", "steel", "bottle", "crème", "brûlée", "Straße",
         "naïve", "café", "XL", "100%", "(navy)", "zip", "hoodie", "日本", "--", "_", "Ünïcödé", "knit"]


def cents(rng: random.Random, *, negative: bool = True) -> int:
    """An amount in minor units: mostly shop-sized, some tiny, some huge, some negative."""
    roll = rng.random()
    if roll < 0.15:
        value = rng.randint(0, 99)
    elif roll < 0.85:
        value = rng.randint(100, 200_000)
    else:
        value = rng.randint(200_000, 10**11)
    return -value if negative and rng.random() < 0.2 else value


def sku(rng: random.Random) -> str:
    return f"{rng.choice(SKU_PREFIXES)}-{rng.randint(0, 999999):0{rng.randint(3, 6)}d}"


def cart(rng: random.Random, max_lines: int = 8) -> List[Tuple[str, int, int]]:
    """(sku, unit price cents, quantity) lines with distinct SKUs."""
    skus: List[str] = []
    size = rng.randint(1, max_lines)
    while len(skus) < size:
        candidate = sku(rng)
        if candidate not in skus:
            skus.append(candidate)
    return [(s, rng.choice([rng.randint(50, 500), rng.randint(500, 5000), rng.randint(5000, 40000)]),
             rng.choice([1, 1, 1, 2, 2, 3, rng.randint(4, 30)])) for s in skus]


def local_part(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits
    parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(rng.randint(1, 3))]
    joiner = rng.choice([".", "_", "-", "+"])
    return joiner.join(parts)


def domain(rng: random.Random) -> str:
    labels = ["".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(1, 10)))
              for _ in range(rng.randint(1, 3))]
    return ".".join(labels) + "." + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 6)))


def email(rng: random.Random) -> str:
    return f"{local_part(rng)}@{domain(rng)}"


def name(rng: random.Random) -> str:
    first = rng.choice(["Ada", "Grace", "Linus", "Zoë", "José", "Anne-Marie", "Ken", "Radia", "Søren", "Li"])
    last = rng.choice(["Lovelace", "Hopper", "O'Neil", "Müller", "van Rossum", "Nakamura", "Smith-Jones"])
    return f"{first} {last}" if rng.random() < 0.9 else first


def timestamp(rng: random.Random) -> datetime:
    base = datetime(2023, 1, 1, tzinfo=timezone.utc)
    return base + timedelta(seconds=rng.randint(0, 3 * 365 * 86400), microseconds=rng.randint(0, 999999))


def customer_row(rng: random.Random, customer_id: int) -> Dict[str, Any]:
    row: Dict[str, Any] = {"id": customer_id, "email": email(rng), "name": name(rng), "tier": rng.choice(TIERS)}
    if rng.random() < 0.7:
        row["created_at"] = timestamp(rng)
    return row


def order_rows(rng: random.Random, order_id: int) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    lines = [{"sku": s, "name": f"Item {s}", "quantity": q, "unit_price_cents": p}
             for s, p, q in (cart(rng) if rng.random() < 0.95 else [])]
    subtotal = sum(l["quantity"] * l["unit_price_cents"] for l in lines)
    discount = rng.randint(0, subtotal // 4) if subtotal else 0
    row: Dict[str, Any] = {"id": order_id, "status": rng.choice(STATUSES), "customer_id": rng.randint(1, 10**6),
                           "coupon": rng.choice([None, "WELCOME10", "FIVEOFF"]), "subtotal_cents": subtotal,
                           "discount_cents": discount, "total_cents": subtotal - discount + rng.randint(0, 2000)}
    if rng.random() < 0.8:
        row["created_at"] = timestamp(rng)
    return row, lines
