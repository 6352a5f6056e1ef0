from datetime import date

import pytest
from common.money import Money

from billing import repository
from billing.invoices import Invoice, InvoiceError, Line

pytestmark = pytest.mark.requires_postgres


def draft(customer="acme-gmbh", *prices):
    invoice = Invoice(customer)
    for n, price in enumerate(prices or ("10.00",), start=1):
        invoice = invoice.add(Line(f"item {n}", n, Money.of(price)))
    return invoice


def test_a_draft_round_trips_with_its_lines(conn, mixed_invoice):
    invoice_id = repository.save_draft(conn, mixed_invoice)
    loaded = repository.load(conn, invoice_id)
    assert loaded.lines == mixed_invoice.lines
    assert loaded.gross == mixed_invoice.gross
    assert loaded.status == "draft" and loaded.number is None


def test_numbers_are_gap_free_per_year(conn):
    ids = [repository.save_draft(conn, draft()) for _ in range(3)]
    numbers = [repository.issue(conn, i, "INV", date(2024, 3, 1)).number for i in ids]
    assert numbers == ["INV-2024-00001", "INV-2024-00002", "INV-2024-00003"]
    other_year = repository.issue(conn, repository.save_draft(conn, draft()), "INV", date(2025, 1, 2))
    assert other_year.number == "INV-2025-00001"


def test_an_invoice_is_issued_once(conn):
    invoice_id = repository.save_draft(conn, draft())
    repository.issue(conn, invoice_id, "INV", date(2024, 5, 5))
    with pytest.raises(InvoiceError, match="already issued"):
        repository.issue(conn, invoice_id, "INV", date(2024, 5, 6))


def test_outstanding_lists_issued_unpaid_invoices_oldest_first(conn):
    first = repository.save_draft(conn, draft("bolt-ltd", "5.00"))
    second = repository.save_draft(conn, draft("bolt-ltd", "7.00"))
    paid = repository.save_draft(conn, draft("bolt-ltd", "9.00"))
    repository.save_draft(conn, draft("bolt-ltd", "11.00"))  # still a draft
    repository.issue(conn, second, "INV", date(2024, 2, 1))
    repository.issue(conn, first, "INV", date(2024, 1, 15))
    repository.issue(conn, paid, "INV", date(2024, 1, 1))
    repository.mark_paid(conn, paid)
    rows = repository.outstanding(conn, "bolt-ltd")
    assert [r["issued_on"] for r in rows] == [date(2024, 1, 15), date(2024, 2, 1)]
    assert [r["gross_minor"] for r in rows] == [595, 833]


def test_a_draft_cannot_be_paid(conn):
    invoice_id = repository.save_draft(conn, draft())
    with pytest.raises(InvoiceError, match="draft to paid"):
        repository.mark_paid(conn, invoice_id)


def test_unknown_invoices_are_not_found(conn):
    with pytest.raises(repository.NotFound):
        repository.load(conn, 999_999)
    with pytest.raises(repository.NotFound):
        repository.id_of(conn, "INV-1999-00001")
