import pytest

from app import db, migrate

pytestmark = pytest.mark.requires_postgres

TABLES = ["customers", "products", "orders", "order_items", "stock_movements", "schema_version"]


@pytest.mark.parametrize("table", TABLES)
def test_table_exists(conn, table):
    assert db.table_exists(conn, table)


def test_migrate_is_idempotent(conn):
    migrate.apply(conn)
    migrate.apply(conn)
    assert conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()["v"] == 3


def test_migrate_main(database_url, capsys):
    assert migrate.main() == 0
    assert "schema applied" in capsys.readouterr().out


def test_migrate_main_without_url(monkeypatch, capsys):
    monkeypatch.setattr("app.settings.DATABASE_URL", "")
    assert migrate.main() == 2
    assert "DATABASE_URL is not set" in capsys.readouterr().err


def test_connect_without_url(monkeypatch):
    monkeypatch.setattr("app.settings.DATABASE_URL", "")
    with pytest.raises(db.DatabaseNotConfigured):
        db.connect()


@pytest.mark.parametrize(
    "table, column, target",
    [("orders", "customer_id", "customers"), ("order_items", "order_id", "orders"),
     ("order_items", "product_id", "products"), ("stock_movements", "product_id", "products")],
)
def test_foreign_keys(conn, table, column, target):
    row = conn.execute(
        """
        SELECT ccu.table_name AS target FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
        JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
        WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = %s AND kcu.column_name = %s
        """,
        (table, column),
    ).fetchone()
    assert row["target"] == target


def test_transaction_helper_rolls_back(conn):
    with pytest.raises(RuntimeError):
        with db.transaction(conn) as cur:
            cur.execute("INSERT INTO customers (email, name) VALUES ('tx@example.com', 'Tx')")
            raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) AS n FROM customers WHERE email = 'tx@example.com'").fetchone()["n"] == 0
