#!/usr/bin/env bash
# The README's test command: install what the tests need (idempotent), then typecheck and run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
