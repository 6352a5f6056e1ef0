"""These tests count rows and expect references to start at HD-000001: they rely on a database of
their own, which tests/conftest.py gives each xdist worker."""

from datetime import datetime, timezone

import pytest

from helpdesk import tickets

pytestmark = pytest.mark.requires_postgres

MONDAY_10 = datetime(2024, 12, 2, 10, tzinfo=timezone.utc)


@pytest.fixture
def agents(conn):
    return [tickets.add_agent(conn, e) for e in ("ana@help.example", "ben@help.example", "cy@help.example")]


def test_references_are_sequential(conn):
    refs = [tickets.open_ticket(conn, f"Issue {n}", "normal", MONDAY_10)["ref"] for n in range(3)]
    assert refs == ["HD-000001", "HD-000002", "HD-000003"]


def test_a_ticket_gets_its_sla_deadline(conn):
    ticket = tickets.open_ticket(conn, "  Checkout fails  ", "urgent", MONDAY_10)
    assert ticket["subject"] == "Checkout fails"
    assert ticket["due_at"] == datetime(2024, 12, 2, 12, tzinfo=timezone.utc)


def test_assignment_goes_to_the_least_loaded_agent(conn, agents):
    refs = [tickets.open_ticket(conn, f"Issue {n}", "normal", MONDAY_10)["ref"] for n in range(5)]
    assigned = [tickets.assign(conn, ref) for ref in refs]
    assert assigned == ["ana@help.example", "ben@help.example", "cy@help.example",
                        "ana@help.example", "ben@help.example"]


def test_closed_tickets_no_longer_count_as_load(conn, agents):
    first = tickets.open_ticket(conn, "One", "normal", MONDAY_10)["ref"]
    assert tickets.assign(conn, first) == "ana@help.example"
    tickets.close(conn, first)
    second = tickets.open_ticket(conn, "Two", "normal", MONDAY_10)["ref"]
    assert tickets.assign(conn, second) == "ana@help.example"


def test_a_closed_ticket_cannot_be_assigned_or_closed_again(conn, agents):
    ref = tickets.open_ticket(conn, "Done", "low", MONDAY_10)["ref"]
    tickets.close(conn, ref)
    with pytest.raises(tickets.TicketError, match="closed"):
        tickets.assign(conn, ref)
    with pytest.raises(tickets.TicketError, match="no open ticket"):
        tickets.close(conn, ref)


def test_no_active_agent_means_no_assignment(conn):
    ref = tickets.open_ticket(conn, "Nobody home", "high", MONDAY_10)["ref"]
    with pytest.raises(tickets.TicketError, match="no active agent"):
        tickets.assign(conn, ref)


def test_overdue_lists_open_tickets_past_their_deadline(conn):
    tickets.open_ticket(conn, "Urgent", "urgent", MONDAY_10)     # due 12:00
    tickets.open_ticket(conn, "High", "high", MONDAY_10)         # due 14:00
    closed = tickets.open_ticket(conn, "Fixed", "urgent", MONDAY_10)["ref"]
    tickets.close(conn, closed)
    assert tickets.overdue(conn, datetime(2024, 12, 2, 13, tzinfo=timezone.utc)) == ["HD-000001"]


def test_queue_summary_counts_the_whole_queue_and_one_agent(conn, agents):
    refs = [tickets.open_ticket(conn, f"Issue {n}", "normal", MONDAY_10)["ref"] for n in range(4)]
    for ref in refs:
        tickets.assign(conn, ref)
    tickets.close(conn, refs[0])
    assert tickets.queue_summary(conn) == {"open": 3, "closed": 1}
    assert tickets.queue_summary(conn, "ana@help.example") == {"open": 1, "closed": 1}
