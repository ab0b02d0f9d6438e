#!/usr/bin/env bash
# Builds windeep-mobile, generates its Kotlin bindings with the workspace's uniffi-bindgen,
# compiles the Kotlin tests and the example, and runs them on the JVM (the golden fixtures and
# the hostile-input corpus of tests/hostile/). Works from a clean clone: installs the Kotlin
# compiler (npm `kotlin-compiler`) and JNA (Debian `libjna-java`) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
work="${TMPDIR:-/tmp}/windeep-kotlin"
kotlin_version="2.4.20"

# --- tools
jna=/usr/share/java/jna.jar
if [ ! -f "$jna" ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y libjna-java; else sudo apt-get install -y libjna-java; fi
fi
kotlinc="$work/npm/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
  mkdir -p "$work/npm"
  (cd "$work/npm" && npm install --no-audit --no-fund --silent "kotlin-compiler@$kotlin_version")
fi

# --- library and bindings
# One build: the library with the test-only panic probe, and the bindgen binary.
cargo build -p windeep-mobile --features bindgen,panic-probe --lib --bins
lib="$target/debug/libwindeep_mobile.so"
rm -rf "$work/gen" "$work/classes" && mkdir -p "$work/gen" "$work/classes"
"$target/debug/uniffi-bindgen" generate --library "$lib" --language kotlin \
  --out-dir "$work/gen" --no-format

# --- compile and run
"$kotlinc" -nowarn -cp "$jna" -d "$work/classes" \
  $(find "$work/gen" -name '*.kt') bindings-mobile/tests/kotlin/*.kt examples/kotlin/*.kt
classpath="$work/classes:$jna:$(dirname "$kotlinc")/../lib/kotlin-stdlib.jar"
run() { java -Djna.library.path="$(dirname "$lib")" -cp "$classpath" "$@"; }

echo "== Kotlin tests: every fixture through call, the typed API, errors, panics"
run org.windeep.test.FixturesTestKt "$root/fixtures"
echo "== Kotlin: the hostile-input corpus of tests/hostile/, one JVM per case"
# 5 s is the promise for an optimised library; this script builds an unoptimised one.
WINDEEP_HOSTILE_SECONDS="${WINDEEP_HOSTILE_SECONDS:-30}" run org.windeep.test.HostileTestKt "$root"
echo "== examples/kotlin"
run org.windeep.example.OfflineKt
if [ "${WINDEEP_TIMING:-0}" = 1 ]; then
  echo "== timing (BENCHMARKS.md)"
  run org.windeep.test.TimingKt
fi
