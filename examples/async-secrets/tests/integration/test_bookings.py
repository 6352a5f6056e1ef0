from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bookings import service
from bookings.models import Booking, Room

pytestmark = [pytest.mark.anyio, pytest.mark.requires_postgres]

UTC = timezone.utc
DAY = date(2024, 12, 2)


def at(hour, minute=0):
    return datetime(2024, 12, 2, hour, minute, tzinfo=UTC)


async def test_the_engine_talks_asyncpg_to_a_real_server(session):
    version = await session.scalar(select(func.version()))
    assert version.startswith("PostgreSQL")
    assert session.bind.dialect.driver == "asyncpg"


async def test_rooms_are_seeded_once(session, rooms):
    assert await session.scalar(select(func.count()).select_from(Room)) == 3


async def test_a_room_name_is_unique(session, rooms):
    with pytest.raises(IntegrityError):
        await service.add_room(session, "Ada", 2)


async def test_a_booking_round_trips_with_its_time_zone(session, rooms):
    booking = await service.book(session, "Ada", "Planning", "kim", 6, at(9), at(10, 30))
    await session.commit()
    loaded = await session.get(Booking, booking.id)
    assert (loaded.starts_at, loaded.ends_at) == (at(9), at(10, 30))


async def test_double_booking_is_refused_with_the_clash(session, rooms):
    await service.book(session, "Turing", "1:1", "lee", 2, at(14), at(15))
    with pytest.raises(service.Conflict, match="taken by '1:1' from 14:00 to 15:00"):
        await service.book(session, "Turing", "Retro", "ana", 4, at(14, 30), at(15, 30))


async def test_back_to_back_bookings_are_fine(session, rooms):
    await service.book(session, "Turing", "Standup", "lee", 4, at(9), at(9, 15))
    await service.book(session, "Turing", "Review", "ana", 3, at(9, 15), at(10))
    assert await session.scalar(select(func.count()).select_from(Booking)) == 2


@pytest.mark.parametrize(
    "room,attendees,start,end,message",
    [("Turing", 5, at(9), at(10), "seats 4, not 5"),
     ("Ada", 2, at(10), at(9), "end after it starts"),
     ("Ada", 2, at(8), at(17), "8 hours"),
     ("Lovelace", 2, at(9), at(10), "no room called 'Lovelace'")],
)
async def test_invalid_bookings_are_refused(session, rooms, room, attendees, start, end, message):
    with pytest.raises(service.BookingError, match=message):
        await service.book(session, room, "Meeting", "kim", attendees, start, end)


async def test_free_slots_come_from_the_bookings(session, rooms):
    await service.book(session, "Hopper", "All hands", "cto", 12, at(10), at(11))
    await service.book(session, "Hopper", "Workshop", "ana", 10, at(13), at(17, 45))
    assert await service.free(session, "Hopper", DAY) == [(at(8), at(10)), (at(11), at(13))]


async def test_utilisation_lists_every_room(session, rooms):
    await service.book(session, "Ada", "Offsite prep", "kim", 5, at(8), at(13))
    await service.book(session, "Turing", "Interview", "lee", 3, at(17), at(19))
    assert await service.utilisation(session, DAY) == {"Ada": 0.5, "Hopper": 0.0, "Turing": 0.1}
