#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster on 127.0.0.1:5432 and creates the test database that the
# store's PostgreSQL suite uses (TEST_PG_URL defaults to it). Idempotent.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^${version} main"; then
  pg_createcluster "$version" main
fi
pg_ctlcluster "$version" main start || true
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cityplane_test') THEN
    CREATE ROLE cityplane_test LOGIN PASSWORD 'cityplane_test' CREATEDB;
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='cityplane_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O cityplane_test cityplane_test"
echo "PostgreSQL ${version} ready on 127.0.0.1:5432"
