"""Invoices in PostgreSQL: gap-free numbering per prefix and year, lines, payments."""

from __future__ import annotations

from datetime import date
from typing import List, Optional

import psycopg
from common.formatting import document_number
from common.money import Money

from billing.invoices import Invoice, InvoiceError, Line


class NotFound(LookupError):
    pass


def next_number(conn: psycopg.Connection, prefix: str, year: int) -> str:
    """The next number of the year. The upsert locks the sequence row, so two issuers never get
    the same number and no number is skipped."""
    row = conn.execute(
        """
        INSERT INTO invoice_sequences (prefix, year, last) VALUES (%s, %s, 1)
        ON CONFLICT (prefix, year) DO UPDATE SET last = invoice_sequences.last + 1
        RETURNING last
        """,
        (prefix, year),
    ).fetchone()
    return document_number(prefix, year, row["last"])


def save_draft(conn: psycopg.Connection, invoice: Invoice) -> int:
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO invoices (customer, currency, discount_percent, gross_minor) VALUES (%s, %s, %s, %s) RETURNING id",
            (invoice.customer, invoice.currency, invoice.discount_percent, invoice.gross.minor),
        ).fetchone()
        for position, line in enumerate(invoice.lines, start=1):
            conn.execute(
                "INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price_minor, tax)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (row["id"], position, line.description, line.quantity, line.unit_price.minor, line.tax),
            )
    return row["id"]


def load(conn: psycopg.Connection, invoice_id: int) -> Invoice:
    head = conn.execute("SELECT * FROM invoices WHERE id = %s", (invoice_id,)).fetchone()
    if head is None:
        raise NotFound(f"invoice {invoice_id}")
    rows = conn.execute("SELECT * FROM invoice_lines WHERE invoice_id = %s ORDER BY position", (invoice_id,)).fetchall()
    lines = tuple(
        Line(r["description"], r["quantity"], Money(r["unit_price_minor"], head["currency"]), r["tax"]) for r in rows
    )
    return Invoice(head["customer"], head["currency"], lines, head["status"], head["number"], head["discount_percent"])


def id_of(conn: psycopg.Connection, number: str) -> int:
    row = conn.execute("SELECT id FROM invoices WHERE number = %s", (number,)).fetchone()
    if row is None:
        raise NotFound(f"invoice {number}")
    return row["id"]


def issue(conn: psycopg.Connection, invoice_id: int, prefix: str, today: Optional[date] = None) -> Invoice:
    today = today or date.today()
    with conn.transaction():
        invoice = load(conn, invoice_id)
        if invoice.status != "draft":
            raise InvoiceError(f"invoice {invoice_id} is already {invoice.status}")
        number = next_number(conn, prefix, today.year)
        issued = Invoice(invoice.customer, invoice.currency, invoice.lines, invoice.status, number,
                         invoice.discount_percent).move_to("issued")
        conn.execute("UPDATE invoices SET number = %s, status = 'issued', issued_on = %s WHERE id = %s",
                     (number, today, invoice_id))
    return issued


def mark_paid(conn: psycopg.Connection, invoice_id: int) -> Invoice:
    with conn.transaction():
        paid = load(conn, invoice_id).move_to("paid")
        conn.execute("UPDATE invoices SET status = 'paid' WHERE id = %s", (invoice_id,))
    return paid


def outstanding(conn: psycopg.Connection, customer: str) -> List[dict]:
    """Issued, unpaid invoices of a customer, oldest first."""
    return conn.execute(
        "SELECT number, gross_minor, currency, issued_on FROM invoices"
        " WHERE customer = %s AND status = 'issued' ORDER BY issued_on, number",
        (customer,),
    ).fetchall()
