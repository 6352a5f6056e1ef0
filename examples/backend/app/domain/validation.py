"""Input validation for API payloads."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
SKU_RE = re.compile(r"^[A-Z]{2,5}-\d{3,6}$")
POSTCODE_RES = {
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "NL": re.compile(r"^\d{4} ?[A-Z]{2}$"),
    "LU": re.compile(r"^(L-)?\d{4}$"),
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
    "CH": re.compile(r"^\d{4}$"),
}
MAX_QUANTITY = 999


class ValidationError(ValueError):
    def __init__(self, errors: Dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        self.errors = errors


def is_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(EMAIL_RE.match(value))


def normalize_email(value: str) -> str:
    local, _, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def is_sku(value: Any) -> bool:
    return isinstance(value, str) and bool(SKU_RE.match(value))


def is_postcode(country: str, value: Any) -> bool:
    pattern = POSTCODE_RES.get(country)
    if pattern is None or not isinstance(value, str):
        return False
    return bool(pattern.match(value.strip().upper()))


def validate_customer(payload: Mapping[str, Any]) -> Dict[str, Any]:
    errors: Dict[str, str] = {}
    email = payload.get("email")
    name = payload.get("name")
    tier = payload.get("tier", "standard")
    if not is_email(email):
        errors["email"] = "must be a valid email address"
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "is required"
    elif len(name) > 120:
        errors["name"] = "must be at most 120 characters"
    if tier not in ("standard", "silver", "gold"):
        errors["tier"] = "must be one of standard, silver, gold"
    if errors:
        raise ValidationError(errors)
    return {"email": normalize_email(email), "name": name.strip(), "tier": tier}


def validate_order_lines(lines: Any) -> List[Dict[str, Any]]:
    errors: Dict[str, str] = {}
    if not isinstance(lines, list) or not lines:
        raise ValidationError({"lines": "must be a non-empty list"})
    seen = set()
    cleaned = []
    for i, line in enumerate(lines):
        if not isinstance(line, Mapping):
            errors[f"lines[{i}]"] = "must be an object"
            continue
        sku, qty = line.get("sku"), line.get("quantity")
        if not is_sku(sku):
            errors[f"lines[{i}].sku"] = "must look like ABC-123"
        elif sku in seen:
            errors[f"lines[{i}].sku"] = "duplicate sku"
        else:
            seen.add(sku)
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QUANTITY:
            errors[f"lines[{i}].quantity"] = f"must be an integer between 1 and {MAX_QUANTITY}"
        cleaned.append({"sku": sku, "quantity": qty})
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_address(payload: Mapping[str, Any]) -> Dict[str, str]:
    errors: Dict[str, str] = {}
    country = payload.get("country")
    if country not in POSTCODE_RES:
        errors["country"] = "unsupported country"
    elif not is_postcode(country, payload.get("postcode")):
        errors["postcode"] = f"invalid postcode for {country}"
    for key in ("street", "city"):
        value = payload.get(key)
        if not isinstance(value, str) or not value.strip():
            errors[key] = "is required"
    if errors:
        raise ValidationError(errors)
    return {k: str(payload[k]).strip() for k in ("street", "city", "postcode", "country")}


PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(value: str, default_country_code: str = "49") -> str:
    """'0170 123 4567' -> '+491701234567'; raises ValidationError when it cannot."""
    digits = re.sub(r"[\s\-/().]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = f"+{default_country_code}{digits[1:]}"
    if not PHONE_RE.match(digits):
        raise ValidationError({"phone": "must be an international phone number"})
    return digits
