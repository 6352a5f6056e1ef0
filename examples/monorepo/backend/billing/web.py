"""A small WSGI API: create a draft, issue it, pay it, read it back.

    GET  /health                      -> {"status": "ok", "database": true|false}
    POST /invoices                    {"customer", "currency"?, "discount_percent"?, "lines": [...]}
    POST /invoices/<id>/issue
    POST /invoices/<id>/pay
    GET  /invoices/<number>
"""

from __future__ import annotations

import json
import re
from typing import Callable, Iterable, Tuple

import psycopg

from billing import db, repository, settings
from billing.invoices import Invoice, InvoiceError, line_from_payload
from billing.serializers import invoice_payload

Response = Tuple[str, dict]


def _json(environ) -> dict:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
    except json.JSONDecodeError:
        raise InvoiceError("body is not JSON") from None
    if not isinstance(body, dict):
        raise InvoiceError("body must be a JSON object")
    return body


def health(environ, conn_factory) -> Response:
    try:
        with conn_factory() as conn:
            conn.execute("SELECT 1")
        up = True
    except (psycopg.Error, db.DatabaseNotConfigured):
        up = False
    return "200 OK", {"status": "ok", "database": up}


def create(environ, conn_factory) -> Response:
    body = _json(environ)
    currency = body.get("currency", settings.CURRENCY)
    invoice = Invoice(str(body.get("customer", "")).strip(), currency)
    if not invoice.customer:
        raise InvoiceError("customer is required")
    for line in body.get("lines", []):
        invoice = invoice.add(line_from_payload(line, currency))
    invoice = invoice.with_discount(int(body.get("discount_percent", 0)))
    with conn_factory() as conn:
        invoice_id = repository.save_draft(conn, invoice)
    return "201 Created", {"id": invoice_id, **invoice_payload(invoice)}


def issue(environ, conn_factory, invoice_id: str) -> Response:
    with conn_factory() as conn:
        invoice = repository.issue(conn, int(invoice_id), settings.INVOICE_PREFIX)
    return "200 OK", invoice_payload(invoice)


def pay(environ, conn_factory, invoice_id: str) -> Response:
    with conn_factory() as conn:
        invoice = repository.mark_paid(conn, int(invoice_id))
    return "200 OK", invoice_payload(invoice)


def show(environ, conn_factory, number: str) -> Response:
    with conn_factory() as conn:
        invoice = repository.load(conn, repository.id_of(conn, number))
    return "200 OK", invoice_payload(invoice)


ROUTES = [
    ("GET", re.compile(r"^/health$"), health),
    ("POST", re.compile(r"^/invoices$"), create),
    ("POST", re.compile(r"^/invoices/(\d+)/issue$"), issue),
    ("POST", re.compile(r"^/invoices/(\d+)/pay$"), pay),
    ("GET", re.compile(r"^/invoices/([A-Z]+-\d{4}-\d{5})$"), show),
]


def make_app(conn_factory: Callable[[], psycopg.Connection] = lambda: db.connect(autocommit=True)):
    def app(environ, start_response) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        status, body = "404 Not Found", {"error": f"no route for {method} {path}"}
        for verb, pattern, handler in ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                try:
                    status, body = handler(environ, conn_factory, *match.groups())
                except InvoiceError as exc:
                    status, body = "422 Unprocessable Entity", {"error": str(exc)}
                except repository.NotFound as exc:
                    status, body = "404 Not Found", {"error": f"not found: {exc}"}
                break
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app
