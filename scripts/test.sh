#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint and format check, type check, every test on SQLite,
# then every database-touching test again on PostgreSQL (found or installed by ensure-postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
results=.test-artifacts
mkdir -p "$results"
rm -f "$results"/*.json

echo "== lint and format (biome)"
npx biome check .
echo "== type check (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

echo "== tests on SQLite"
if chromium_path=$(bash scripts/ensure-chromium.sh); then
  export CHROMIUM_PATH="$chromium_path"
elif [ -n "${CI:-}" ]; then
  echo "Chromium could not be found or installed: CI requires the browser tests" >&2
  exit 1
else
  echo "WARNING: no Chromium available; the browser tests will be skipped" >&2
fi
if nginx_path=$(bash scripts/ensure-nginx.sh); then
  export NGINX_PATH="$nginx_path"
elif [ -n "${CI:-}" ]; then
  echo "nginx could not be found or installed: CI requires the gateway integration test" >&2
  exit 1
else
  echo "WARNING: no nginx available; the nginx gateway test will be skipped" >&2
fi
echo "== build the dashboard and the one-file server (the browser and process tests run them)"
npm run build -w @tessera/web
npm run bundle -w @tessera/server
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/sqlite.json"

echo "== tests on PostgreSQL"
if url=$(bash scripts/ensure-postgres.sh); then
  TESSERA_TEST_DATABASE_URL="$url" npx vitest run packages/server \
    --reporter=default --reporter=json --outputFile.json="$results/postgres.json"
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL could not be found or installed: CI requires both databases" >&2
  exit 1
else
  echo "WARNING: no PostgreSQL available; ran the suite on SQLite only" >&2
fi

node scripts/summarise-tests.mjs "$results"/*.json
