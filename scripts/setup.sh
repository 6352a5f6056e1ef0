#!/usr/bin/env bash
# Installs what the tests need, idempotently, on a fresh Debian machine:
#   PostgreSQL and Redis (Debian packages; the tests start their own throwaway servers),
#   the search-node launchers in test/search-nodes (Maven, from Maven Central; the tests start one
#   Elasticsearch and one OpenSearch node from them),
#   .venv with the example backend's pinned test stack (pytest, pytest-xdist, pytest-cov, coverage, psycopg),
#   npm packages (npm ci). package.json pins rollup (vitest's bundler) through "overrides" to a
#   version whose every platform package the registry serves: without it the lockfile lacks them and
#   `npm ci` refuses to run.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own servers; the packages' own services are not needed.
  as_root service redis-server stop >/dev/null 2>&1 || true
fi

if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  echo "setup: installing Maven and a JDK from Debian"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends maven default-jdk-headless >/dev/null
fi

# Rebuilt only when a pom or a source is newer than the stamp the last build left.
nodes=test/search-nodes
if [ ! -f "$nodes/target/built" ] || [ -n "$(find "$nodes" -path "$nodes/*/target" -prune -o -path "$nodes/target" -prune -o -type f -newer "$nodes/target/built" -print -quit)" ]; then
  echo "setup: building the search-node launchers ($nodes)"
  (cd "$nodes" && mvn -B -q clean package)
  mkdir -p "$nodes/target" && touch "$nodes/target/built"
fi

req=examples/backend/requirements-test.txt
stamp=.venv/.backend-ci-requirements
if [ ! -x .venv/bin/python ] || ! cmp -s "$req" "$stamp" 2>/dev/null || ! cmp -s examples/backend/requirements.txt "$stamp.base" 2>/dev/null; then
  echo "setup: creating .venv with $req"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
  cp examples/backend/requirements.txt "$stamp.base"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

# One venv per example backend, made by running its own install plan (scripts/example-venvs.ts).
npx tsx scripts/example-venvs.ts
