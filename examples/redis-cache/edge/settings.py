"""Settings from the environment, read at import."""

import os

REDIS_URL: str = os.environ.get("REDIS_URL", "")
SMTP_URL: str = os.environ.get("SMTP_URL", "")
ALERT_FROM: str = os.environ.get("ALERT_FROM", "edge@shop.example")
ALERT_TO: str = os.environ.get("ALERT_TO", "oncall@shop.example")
KEY_PREFIX: str = os.environ.get("KEY_PREFIX", "edge")
