"""Helpers shared by the company's services: money arithmetic and human-facing formatting."""

from common.money import Currency, Money, MoneyError

__all__ = ["Currency", "Money", "MoneyError"]
