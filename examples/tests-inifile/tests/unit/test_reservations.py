from datetime import timedelta

import pytest

from warehouse.reservations import Reservation, ReservationError, available, held_by_cart, reserve


def test_active_reservations_hold_stock(now, ttl):
    held = [Reservation("MUG", 3, "cart-1", now, ttl), Reservation("MUG", 2, "cart-2", now, ttl)]
    assert available(10, held, now) == 5


def test_expired_reservations_release_their_stock(now, ttl):
    held = [Reservation("MUG", 3, "cart-1", now - ttl - timedelta(seconds=1), ttl)]
    assert available(10, held, now) == 10


def test_a_reservation_expires_exactly_at_its_ttl(now, ttl):
    r = Reservation("MUG", 1, "cart-1", now, ttl)
    assert r.active(now + ttl - timedelta(microseconds=1))
    assert not r.active(now + ttl)


def test_cannot_reserve_more_than_is_free(now, ttl):
    held = [Reservation("MUG", 8, "cart-1", now, ttl)]
    with pytest.raises(ReservationError, match="only 2 of MUG"):
        reserve(10, held, "MUG", 3, "cart-2", now, ttl)


def test_reservations_of_other_skus_do_not_count(now, ttl):
    held = [Reservation("CAP", 8, "cart-1", now, ttl)]
    assert reserve(10, held, "MUG", 10, "cart-2", now, ttl).quantity == 10


@pytest.mark.parametrize("quantity", [0, -1])
def test_reserving_nothing_is_refused(now, ttl, quantity):
    with pytest.raises(ReservationError):
        reserve(10, [], "MUG", quantity, "cart", now, ttl)


def test_available_never_goes_negative(now, ttl):
    assert available(2, [Reservation("MUG", 5, "c", now, ttl)], now) == 0


def test_held_by_cart_sums_active_reservations(now, ttl):
    rs = [Reservation("MUG", 1, "a", now, ttl), Reservation("CAP", 2, "a", now, ttl),
          Reservation("MUG", 4, "b", now - 2 * ttl, ttl)]
    assert held_by_cart(rs, now) == {"a": 3}
