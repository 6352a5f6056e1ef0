import pytest

from app.services import notifications

ALICE = {"name": "Alice", "email": "alice@example.com"}
ITEMS = [{"name": "Blue Mug", "quantity": 2, "unit_price_cents": 1250},
         {"name": "Logo Tee", "quantity": 1, "unit_price_cents": 1999}]


@pytest.mark.parametrize(
    "event, subject",
    [("placed", "We received your order SO-202406-000001"),
     ("shipped", "Your order SO-202406-000001 is on its way")],
)
def test_subjects(event, subject):
    email = notifications.render(event, ALICE, "SO-202406-000001", ITEMS, 4499)
    assert email.subject == subject
    assert email.to == "alice@example.com"


def test_placed_body_lists_items_and_total():
    body = notifications.render("placed", ALICE, "SO-1", ITEMS, 4499).body
    assert "3 items" in body
    assert "2 x Blue Mug" in body and "€25.00" in body
    assert body.splitlines()[-3] == "Total: €44.99"


def test_audit_line_masks_address():
    email = notifications.render("placed", ALICE, "SO-1", ITEMS[:1], 2500)
    assert notifications.audit_line(email).startswith("mail to=a***e@example.com subject=")
