"""Alert mail to the on-call address through the SMTP server at SMTP_URL (smtp://host:port)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Tuple
from urllib.parse import urlsplit

from edge import settings


def smtp_address(url: str) -> Tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise ValueError(f"expected smtp://host:port, got {url!r}")
    return parts.hostname, parts.port or 25


def throttle_alert(client_id: str, hits: int, window_seconds: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.ALERT_FROM
    msg["To"] = settings.ALERT_TO
    msg["Subject"] = f"[edge] client {client_id} throttled"
    msg.set_content(f"Client {client_id} was refused after {hits} requests within {window_seconds} s.\n")
    return msg


def send(msg: EmailMessage, url: str = "") -> dict:
    """Sends; returns smtplib's refused-recipients dict (empty when every recipient was accepted)."""
    host, port = smtp_address(url or settings.SMTP_URL)
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        return smtp.send_message(msg)
