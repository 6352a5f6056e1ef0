"""Shopfront: a small order-management backend (the backend-ci example)."""

__version__ = "1.4.0"
