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
from app.domain.validation import ValidationError
from app.repositories import products
from app.search import SearchClient, SearchError
from app.services import catalog, exports, inventory, reports

REPORTS = {
    "status": reports.revenue_by_status,
    "tier": reports.revenue_by_tier,
    "category": reports.revenue_by_category,
    "basket": reports.units_per_order,
}


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
    feed = sub.add_parser("import-feed", help="import the supplier's CSV feed")
    feed.add_argument("path", help="CSV file, or - for stdin")
    feed.add_argument("--dry-run", action="store_true", help="validate only")
    reprice = sub.add_parser("reprice", help="change a category's prices by a percentage")
    reprice.add_argument("category")
    reprice.add_argument("percent", type=int)
    report = sub.add_parser("report", help="sales figures")
    report.add_argument("name", choices=sorted(REPORTS) + ["summary"])
    report.add_argument("--format", choices=["json", "text"], default="text")
    sub.add_parser("dormant", help="customers who never ordered")
    sub.add_parser("reindex", help="push every active product to the search index")
    return parser


def _print_report(name: str, fmt: str, conn) -> None:
    if name == "summary":
        data = {"average_order_cents": reports.average_order_value(conn),
                "stock_value_cents": reports.stock_valuation(conn),
                "dormant_customers": len(reports.dormant_customers(conn))}
    else:
        data = REPORTS[name](conn)
    if fmt == "json":
        print(json.dumps(data, indent=2, sort_keys=True, default=str))
        return
    width = max((len(str(k)) for k in data), default=0)
    for key, value in data.items():
        print(f"{str(key):<{width}}  {value}")


def _reindex(conn) -> int:
    client = SearchClient()
    client.create_index()
    count = 0
    for row in products.list_active(conn):
        client.index_product(row, refresh=False)
        count += 1
    return count


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
            elif args.command == "import-feed":
                text = sys.stdin.read() if args.path == "-" else open(args.path, encoding="utf-8").read()
                if args.dry_run:
                    print(f"{len(catalog.parse_feed(text))} rows ok")
                else:
                    result = catalog.import_feed(conn, text)
                    print(f"created={len(result.created)} updated={len(result.updated)} unchanged={result.unchanged}")
            elif args.command == "reprice":
                print(f"{catalog.reprice(conn, args.category, args.percent)} products repriced")
            elif args.command == "report":
                _print_report(args.name, args.format, conn)
            elif args.command == "dormant":
                for email in reports.dormant_customers(conn):
                    print(email)
            elif args.command == "reindex":
                print(f"{_reindex(conn)} products indexed")
    except db.DatabaseNotConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        for where, problem in sorted(exc.errors.items()):
            print(f"error: {where}: {problem}", file=sys.stderr)
        return 1
    except SearchError as exc:
        print(f"error: search: {exc}", file=sys.stderr)
        return 3
    except (inventory.InventoryError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
