#!/usr/bin/env bash
# The Node package from a clean clone: install (from the committed lock file), build the addon
# and the test-only panic probe, check the generated typings, run every Node test.
set -euo pipefail
cd "$(dirname "$0")"
node --version
npm ci --no-audit --no-fund
npm run build
npm run build:probe
node scripts/gen-types.mjs --check
node --test test/
