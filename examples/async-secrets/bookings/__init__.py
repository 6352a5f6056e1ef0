"""Meeting-room bookings: an async service on SQLAlchemy 2 and asyncpg."""
