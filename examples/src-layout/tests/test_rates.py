from parcelrates import Parcel, cheapest, quote
from parcelrates.rates import carriers, price_table, rate_card

SMALL = Parcel(20, 15, 5, 800)
BULKY = Parcel(70, 50, 50, 4000)  # 35 kg volumetric


def test_the_rate_card_ships_inside_the_package():
    assert len(rate_card()) == 13
    assert carriers() == ["parcelnet", "swiftpost"]


def test_quote_picks_the_first_band_the_weight_fits():
    assert quote(SMALL, "swiftpost", "DE", "10115").price_cents == 499
    assert quote(Parcel(30, 30, 30, 6000), "swiftpost", "DE", "10115").price_cents == 999


def test_cheapest_compares_carriers():
    best = cheapest(SMALL, "DE", "10115")
    assert (best.carrier, best.price_cents) == ("parcelnet", 389)


def test_a_carrier_without_the_zone_gives_no_quote():
    assert quote(SMALL, "parcelnet", "DE", "18565") is None
    assert cheapest(SMALL, "DE", "18565").carrier == "swiftpost"


def test_too_heavy_or_too_large_gives_no_quote():
    assert cheapest(BULKY, "DE", "10115") is None
    wide_board = Parcel(150, 30, 30, 900)  # girth 270 cm: over parcelnet's 250, within swiftpost's 300
    assert price_table(wide_board, "DE", "10115") == {"parcelnet": None, "swiftpost": 1699}
