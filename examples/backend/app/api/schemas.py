"""A small JSON-schema subset validator and the schemas of the public payloads.

Supports: type (incl. lists of types), properties, required, additionalProperties (bool),
items, enum, minimum, minLength, pattern, format=date-time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def validate(value: Any, schema: Dict[str, Any], path: str = "$") -> List[str]:
    """Return a list of 'path: problem' strings; empty when valid."""
    errors: List[str] = []
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is_type(value, n) for n in names):
            return [f"{path}: expected {'|'.join(names)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value)
            except ValueError:
                errors.append(f"{path}: not an ISO 8601 date-time")
    if _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: below minimum {schema['minimum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key}")
        for key, item in value.items():
            if key in props:
                errors.extend(validate(item, props[key], f"{path}.{key}"))
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{path}: unexpected {key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors.extend(validate(item, schema["items"], f"{path}[{i}]"))
    return errors


MONEY = {
    "type": "object",
    "required": ["amount", "currency", "display"],
    "additionalProperties": False,
    "properties": {
        "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP", "JPY", "CHF", "SEK"]},
        "display": {"type": "string", "minLength": 1},
    },
}

CUSTOMER = {
    "type": "object",
    "required": ["id", "email", "name", "tier", "initials"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "email": {"type": "string", "pattern": "@"},
        "name": {"type": "string", "minLength": 1},
        "tier": {"type": "string", "enum": ["standard", "silver", "gold"]},
        "initials": {"type": "string", "minLength": 1},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

ORDER_LINE = {
    "type": "object",
    "required": ["sku", "name", "quantity", "unit_price", "line_total"],
    "additionalProperties": False,
    "properties": {
        "sku": {"type": "string", "pattern": r"^[A-Z]{2,5}-\d{3,6}$"},
        "name": {"type": "string", "minLength": 1},
        "quantity": {"type": "integer", "minimum": 1},
        "unit_price": MONEY,
        "line_total": MONEY,
    },
}

ORDER = {
    "type": "object",
    "required": ["id", "number", "status", "customer_id", "lines", "subtotal", "discount", "total"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "number": {"type": "string", "pattern": r"^SO-\d{6}-\d{6}$"},
        "status": {"type": "string", "enum": ["pending", "paid", "shipped", "cancelled"]},
        "customer_id": {"type": "integer", "minimum": 1},
        "coupon": {"type": ["string", "null"]},
        "lines": {"type": "array", "items": ORDER_LINE},
        "subtotal": MONEY,
        "discount": MONEY,
        "total": MONEY,
        "created_at": {"type": "string", "format": "date-time"},
    },
}

QUOTE = {
    "type": "object",
    "required": ["subtotal", "discount", "shipping", "tax", "total", "applied"],
    "additionalProperties": False,
    "properties": {
        "subtotal": MONEY,
        "discount": MONEY,
        "shipping": MONEY,
        "tax": MONEY,
        "total": MONEY,
        "applied": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "details"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "enum": ["validation_error", "not_found", "conflict"]},
        "details": {"type": "object"},
    },
}
