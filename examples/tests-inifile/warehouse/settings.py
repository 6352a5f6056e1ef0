"""Process settings, read from the environment at import."""

import os

DATABASE_URL: str = os.environ.get("DATABASE_URL", "")
RESERVATION_TTL_SECONDS: int = int(os.environ.get("RESERVATION_TTL_SECONDS", "900"))
