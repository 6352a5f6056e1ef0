"""Booking rules: capacity, no double booking, free slots, utilisation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookings.models import Booking, Room
from bookings.timeslots import Interval, free_slots


class BookingError(ValueError):
    pass


class Conflict(BookingError):
    pass


async def add_room(session: AsyncSession, name: str, capacity: int) -> Room:
    room = Room(name=name, capacity=capacity)
    session.add(room)
    await session.flush()
    return room


async def room_by_name(session: AsyncSession, name: str) -> Room:
    room = await session.scalar(select(Room).where(Room.name == name))
    if room is None:
        raise BookingError(f"no room called {name!r}")
    return room


async def book(session: AsyncSession, room_name: str, title: str, organiser: str, attendees: int,
               starts_at: datetime, ends_at: datetime) -> Booking:
    if ends_at <= starts_at:
        raise BookingError("a booking must end after it starts")
    if ends_at - starts_at > timedelta(hours=8):
        raise BookingError("bookings are limited to 8 hours")
    # Lock the room row: two concurrent bookings of one room are checked one after the other.
    room = await session.scalar(select(Room).where(Room.name == room_name).with_for_update())
    if room is None:
        raise BookingError(f"no room called {room_name!r}")
    if attendees > room.capacity:
        raise BookingError(f"{room.name} seats {room.capacity}, not {attendees}")
    clash = await session.scalar(
        select(Booking).where(Booking.room_id == room.id, Booking.starts_at < ends_at, Booking.ends_at > starts_at)
    )
    if clash is not None:
        raise Conflict(f"{room.name} is taken by {clash.title!r} from {clash.starts_at:%H:%M} to {clash.ends_at:%H:%M}")
    booking = Booking(room=room, title=title, organiser=organiser, attendees=attendees,
                      starts_at=starts_at, ends_at=ends_at)
    session.add(booking)
    await session.flush()
    return booking


async def busy(session: AsyncSession, room_name: str, day: date, tz=timezone.utc) -> List[Interval]:
    room = await room_by_name(session, room_name)
    start = datetime.combine(day, time(0), tz)
    rows = await session.execute(
        select(Booking.starts_at, Booking.ends_at)
        .where(Booking.room_id == room.id, Booking.starts_at < start + timedelta(days=1), Booking.ends_at > start)
        .order_by(Booking.starts_at)
    )
    return [(s, e) for s, e in rows.all()]


async def free(session: AsyncSession, room_name: str, day: date, tz=timezone.utc) -> List[Interval]:
    return free_slots(day, tz, await busy(session, room_name, day, tz))


async def utilisation(session: AsyncSession, day: date, tz=timezone.utc) -> Dict[str, float]:
    """Share of the 10 opening hours each room is booked on `day`, every room listed."""
    start = datetime.combine(day, time(8), tz)
    end = datetime.combine(day, time(18), tz)
    # LEAST/GREATEST skip NULLs, so a room without bookings (outer join) must be filtered out of the sum.
    overlap = func.extract("epoch", func.least(Booking.ends_at, end) - func.greatest(Booking.starts_at, start))
    booked = func.coalesce(func.sum(overlap).filter(Booking.id.is_not(None)), 0)
    rows = await session.execute(
        select(Room.name, booked)
        .outerjoin(Booking, (Booking.room_id == Room.id) & (Booking.starts_at < end) & (Booking.ends_at > start))
        .group_by(Room.name)
        .order_by(Room.name)
    )
    return {name: round(float(seconds) / (10 * 3600), 3) for name, seconds in rows.all()}
