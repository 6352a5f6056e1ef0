"""Billable weight: carriers charge the greater of actual and volumetric weight."""

from __future__ import annotations

from dataclasses import dataclass


class ParcelError(ValueError):
    pass


@dataclass(frozen=True)
class Parcel:
    length_cm: float
    width_cm: float
    height_cm: float
    weight_g: int

    def __post_init__(self) -> None:
        if min(self.length_cm, self.width_cm, self.height_cm) <= 0:
            raise ParcelError("dimensions must be positive")
        if self.weight_g <= 0:
            raise ParcelError("weight must be positive")

    @property
    def girth_cm(self) -> float:
        """Longest side plus twice the two others: the size limit carriers publish."""
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True)
        return a + 2 * (b + c)


def volumetric_weight_g(parcel: Parcel, divisor: int) -> int:
    """cm^3 / divisor gives kilograms (5000 for most couriers, 6000 for some)."""
    return round(parcel.length_cm * parcel.width_cm * parcel.height_cm / divisor * 1000)


def billable_weight_g(parcel: Parcel, divisor: int = 5000) -> int:
    """The greater of actual and volumetric weight, rounded up to the next 100 g."""
    weight = max(parcel.weight_g, volumetric_weight_g(parcel, divisor))
    return -(-weight // 100) * 100
