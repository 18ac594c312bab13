#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster (Debian's `postgresql` package) and creates
# the role and database the tests use: role `streamproc` (password `streamproc`,
# CREATEDB), database `streamproc_test`. Idempotent. Needs root (or the postgres user).
# The tests find the server through
#   STREAMPROC_TEST_POSTGRES=postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test
set -euo pipefail
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  echo "no PostgreSQL 15 cluster 'main': install Debian's postgresql package" >&2
  exit 1
fi
pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
as_postgres psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'streamproc') THEN
    CREATE ROLE streamproc LOGIN PASSWORD 'streamproc' CREATEDB;
  END IF;
END $$;
SQL
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'streamproc_test'" | grep -q 1; then
  as_postgres createdb -O streamproc streamproc_test
fi
echo "PostgreSQL ready: postgres://streamproc:…@127.0.0.1:5432/streamproc_test"
