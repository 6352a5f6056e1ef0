import psycopg
import pytest

from app.repositories import customers

from .conftest import ALL_CUSTOMERS

EMAILS = sorted(email for email, _, _ in ALL_CUSTOMERS)


def emails_with(tier):
    return sorted(email for email, _, t in ALL_CUSTOMERS if t == tier)

pytestmark = pytest.mark.requires_postgres


def test_seeded_customers_are_all_there(conn, seed):
    assert customers.count(conn) == len(ALL_CUSTOMERS) == 27


@pytest.mark.parametrize("email", ["alice@example.com", "bob@example.com", "carol@example.com"])
def test_by_email(conn, seed, email):
    row = customers.by_email(conn, email)
    assert row["id"] == seed["customers"][email]["id"]


def test_by_email_missing(conn, seed):
    assert customers.by_email(conn, "nobody@example.com") is None


def test_email_is_unique(conn, seed):
    with pytest.raises(psycopg.errors.UniqueViolation):
        customers.create(conn, "alice@example.com", "Another Alice")


def test_create_and_get(conn, seed):
    dave = customers.create(conn, "dave@example.com", "Dave Grohl")
    assert customers.get(conn, dave["id"])["name"] == "Dave Grohl"
    assert dave["tier"] == "standard"
    assert customers.count(conn) == len(ALL_CUSTOMERS) + 1


def test_list_all_ordered_by_email(conn, seed):
    assert [c["email"] for c in customers.list_all(conn)] == EMAILS


@pytest.mark.parametrize(
    "tier, named, size",
    [("gold", "alice@example.com", 3), ("silver", "carol@example.com", 7), ("standard", "bob@example.com", 17)],
)
def test_list_by_tier(conn, seed, tier, named, size):
    listed = [c["email"] for c in customers.list_all(conn, tier)]
    assert listed == emails_with(tier)
    assert named in listed and len(listed) == size


def test_set_tier(conn, bob):
    assert customers.set_tier(conn, bob["id"], "gold")
    assert [c["email"] for c in customers.list_all(conn, "gold")] == sorted(emails_with("gold") + ["bob@example.com"])


def test_set_tier_unknown_customer(conn, seed):
    assert not customers.set_tier(conn, 10**9, "gold")


def test_tier_is_checked(conn, bob):
    with pytest.raises(psycopg.errors.CheckViolation):
        customers.set_tier(conn, bob["id"], "platinum")


def test_delete_customer_without_orders(conn, carol):
    assert customers.delete(conn, carol["id"])
    assert customers.count(conn) == len(ALL_CUSTOMERS) - 1


def test_cannot_delete_customer_with_orders(conn, alice, seed):
    conn.execute("INSERT INTO orders (customer_id) VALUES (%s)", (alice["id"],))
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        customers.delete(conn, alice["id"])


def test_get_missing(conn, seed):
    assert customers.get(conn, 10**9) is None
