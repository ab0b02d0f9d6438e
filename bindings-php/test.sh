#!/usr/bin/env bash
# The PHP package's tests, from a clean clone: installs Debian's php-cli (FFI is part of it)
# and PHPUnit when missing, builds the library with the test-only panic probe, checks that the
# generated operation methods are current, and runs PHPUnit.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v php >/dev/null || ! command -v phpunit >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli phpunit >/dev/null
fi
php -r 'exit(extension_loaded("ffi") ? 0 : 1);' || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-ffi >/dev/null 2>&1 || true
  php -r 'exit(extension_loaded("ffi") ? 0 : 1);' || { echo "php has no FFI extension"; exit 1; }
}
php --version | head -1
phpunit --version | head -1

target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -q -p windeep-ffi --features panic-probe
export WINDEEP_FFI_LIB="$target/debug/libwindeep_ffi.so"
# The panic probe's panic message on stderr is expected; the backtrace is noise.
export RUST_BACKTRACE=0

echo "-- syntax"
find bindings-php -name '*.php' -not -path '*/vendor/*' -print0 | xargs -0 -n1 php -l -d display_errors=1 >/dev/null

echo "-- generated methods are current"
php bindings-php/tools/generate.php
git diff --exit-code --stat -- bindings-php/src/Generated
if [ -n "$(git status --porcelain -- bindings-php/src/Generated)" ]; then
  echo "bindings-php/src/Generated differs from the generator's output"; exit 1
fi

echo "-- PHPUnit"
phpunit -c bindings-php/phpunit.xml.dist
