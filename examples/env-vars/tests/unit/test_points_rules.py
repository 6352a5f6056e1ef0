import pytest

from loyalty.points import PointsError, points_for, tier


@pytest.mark.parametrize("lifetime,expected", [(0, "member"), (499, "member"), (500, "silver"), (2000, "gold"),
                                               (4999, "gold"), (5000, "platinum")])
def test_tiers_by_lifetime_points(lifetime, expected):
    assert tier(lifetime) == expected


@pytest.mark.parametrize("cents,current,expected", [(1999, "member", 190), (1999, "silver", 190), (1999, "gold", 285),
                                                    (1999, "platinum", 380), (99, "platinum", 0)])
def test_points_per_whole_euro_with_tier_multipliers(cents, current, expected):
    assert points_for(cents, current) == expected


def test_refunds_do_not_earn():
    with pytest.raises(PointsError):
        points_for(-500)
