"""Reservations hold stock for a cart until they expire. Pure logic: the clock is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List


class ReservationError(ValueError):
    pass


@dataclass(frozen=True)
class Reservation:
    sku: str
    quantity: int
    cart: str
    created: datetime
    ttl: timedelta

    @property
    def expires(self) -> datetime:
        return self.created + self.ttl

    def active(self, now: datetime) -> bool:
        return now < self.expires


def available(on_hand: int, reservations: Iterable[Reservation], now: datetime) -> int:
    """Stock that can still be promised: on hand minus what active reservations hold."""
    held = sum(r.quantity for r in reservations if r.active(now))
    return max(on_hand - held, 0)


def reserve(on_hand: int, existing: List[Reservation], sku: str, quantity: int, cart: str,
            now: datetime, ttl: timedelta) -> Reservation:
    if quantity < 1:
        raise ReservationError("reserve at least one unit")
    free = available(on_hand, [r for r in existing if r.sku == sku], now)
    if quantity > free:
        raise ReservationError(f"only {free} of {sku} available, {quantity} requested")
    return Reservation(sku, quantity, cart, now, ttl)


def held_by_cart(reservations: Iterable[Reservation], now: datetime) -> Dict[str, int]:
    totals: Dict[str, int] = {}
    for r in reservations:
        if r.active(now):
            totals[r.cart] = totals.get(r.cart, 0) + r.quantity
    return totals
