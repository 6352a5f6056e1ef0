"""A client's whole journey over HTTP: draft, issue, pay, read back."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.requires_postgres


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_draft_issue_pay_and_read_back(server):
    status, created = call(server, "POST", "/invoices", {
        "customer": "acme-gmbh",
        "discount_percent": 5,
        "lines": [{"description": "Support plan", "quantity": 12, "unit_price": "49.00"},
                  {"description": "Handbook", "quantity": 1, "unit_price": "39.90", "tax": "reduced"}],
    })
    assert status == 201, created
    assert created["gross"] == "705.28"

    status, issued = call(server, "POST", f"/invoices/{created['id']}/issue")
    assert status == 200 and issued["status"] == "issued"
    number = issued["number"]
    assert number.startswith("INV-") and number.endswith("-00001")

    status, paid = call(server, "POST", f"/invoices/{created['id']}/pay")
    assert status == 200 and paid["status"] == "paid"

    status, shown = call(server, "GET", f"/invoices/{number}")
    assert status == 200
    assert shown["status"] == "paid" and shown["gross"] == created["gross"]
    assert shown["gross_display"] == "€705.28"


def test_bad_requests_get_a_reason(server):
    status, body = call(server, "POST", "/invoices", {"customer": "", "lines": []})
    assert status == 422 and "customer" in body["error"]
    status, body = call(server, "POST", "/invoices", {"customer": "x", "lines": [{"description": "y", "quantity": 1}]})
    assert status == 422 and "unit_price" in body["error"]
    status, body = call(server, "GET", "/invoices/INV-2024-99999")
    assert status == 404
