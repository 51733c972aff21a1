#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when a fresh machine lacks them, and makes sure
# a local PostgreSQL is running (the evidence store is tested against SQLite and PostgreSQL).
#
# PostgreSQL: the tests connect to OPPVEKST_TEST_PG_URL, by default
# postgresql+psycopg2://postgres@127.0.0.1:5432/test. When that variable is not set, this script
# makes the default work: it starts the newest cluster, lets the `postgres` role connect from
# 127.0.0.1 without a password (only if it cannot already; one pg_hba.conf line, root only) and
# creates the database `test`. It never changes a server that already accepts the connection.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need[*]} (run as root or install them)" >&2
  fi
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
  exit 0
fi
ver=$(ls /etc/postgresql | sort -V | tail -1)
if [ -z "$ver" ]; then
  exit 0
fi
if ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 2>/dev/null && break; sleep 0.5; done
fi

if [ -z "${OPPVEKST_TEST_PG_URL:-}" ] && pg_isready -q -h 127.0.0.1 2>/dev/null; then
  can_connect() { psql -h 127.0.0.1 -U postgres -d postgres -w -Atqc 'select 1' >/dev/null 2>&1; }
  if ! can_connect && [ "$(id -u)" = 0 ]; then
    hba="/etc/postgresql/$ver/main/pg_hba.conf"
    tmp=$(mktemp)
    { echo "host all postgres 127.0.0.1/32 trust  # scripts/system-deps.sh: test suite"; cat "$hba"; } > "$tmp"
    cat "$tmp" > "$hba" && rm -f "$tmp"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true
    sleep 1
  fi
  if can_connect; then
    exists=$(psql -h 127.0.0.1 -U postgres -d postgres -w -Atqc "select 1 from pg_database where datname = 'test'")
    [ "$exists" = 1 ] || createdb -h 127.0.0.1 -U postgres -w test
  else
    echo "PostgreSQL at 127.0.0.1 does not accept user postgres; set OPPVEKST_TEST_PG_URL" >&2
  fi
fi
exit 0
