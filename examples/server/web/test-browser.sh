#!/usr/bin/env bash
# The pages in a real browser: installs Debian's Chromium (when missing) and the npm packages,
# builds the pages with Vite into web/dist, starts a demo server on loopback serving them and
# runs the browser tests (node --test, playwright-core). Screenshots land in web/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
web=examples/server/web
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$web" && npm ci --no-audit --no-fund --loglevel=error && npx vite build --logLevel warn)
cargo build -q -p windeep-server
work=$(mktemp -d "${TMPDIR:-/tmp}/windeep-pages.XXXXXX")
port=${WINDEEP_PAGES_PORT:-18092}
WINDEEP_WEB_DIR="$PWD/$web/dist" target/debug/windeep-server --database-url "sqlite://$work/w.db" \
  --demo --admin-token-file "$work/token" --listen "127.0.0.1:$port" 2> "$work/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 150); do [ -s "$work/token" ] && python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.2; done
(cd "$web" && WINDEEP_URL="http://127.0.0.1:$port" WINDEEP_ADMIN_TOKEN_FILE="$work/token" node --test tests/)
if grep -q '"status":5' "$work/log"; then
  echo "the server answered 5xx:"; grep '"status":5' "$work/log" | head; exit 1
fi
