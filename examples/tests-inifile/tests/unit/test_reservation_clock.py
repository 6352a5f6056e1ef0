"""Reservations against the real wall clock.

`test_a_fresh_reservation_is_active_on_the_wall_clock` is flaky in a controlled way, for
exercising CI's flaky-test handling: when $FLAKY_STATE_FILE names a file that does not exist yet,
the test creates it and fails, as a clock-dependent test does when the machine stalls; the rerun
finds the file and passes. With the variable unset the test is an ordinary, stable test.
"""

import os
import pathlib
from datetime import datetime, timedelta, timezone

from warehouse.reservations import Reservation


def stalled_first_time() -> bool:
    state = os.environ.get("FLAKY_STATE_FILE")
    if not state:
        return False
    mark = pathlib.Path(state)
    first = not mark.exists()
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.touch()
    return first


def test_a_fresh_reservation_is_active_on_the_wall_clock():
    created = datetime.now(timezone.utc)
    reservation = Reservation("MUG", 1, "cart", created, timedelta(seconds=5))
    checked = datetime.now(timezone.utc) + (timedelta(seconds=6) if stalled_first_time() else timedelta(0))
    assert reservation.active(checked), f"expired after {(checked - created).total_seconds():.1f}s"


def test_reservations_created_in_another_timezone_compare_correctly():
    created = datetime.now(timezone(timedelta(hours=-5)))
    reservation = Reservation("MUG", 1, "cart", created, timedelta(minutes=1))
    assert reservation.active(datetime.now(timezone.utc))
