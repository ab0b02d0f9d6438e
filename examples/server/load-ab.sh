#!/usr/bin/env bash
# Before/after load figures in one run (BENCHMARKS.md): two builds of the `load` example run as
# alternating pairs (before, after, before, after …) on fresh SQLite files and, when Debian's
# postgresql is installed, on fresh databases of one throw-away cluster (durable commits:
# fsync and synchronous_commit at their defaults). Each run is timed with /usr/bin/time -v
# (user + sys CPU beside wall time) and preceded by the load average.
#   examples/server/load-ab.sh BEFORE AFTER [pairs] [loans] [clients] [payments] [pg-payments]
# SQLITE_ONLY=1 skips PostgreSQL. BEFORE and AFTER are paths to `load` binaries, e.g. built from two commits with
#   cargo build --release -p windeep-server --example load   (target/release/examples/load)
set -euo pipefail
before=$1 after=$2
pairs=${3:-2}
loans=${4:-1000}
clients=${5:-100}
payments=${6:-10000}
pg_payments=${7:-$payments}

run() { # label binary args…
  local label=$1 bin=$2; shift 2
  echo "== $label: $(uptime | sed 's/.*load average/load average/')"
  RUST_LOG=windeep_server::eod=info /usr/bin/time -v "$bin" "$@" 2>&1 |
    grep -E "opened|payments/s|read back|check:|eod: end|end of day|User time|System time|Elapsed" |
    sed -E 's/^.*INFO windeep_server::eod: //'
}

echo "#### SQLite: $loans loans, $clients clients, $payments payments"
for i in $(seq "$pairs"); do
  run "before $i" "$before" "$loans" "$clients" "$payments"
  run "after $i" "$after" "$loans" "$clients" "$payments"
done

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ "${SQLITE_ONLY:-}" = 1 ]; then
  exit 0
fi
if [ -z "$bin" ]; then
  echo "#### PostgreSQL: not installed (apt-get install postgresql), skipped"
  exit 0
fi
data=$(mktemp -d "${TMPDIR:-/tmp}/windeep-pg.XXXXXX")
port=${WINDEEP_PG_PORT:-55434}
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$data"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
stop() { "${as_pg[@]}" "$bin/pg_ctl" -D "$data/db" -m fast stop >/dev/null || true; rm -rf "$data"; }
trap stop EXIT
echo "#### PostgreSQL $("$bin/postgres" --version | awk '{print $3}'): $loans loans, $clients clients, $pg_payments payments"
n=0
for i in $(seq "$pairs"); do
  for v in before after; do
    n=$((n + 1))
    "${as_pg[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE run$n" postgres
    if [ $v = before ]; then b=$before; else b=$after; fi
    run "$v $i" "$b" "$loans" "$clients" "$pg_payments" "postgres://postgres@127.0.0.1:$port/run$n"
  done
done
