#!/usr/bin/env bash
# Generates the Swift sources of windeep-mobile into bindings-mobile/swift/ (the reviewed
# snapshot) from the library as shipped (no test features). With --check, generates into a
# temporary directory and fails when the snapshot differs.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
# The library as shipped (no panic probe) and the bindgen binary, in one build.
cargo build -p windeep-mobile --features bindgen --lib --bins
out=bindings-mobile/swift
if [ "${1:-}" = "--check" ]; then out="$(mktemp -d)"; fi
"$target/debug/uniffi-bindgen" generate --library "$target/debug/libwindeep_mobile.so" \
  --language swift --out-dir "$out" --no-format
if [ "${1:-}" = "--check" ]; then
  diff -ru bindings-mobile/swift "$out" || {
    echo "bindings-mobile/swift differs from the generated Swift: run bindings-mobile/swift-snapshot.sh and review"
    exit 1
  }
  echo "Swift snapshot is current"
fi
