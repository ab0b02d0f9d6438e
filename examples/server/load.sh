#!/usr/bin/env bash
# The server's load figures (BENCHMARKS.md): the `load` example on a fresh SQLite file and on a
# throw-away PostgreSQL cluster on a loopback port (Debian's postgresql, started as
# test-postgres.sh starts it), with the same arguments.
#   examples/server/load.sh [loans] [clients] [payments]
set -euo pipefail
cd "$(dirname "$0")/../.."
loans=${1:-1000}
clients=${2:-100}
payments=${3:-20000}

CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  cargo build -q --release -p windeep-server --example load
load=target/release/examples/load

echo "== SQLite"
"$load" "$loans" "$clients" "$payments"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "== PostgreSQL: not installed (apt-get install postgresql), skipped"
  exit 0
fi
data=$(mktemp -d "${TMPDIR:-/tmp}/windeep-pg.XXXXXX")
port=${WINDEEP_PG_PORT:-55433}
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$data"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
# Durable commits (fsync and synchronous_commit at their defaults): an acknowledged payment is
# on disk, as on SQLite.
"${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
stop() { "${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -m fast stop >/dev/null || true; rm -rf "$data"; }
trap stop EXIT
echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}')"
"$load" "$loans" "$clients" "$payments" "postgres://postgres@127.0.0.1:$port/postgres"
