"""Bin locations: `A-03-2` is aisle A, rack 3, shelf 2. Pickers walk aisles in order, racks in a
serpentine (up one aisle, down the next), so a pick list is sorted by that walk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List

_CODE = re.compile(r"^([A-Z])-(\d{2})-(\d)$")


class BadLocation(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Location:
    aisle: str
    rack: int
    shelf: int

    @classmethod
    def parse(cls, code: str) -> "Location":
        match = _CODE.match(code.strip().upper())
        if not match:
            raise BadLocation(f"not a bin code (expected like A-03-2): {code!r}")
        aisle, rack, shelf = match.groups()
        if int(rack) == 0 or int(shelf) == 0:
            raise BadLocation(f"racks and shelves count from 1: {code!r}")
        return cls(aisle, int(rack), int(shelf))

    @property
    def code(self) -> str:
        return f"{self.aisle}-{self.rack:02d}-{self.shelf}"

    def walk_key(self) -> tuple:
        """Aisles A, C, E... are walked rack 1 upwards, B, D, F... downwards."""
        aisle_no = ord(self.aisle) - ord("A")
        rack = self.rack if aisle_no % 2 == 0 else -self.rack
        return (aisle_no, rack, self.shelf)


def walk_order(codes: Iterable[str]) -> List[str]:
    return [loc.code for loc in sorted((Location.parse(c) for c in codes), key=Location.walk_key)]
