"""Validation over generated payloads: a few hundred well-formed and broken inputs per test."""

import random
import string

import pytest

from app.domain import validation as v
from app.domain.validation import MAX_QUANTITY, ValidationError
from tests import factories

CASES = 450

EMAIL_DEFECTS = {
    "no-at": lambda rng, e: e.replace("@", ""),
    "two-ats": lambda rng, e: e.replace("@", "@@"),
    "no-tld": lambda rng, e: e.split("@")[0] + "@" + e.split("@")[1].split(".")[0],
    "space": lambda rng, e: e[:1] + " " + e[1:],
    "empty-local": lambda rng, e: "@" + e.split("@")[1],
    "one-letter-tld": lambda rng, e: e.rsplit(".", 1)[0] + "." + rng.choice(string.ascii_lowercase),
    "digit-tld": lambda rng, e: e + str(rng.randint(0, 9)),
    "too-long": lambda rng, e: "x" * 250 + e,
    "dot-domain": lambda rng, e: e.split("@")[0] + "@." + e.split("@")[1],
}

VALID_POSTCODES = {
    "DE": lambda rng: f"{rng.randint(0, 99999):05d}",
    "FR": lambda rng: f"{rng.randint(0, 99999):05d}",
    "NL": lambda rng: f"{rng.randint(1000, 9999)}{rng.choice(['', ' '])}{rng.choice(string.ascii_letters)}{rng.choice(string.ascii_letters)}",
    "LU": lambda rng: f"{rng.choice(['', 'L-'])}{rng.randint(0, 9999):04d}",
    "GB": lambda rng: f"{rng.choice(['SW', 'EC', 'N', 'M'])}{rng.randint(1, 9)}{rng.choice(['', 'A'])} {rng.randint(0, 9)}{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}",
    "CH": lambda rng: f"{rng.randint(1000, 9999)}",
}


@pytest.mark.parametrize("seed", range(3))
def test_generated_emails_are_valid(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        address = factories.email(rng)
        assert v.is_email(address), address
        assert v.is_email(v.normalize_email(address.upper()))


@pytest.mark.parametrize("defect", sorted(EMAIL_DEFECTS))
def test_broken_emails_are_rejected(defect):
    rng = random.Random(defect)
    for _ in range(CASES):
        broken = EMAIL_DEFECTS[defect](rng, factories.email(rng))
        assert not v.is_email(broken), broken


@pytest.mark.parametrize("seed", range(2))
def test_normalize_email_lowercases_only_the_domain(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        local, dom = factories.local_part(rng), factories.domain(rng).upper()
        assert v.normalize_email(f"  {local}@{dom} ") == f"{local}@{dom.lower()}"


@pytest.mark.parametrize("seed", range(2))
def test_generated_skus(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        good = factories.sku(rng)
        assert v.is_sku(good)
        prefix, digits = good.split("-")
        assert not v.is_sku(good.lower())
        assert not v.is_sku(prefix + digits)
        assert not v.is_sku(f"{prefix}-{digits}{rng.randint(0, 9)}" if len(digits) == 6 else f"{prefix}-{digits[:2]}")


@pytest.mark.parametrize("country", sorted(VALID_POSTCODES))
def test_postcodes_per_country(country):
    rng = random.Random(country)
    others = [c for c in VALID_POSTCODES if c != country]
    for _ in range(CASES):
        code = VALID_POSTCODES[country](rng)
        assert v.is_postcode(country, code), code
        assert v.is_postcode(country, f" {code.lower()} ")
        assert not v.is_postcode(country, code + "9Z")
        assert not v.is_postcode("US", code)
        other = VALID_POSTCODES[rng.choice(others)](rng)
        assert isinstance(v.is_postcode(country, other), bool)


def _order_lines(rng):
    """Lines with defects sprinkled in, and the error keys the validator must report."""
    lines, expected, seen = [], set(), set()
    for i in range(rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.05:
            lines.append(rng.choice(["MUG-001", 3, None]))
            expected.add(f"lines[{i}]")
            continue
        sku = factories.sku(rng)
        if roll < 0.15:
            sku = sku.lower()
            expected.add(f"lines[{i}].sku")
        elif roll < 0.22 and seen:
            sku = rng.choice(sorted(seen))
            expected.add(f"lines[{i}].sku")
        elif sku in seen:
            expected.add(f"lines[{i}].sku")
        else:
            seen.add(sku)
        qty = rng.randint(1, MAX_QUANTITY)
        if rng.random() < 0.12:
            qty = rng.choice([0, -1, MAX_QUANTITY + 1, True, "2", 1.5, None])
            expected.add(f"lines[{i}].quantity")
        lines.append({"sku": sku, "quantity": qty})
    return lines, expected


@pytest.mark.parametrize("seed", range(5))
def test_order_lines_report_exactly_the_broken_fields(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        lines, expected = _order_lines(rng)
        if expected:
            with pytest.raises(ValidationError) as info:
                v.validate_order_lines(lines)
            assert set(info.value.errors) == expected, lines
        else:
            assert v.validate_order_lines(lines) == lines


@pytest.mark.parametrize("seed", range(3))
def test_customer_payloads(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        payload = {"email": factories.email(rng), "name": factories.name(rng), "tier": rng.choice(factories.TIERS)}
        expected = set()
        if rng.random() < 0.25:
            payload["email"] = EMAIL_DEFECTS[rng.choice(sorted(EMAIL_DEFECTS))](rng, payload["email"])
            expected.add("email")
        if rng.random() < 0.15:
            payload["name"] = rng.choice(["", "   ", None, "x" * 121])
            expected.add("name")
        if rng.random() < 0.1:
            payload["tier"] = rng.choice(["platinum", "", None, "Gold"])
            expected.add("tier")
        if expected:
            with pytest.raises(ValidationError) as info:
                v.validate_customer(payload)
            assert set(info.value.errors) == expected
        else:
            clean = v.validate_customer(payload)
            assert clean["name"] == payload["name"].strip() and clean["tier"] == payload["tier"]


@pytest.mark.parametrize("country", ["DE", "NL", "GB"])
def test_addresses(country):
    rng = random.Random(f"address-{country}")
    for _ in range(CASES):
        payload = {"street": f"{rng.randint(1, 200)} {rng.choice(['Main St', 'Hauptstraße', 'Rue de la Paix'])}",
                   "city": rng.choice(["Berlin", "Paris", "Utrecht", "Zürich"]),
                   "postcode": VALID_POSTCODES[country](rng), "country": country}
        if rng.random() < 0.3:
            payload[rng.choice(["street", "city"])] = rng.choice(["", "  ", None])
            with pytest.raises(ValidationError):
                v.validate_address(payload)
        else:
            assert v.validate_address(payload)["country"] == country


@pytest.mark.parametrize("seed", range(2))
def test_phone_numbers(seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(7, 11)))
        digits = str(rng.randint(1, 9)) + digits[1:]
        spaced = " ".join(digits[i:i + 3] for i in range(0, len(digits), 3))
        assert v.normalize_phone("0" + spaced) == "+49" + digits
        assert v.normalize_phone("+44 " + spaced) == "+44" + digits
        assert v.normalize_phone("0033-" + digits) == "+33" + digits
        with pytest.raises(ValidationError):
            v.normalize_phone(spaced[:3])
