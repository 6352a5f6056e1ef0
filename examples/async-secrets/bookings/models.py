"""Tables, as SQLAlchemy 2 typed declarative models."""

from __future__ import annotations

from datetime import datetime
from typing import List

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    capacity: Mapped[int]
    bookings: Mapped[List["Booking"]] = relationship(back_populates="room", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("capacity > 0", name="room_capacity_positive"),)


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    title: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(120))
    attendees: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    room: Mapped[Room] = relationship(back_populates="bookings")

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="booking_ends_after_start"),)
