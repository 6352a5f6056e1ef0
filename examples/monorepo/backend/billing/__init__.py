"""Billing: invoices for the company's customers."""
