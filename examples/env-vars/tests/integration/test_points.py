import psycopg
import pytest

from loyalty import points

pytestmark = pytest.mark.requires_postgres


def test_members_join_once_per_email_case_insensitively(conn, members):
    with pytest.raises(psycopg.errors.UniqueViolation):
        points.join(conn, "ADA@example.org", "Ada again")
    assert conn.execute("SELECT count(*) AS n FROM members").fetchone()["n"] == 3


def test_earning_is_idempotent_per_reference(conn, members):
    ada = members["ada@example.org"]
    assert points.earn(conn, ada, 4250, "order-1001") == 420
    assert points.earn(conn, ada, 4250, "order-1001") == 0
    assert points.balance(conn, ada) == 420


def test_gold_members_earn_more(conn, members):
    grace = members["grace@example.org"]
    points.earn(conn, grace, 20_000, "order-2001")  # 2000 points: gold from now on
    assert points.tier(points.lifetime(conn, grace)) == "gold"
    assert points.earn(conn, grace, 1_000, "order-2002") == 150


def test_redeeming_debits_the_balance(conn, members):
    linus = members["linus@example.org"]
    points.earn(conn, linus, 10_000, "order-3001")
    assert points.redeem(conn, linus, 300, "voucher") == 700
    assert points.balance(conn, linus) == 700
    assert points.lifetime(conn, linus) == 1000


def test_cannot_redeem_more_than_the_balance(conn, members):
    ada = members["ada@example.org"]
    points.earn(conn, ada, 500, "order-1002")
    with pytest.raises(points.PointsError, match="balance is 50, cannot redeem 60"):
        points.redeem(conn, ada, 60, "voucher")


def test_leaderboard_ranks_every_member_by_points_earned(conn, members):
    points.earn(conn, members["grace@example.org"], 9_900, "o-1")
    points.earn(conn, members["linus@example.org"], 9_900, "o-2")
    points.earn(conn, members["ada@example.org"], 1_000, "o-3")
    points.redeem(conn, members["grace@example.org"], 500, "voucher")  # spending does not lower the rank
    board = points.leaderboard(conn)
    assert [(r["email"], r["earned"]) for r in board] == [
        ("grace@example.org", 990), ("linus@example.org", 990), ("ada@example.org", 100)]


def test_unknown_members_are_reported(conn, members):
    assert points.member_id(conn, "Grace@Example.org") == members["grace@example.org"]
    with pytest.raises(points.PointsError, match="no member"):
        points.member_id(conn, "nobody@example.org")
