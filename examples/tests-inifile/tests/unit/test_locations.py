import pytest

from warehouse.locations import BadLocation, Location, walk_order


@pytest.mark.parametrize("code,expected", [("A-03-2", ("A", 3, 2)), ("b-12-1", ("B", 12, 1)), (" C-01-9 ", ("C", 1, 9))])
def test_bin_codes_parse(code, expected):
    loc = Location.parse(code)
    assert (loc.aisle, loc.rack, loc.shelf) == expected


@pytest.mark.parametrize("code", ["A-3-2", "AA-03-2", "A-03", "A-00-1", "A-01-0", ""])
def test_malformed_bin_codes_are_refused(code):
    with pytest.raises(BadLocation):
        Location.parse(code)


def test_codes_are_normalised():
    assert Location.parse("a-07-3").code == "A-07-3"


def test_pickers_walk_up_even_aisles_and_down_odd_ones():
    codes = ["B-01-1", "A-05-1", "B-09-2", "A-01-3", "C-02-1"]
    assert walk_order(codes) == ["A-01-3", "A-05-1", "B-09-2", "B-01-1", "C-02-1"]


def test_shelves_of_one_rack_go_bottom_up():
    assert walk_order(["A-02-3", "A-02-1", "A-02-2"]) == ["A-02-1", "A-02-2", "A-02-3"]
