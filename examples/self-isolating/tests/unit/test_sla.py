from datetime import datetime, timezone

import pytest

from helpdesk.sla import add_business_hours, due
from helpdesk.tickets import format_ref

UTC = timezone.utc


def at(day, hour, minute=0):
    return datetime(2024, 12, day, hour, minute, tzinfo=UTC)  # 2024-12-02 is a Monday


@pytest.mark.parametrize(
    "opened,priority,expected",
    [(at(2, 10), "high", at(2, 14)),        # within the day
     (at(2, 15), "high", at(3, 11)),        # runs over into Tuesday morning
     (at(6, 15), "high", at(9, 11)),        # Friday afternoon -> Monday
     (at(7, 12), "urgent", at(9, 11)),      # opened on Saturday: the clock starts Monday 09:00
     (at(2, 7), "normal", at(2, 17)),       # before opening: starts at 09:00
     (at(2, 18), "urgent", at(3, 11)),      # after closing: starts next morning
     (at(2, 9), "low", at(4, 17))],         # three full business days
)
def test_response_deadlines_count_business_hours_only(opened, priority, expected):
    assert due(opened, priority) == expected


def test_exactly_at_closing_time_is_still_today():
    assert add_business_hours(at(2, 13), 4) == at(2, 17)


def test_unknown_priorities_are_refused():
    with pytest.raises(ValueError, match="critical"):
        due(at(2, 10), "critical")


def test_ticket_references_are_zero_padded():
    assert format_ref(42) == "HD-000042"
