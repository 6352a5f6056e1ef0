import random

import pytest

from app.services import notifications
from tests import factories

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


EVENTS = sorted(notifications.SUBJECTS)


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_every_line(event):
    rng = random.Random(event)
    for n in range(150):
        items = [{"name": f"Item {s}", "quantity": q, "unit_price_cents": p} for s, p, q in factories.cart(rng)]
        total = sum(i["quantity"] * i["unit_price_cents"] for i in items)
        customer = {"name": factories.name(rng), "email": factories.email(rng)}
        email = notifications.render(event, customer, f"SO-202406-{n:06d}", items, total)
        lines = email.body.splitlines()
        assert lines[0] == f"Hello {customer['name']},"
        assert sum(1 for l in lines if l.startswith("  ")) == len(items)
        assert lines[-3].startswith("Total: €")
        assert notifications.audit_line(email).endswith(f"bytes={len(email.body.encode())}")
        assert customer["email"] not in notifications.audit_line(email)


def test_unknown_event():
    with pytest.raises(ValueError, match="unknown event"):
        notifications.render("refunded", ALICE, "SO-1", ITEMS, 1)
