import pytest

from warehouse import stock

pytestmark = pytest.mark.requires_postgres


def test_receiving_into_the_same_bin_adds_up(conn):
    stock.receive(conn, "MUG-BLUE", "A-01-1", 5)
    stock.receive(conn, "MUG-BLUE", "a-01-1", 7)
    assert stock.on_hand(conn, "MUG-BLUE") == 12
    assert conn.execute("SELECT count(*) AS n FROM stock").fetchone()["n"] == 1


def test_totals_cover_every_stocked_sku(conn):
    stock.receive(conn, "MUG-BLUE", "A-01-1", 5)
    stock.receive(conn, "MUG-RED", "A-01-2", 3)
    stock.receive(conn, "MUG-RED", "B-04-1", 4)
    assert stock.totals(conn) == {"MUG-BLUE": 5, "MUG-RED": 7}


def test_moving_stock_keeps_the_total(conn):
    stock.receive(conn, "CAP-LOGO", "C-02-1", 10)
    stock.move(conn, "CAP-LOGO", "C-02-1", "A-09-3", 4)
    assert stock.on_hand(conn, "CAP-LOGO") == 10
    rows = conn.execute("SELECT location, quantity FROM stock WHERE sku = 'CAP-LOGO' ORDER BY location").fetchall()
    assert [(r["location"], r["quantity"]) for r in rows] == [("A-09-3", 4), ("C-02-1", 6)]


def test_cannot_move_more_than_the_bin_holds(conn):
    stock.receive(conn, "PEN-GEL", "A-01-1", 2)
    with pytest.raises(stock.StockError, match="not enough PEN-GEL"):
        stock.move(conn, "PEN-GEL", "A-01-1", "A-01-2", 3)
    assert stock.on_hand(conn, "PEN-GEL") == 2


def test_a_sku_is_registered_once(conn):
    import psycopg

    with pytest.raises(psycopg.errors.UniqueViolation):
        stock.add_item(conn, "MUG-BLUE", "Blue mug again")


def test_pick_list_takes_fullest_bins_first_in_walking_order(conn):
    stock.receive(conn, "MUG-BLUE", "B-03-1", 2)
    stock.receive(conn, "MUG-BLUE", "A-07-1", 9)
    stock.receive(conn, "MUG-RED", "B-08-2", 6)
    picks = stock.pick_list(conn, {"MUG-BLUE": 10, "MUG-RED": 1})
    assert picks == [
        {"sku": "MUG-BLUE", "location": "A-07-1", "quantity": 9},
        {"sku": "MUG-RED", "location": "B-08-2", "quantity": 1},
        {"sku": "MUG-BLUE", "location": "B-03-1", "quantity": 1},
    ]


def test_a_short_pick_names_the_shortfall(conn):
    stock.receive(conn, "CAP-LOGO", "A-01-1", 1)
    with pytest.raises(stock.StockError, match="short 2 of CAP-LOGO"):
        stock.pick_list(conn, {"CAP-LOGO": 3})
