"""Process settings, read from the environment once, at import."""

from __future__ import annotations

import os

DATABASE_URL: str = os.environ.get("DATABASE_URL", "")
CURRENCY: str = os.environ.get("BILLING_CURRENCY", "EUR")
INVOICE_PREFIX: str = os.environ.get("BILLING_INVOICE_PREFIX", "INV")
