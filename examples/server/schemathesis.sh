#!/usr/bin/env bash
# schemathesis (PyPI) against /openapi.json of a demo server on loopback: no 5xx answer, every
# answer matches the document. Bounded: a few examples per operation.
#
# `positive_data_acceptance` is left out on purpose: the document's schemas are the operation
# JSON Schema, which cannot say every rule the core checks (a real calendar date, an id that is
# not blank, cross-field rules), so schema-valid bodies are refused with the core's 4xx codes.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${TMPDIR:-/tmp}/windeep-schemathesis-venv"
[ -x "$venv/bin/st" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install --quiet schemathesis; }
cargo build -q -p windeep-server
work=$(mktemp -d "${TMPDIR:-/tmp}/windeep-st.XXXXXX")
port=${WINDEEP_ST_PORT:-18091}
target/debug/windeep-server --database-url "sqlite://$work/w.db" --demo \
  --admin-token-file "$work/token" --listen "127.0.0.1:$port" 2> "$work/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/token" ] && python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.2; done
# Run inside the scratch folder: schemathesis leaves its state in ./.schemathesis.
(cd "$work" && "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" -u "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $(cat "$work/token")" \
  -c all --exclude-checks positive_data_acceptance -n "${WINDEEP_ST_EXAMPLES:-10}" \
  --seed 1 --no-color)
if grep -q '"status":5' "$work/log"; then
  echo "the server answered 5xx:"; grep '"status":5' "$work/log" | head; exit 1
fi
echo "schemathesis: no 5xx answers"
