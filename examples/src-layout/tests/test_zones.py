import pytest

from parcelrates.zones import ZoneError, zone


@pytest.mark.parametrize(
    "country,postcode,expected",
    [("DE", "10115", "domestic"), ("de", "18565", "island"), ("FR", "75001", "eu"), ("US", "10001", "world")],
)
def test_zones(country, postcode, expected):
    assert zone(country, postcode) == expected


@pytest.mark.parametrize("country,postcode", [("DEU", "10115"), ("D1", "10115"), ("DE", "1011"), ("DE", "ABCDE")])
def test_bad_addresses_are_refused(country, postcode):
    with pytest.raises(ZoneError):
        zone(country, postcode)
