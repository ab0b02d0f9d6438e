#!/usr/bin/env bash
# The C ABI from C: builds the library (with the test-only panic probe), compiles the C test
# program with gcc, runs it, then runs it again under valgrind (memcheck), which fails on any
# leak or memory error. Installs gcc and valgrind when they are missing (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v valgrind >/dev/null || need+=(valgrind)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -q -p windeep-ffi --features panic-probe
lib="$target/debug"
out="${TMPDIR:-/tmp}/windeep-c-test"
gcc -std=c11 -Wall -Wextra -Werror -pedantic -I bindings-c/include \
  bindings-c/c/test_windeep.c -L "$lib" -lwindeep_ffi -Wl,-rpath,"$lib" -o "$out"

echo "-- C test program"
"$out" --panic-probe

echo "-- the same under valgrind (memcheck)"
valgrind --quiet --error-exitcode=3 --leak-check=full \
  --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
  "$out" --panic-probe
