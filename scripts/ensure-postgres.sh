#!/usr/bin/env bash
# Prints a PostgreSQL URL the test suite may use (a server database it can create databases in).
# Order: $TESSERA_TEST_DATABASE_URL; a local server on 127.0.0.1:5432 that answers; otherwise,
# as root with apt-get, Debian's postgresql is installed and started. Exit 1 when none can be had.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "ensure-postgres: $*" >&2; }
probe() { node "$here/probe-postgres.mjs" "$1" 2>/dev/null; }

if [ -n "${TESSERA_TEST_DATABASE_URL:-}" ]; then
  probe "$TESSERA_TEST_DATABASE_URL" && { echo "$TESSERA_TEST_DATABASE_URL"; exit 0; }
  log "TESSERA_TEST_DATABASE_URL is set but does not answer"; exit 1
fi

for url in "postgres://postgres@127.0.0.1:5432/postgres" "postgres://postgres:tessera@127.0.0.1:5432/postgres"; do
  probe "$url" && { echo "$url"; exit 0; }
done

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "no PostgreSQL answers on 127.0.0.1:5432 and this user cannot install one"; exit 1
fi

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
log "starting PostgreSQL $version"
pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>&1 || true
for _ in $(seq 1 30); do
  if su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
# Debian's default asks TCP clients for a password: give the superuser a test-only one.
su postgres -c "psql -qc \"alter user postgres password 'tessera'\"" >&2
url="postgres://postgres:tessera@127.0.0.1:5432/postgres"
probe "$url" && { echo "$url"; exit 0; }
log "PostgreSQL was started but does not answer on 127.0.0.1:5432"; exit 1
