import pytest

from parcelrates import Parcel, billable_weight_g
from parcelrates.dimensions import ParcelError, volumetric_weight_g


def test_a_dense_parcel_is_billed_by_its_actual_weight():
    assert billable_weight_g(Parcel(20, 15, 10, 4200)) == 4200


def test_a_bulky_parcel_is_billed_by_its_volume():
    # 60 x 40 x 40 cm = 96 000 cm3 / 5000 = 19.2 kg
    assert billable_weight_g(Parcel(60, 40, 40, 3000)) == 19200


def test_billable_weight_rounds_up_to_100_grams():
    assert billable_weight_g(Parcel(10, 10, 10, 1201)) == 1300


def test_the_divisor_is_the_carriers_choice():
    parcel = Parcel(60, 40, 40, 1000)
    assert volumetric_weight_g(parcel, 6000) == 16000


def test_girth_is_longest_side_plus_twice_the_others():
    assert Parcel(30, 80, 20, 100).girth_cm == 80 + 2 * (30 + 20)


@pytest.mark.parametrize("dims,weight", [((0, 10, 10), 100), ((10, -1, 10), 100), ((10, 10, 10), 0)])
def test_impossible_parcels_are_refused(dims, weight):
    with pytest.raises(ParcelError):
        Parcel(*dims, weight)
