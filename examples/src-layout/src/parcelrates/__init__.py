"""Parcel shipping quotes: billable weight, zones from postcodes, carrier rate cards."""

from parcelrates.dimensions import Parcel, billable_weight_g
from parcelrates.rates import Quote, cheapest, quote

__all__ = ["Parcel", "Quote", "billable_weight_g", "cheapest", "quote"]
