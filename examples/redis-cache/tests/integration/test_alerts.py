"""The alert mail really goes through an SMTP server: Mailpit, a user-defined service in CI
(`[tool.backend-ci.services.mailpit]`). Skipped, with the reason, when SMTP_URL is unset."""

import socket

import pytest

from edge import alerts

pytestmark = pytest.mark.requires_mailpit


def test_the_smtp_server_greets(smtp_url):
    host, port = alerts.smtp_address(smtp_url)
    with socket.create_connection((host, port), timeout=10) as sock:
        assert sock.recv(512).startswith(b"220")


def test_a_throttle_alert_is_accepted_for_every_recipient(smtp_url):
    refused = alerts.send(alerts.throttle_alert("api-key-7", 101, 60), smtp_url)
    assert refused == {}
