"""Warehouse: stock per location, reservations that expire, pick lists."""
