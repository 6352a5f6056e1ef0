"""The operator jobs connect through libpq's PG* variables (psycopg.connect("")): given the same
database in those variables, they see what the app wrote."""

import pytest

from loyalty import maintenance, points

pytestmark = pytest.mark.requires_postgres


def test_stats_reach_the_apps_database_through_libpq_variables(conn, members, libpq_env):
    points.earn(conn, members["ada@example.org"], 3_000, "order-9")
    stats = maintenance.table_stats()
    assert stats == {"members": 3, "ledger_entries": 1, "outstanding_points": 300,
                     "database": libpq_env["dbname"]}


def test_unspent_old_points_expire_and_spent_ones_do_not(conn, members, libpq_env):
    ada, grace = members["ada@example.org"], members["grace@example.org"]
    conn.execute("INSERT INTO ledger (member_id, points, reason, at) VALUES"
                 " (%s, 800, 'purchase', '2022-05-01'), (%s, 300, 'purchase', '2022-06-01')", (ada, grace))
    points.redeem(conn, ada, 500, "voucher")
    points.earn(conn, grace, 2_000, "fresh-order")
    assert maintenance.expire_points("2023-01-01") == 300 + 300
    assert points.balance(conn, ada) == 0
    assert points.balance(conn, grace) == 200


def test_the_command_line_prints_the_stats(conn, members, libpq_env, capsys):
    assert maintenance.main(["stats"]) == 0
    assert "members: 3" in capsys.readouterr().out
    assert maintenance.main(["bogus"]) == 2
