"""Back-office commands: `python -m app.cli <command>`.

Thin wrappers over the services, used by operators; exercised by hand rather than by the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from app import db
from app.api import serializers
from app.repositories import customers
from app.services import exports, inventory, reports


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-customer", help="create a customer")
    add.add_argument("email")
    add.add_argument("name")
    add.add_argument("--tier", default="standard", choices=["standard", "silver", "gold"])
    restock = sub.add_parser("restock", help="add stock to a product")
    restock.add_argument("sku")
    restock.add_argument("quantity", type=int)
    low = sub.add_parser("low-stock", help="list products running out")
    low.add_argument("--threshold", type=int, default=5)
    sub.add_parser("revenue", help="revenue per order status")
    export = sub.add_parser("export-orders", help="orders as CSV on stdout")
    export.add_argument("--status", default=None)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with db.connect(autocommit=True) as conn:
            if args.command == "add-customer":
                row = customers.create(conn, args.email, args.name, args.tier)
                print(serializers.dumps(serializers.customer(row)))
            elif args.command == "restock":
                print(inventory.restock(conn, args.sku, args.quantity, "cli"))
            elif args.command == "low-stock":
                for sku in inventory.low_stock(conn, args.threshold):
                    print(sku)
            elif args.command == "revenue":
                print(json.dumps(reports.revenue_by_status(conn), indent=2))
            elif args.command == "export-orders":
                sys.stdout.write(exports.orders_csv(conn, status=args.status))
    except db.DatabaseNotConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (inventory.InventoryError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
