"""The invoice as the API publishes it. Amounts are decimal strings, never floats."""

from __future__ import annotations

from common.formatting import format_money, format_rate

from billing.invoices import TAX_RATES, Invoice

SCHEMA_VERSION = 2


def invoice_payload(invoice: Invoice) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        "number": invoice.number,
        "customer": invoice.customer,
        "status": invoice.status,
        "currency": invoice.currency,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price.amount),
                "net": str(line.net.amount),
                "tax": line.tax,
            }
            for line in invoice.lines
        ],
        "discount_percent": invoice.discount_percent,
        "taxes": [
            {"class": c, "rate": format_rate(TAX_RATES[c]), "amount": str(amount.amount)}
            for c, amount in invoice.tax_by_class().items()
        ],
        "net": str(invoice.net.amount),
        "tax": str(invoice.tax.amount),
        "gross": str(invoice.gross.amount),
        "gross_display": format_money(invoice.gross),
    }
