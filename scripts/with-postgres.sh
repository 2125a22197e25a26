#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback, then stop and delete it.
# The command sees TEST_DATABASE_URL (and PG_ADMIN_URL for creating extra databases).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=${LMS_TEST_PGPORT:-55432}
workdir=$(mktemp -d /tmp/lms-postgres.XXXXXX)

as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[[ "$(id -u)" -eq 0 ]] && chown postgres:postgres "$workdir"

stop_server() {
  as_postgres "$PGBIN/pg_ctl" -D "$workdir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_server EXIT

as_postgres "$PGBIN/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability off: the data is thrown away, and the suite runs faster.
as_postgres "$PGBIN/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w start \
  -o "-p $PGPORT -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres lms_test

export PG_ADMIN_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/lms_test"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
"$@"
