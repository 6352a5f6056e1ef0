"""Time arithmetic on half-open intervals [start, end)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Iterable, List, Tuple

Interval = Tuple[datetime, datetime]


def overlaps(a: Interval, b: Interval) -> bool:
    """Back-to-back meetings (one ends when the next starts) do not overlap."""
    return a[0] < b[1] and b[0] < a[1]


def merge(intervals: Iterable[Interval]) -> List[Interval]:
    merged: List[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def free_slots(day: date, tz: tzinfo, busy: Iterable[Interval], opens: time = time(8), closes: time = time(18),
               minimum: timedelta = timedelta(minutes=30)) -> List[Interval]:
    """Gaps of at least `minimum` between busy intervals inside opening hours."""
    cursor = datetime.combine(day, opens, tz)
    closing = datetime.combine(day, closes, tz)
    gaps: List[Interval] = []
    for start, end in merge(busy):
        start, end = max(start, cursor), min(end, closing)
        if end <= cursor:
            continue
        if start - cursor >= minimum:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    if closing - cursor >= minimum:
        gaps.append((cursor, closing))
    return gaps
