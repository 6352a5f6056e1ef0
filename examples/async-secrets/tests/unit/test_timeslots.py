from datetime import date, datetime, timedelta, timezone

import pytest

from bookings.timeslots import free_slots, merge, overlaps

UTC = timezone.utc
DAY = date(2024, 12, 2)


def at(hour, minute=0):
    return datetime(2024, 12, 2, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "a,b,expected",
    [((at(9), at(10)), (at(9, 30), at(11)), True),
     ((at(9), at(10)), (at(10), at(11)), False),
     ((at(9), at(12)), (at(10), at(11)), True),
     ((at(13), at(14)), (at(9), at(10)), False)],
)
def test_overlap_is_half_open(a, b, expected):
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


def test_merge_joins_touching_and_overlapping_intervals():
    assert merge([(at(11), at(12)), (at(9), at(10)), (at(10), at(10, 30)), (at(11, 30), at(13))]) == [
        (at(9), at(10, 30)), (at(11), at(13))]


def test_an_empty_day_is_free_from_opening_to_closing():
    assert free_slots(DAY, UTC, []) == [(at(8), at(18))]


def test_free_slots_skip_gaps_shorter_than_the_minimum():
    busy = [(at(8, 15), at(10)), (at(10, 20), at(12)), (at(15), at(19))]
    assert free_slots(DAY, UTC, busy) == [(at(12), at(15))]


def test_meetings_outside_opening_hours_are_clipped():
    busy = [(at(6), at(9)), (at(17), at(20))]
    assert free_slots(DAY, UTC, busy, minimum=timedelta(minutes=15)) == [(at(9), at(17))]
