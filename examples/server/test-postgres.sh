#!/usr/bin/env bash
# Runs the server's integration tests against a real PostgreSQL: installs Debian's
# postgresql when missing, starts a throw-away cluster on a loopback port, runs the tests,
# stops the cluster. Run as root (CI) or as a user that can run initdb.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data=$(mktemp -d "${TMPDIR:-/tmp}/windeep-pg.XXXXXX")
port=${WINDEEP_PG_PORT:-55432}
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$data"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
stop() { "${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -m immediate stop >/dev/null || true; rm -rf "$data"; }
trap stop EXIT

WINDEEP_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres" \
  cargo test -p windeep-server --test api --test concurrency --test roles --test portal "$@"
