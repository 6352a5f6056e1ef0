"""SLA deadlines in business hours (Mon-Fri, 09:00-17:00): a 4-hour response time for a ticket
opened Friday 15:00 is due Monday 11:00."""

from __future__ import annotations

from datetime import datetime, time, timedelta

OPEN, CLOSE = time(9), time(17)
RESPONSE_HOURS = {"urgent": 2, "high": 4, "normal": 8, "low": 24}


def _next_business_moment(at: datetime) -> datetime:
    while True:
        if at.weekday() >= 5:
            at = datetime.combine(at.date() + timedelta(days=7 - at.weekday()), OPEN, at.tzinfo)
        elif at.time() < OPEN:
            at = datetime.combine(at.date(), OPEN, at.tzinfo)
        elif at.time() >= CLOSE:
            at = datetime.combine(at.date() + timedelta(days=1), OPEN, at.tzinfo)
        else:
            return at


def add_business_hours(start: datetime, hours: float) -> datetime:
    remaining = timedelta(hours=hours)
    at = _next_business_moment(start)
    while True:
        end_of_day = datetime.combine(at.date(), CLOSE, at.tzinfo)
        if at + remaining <= end_of_day:
            return at + remaining
        remaining -= end_of_day - at
        at = _next_business_moment(end_of_day)


def due(opened: datetime, priority: str) -> datetime:
    if priority not in RESPONSE_HOURS:
        raise ValueError(f"unknown priority {priority!r}")
    return add_business_hours(opened, RESPONSE_HOURS[priority])
