#!/usr/bin/env bash
# Installs every artifact of dist/ (release/build.sh) into a fresh environment with no Rust
# toolchain and exercises it: a schedule (EMI 8884.88), a refusal with its code
# (E_INVALID_TENURE) and the library and schema versions.
#
#   Python  a new venv, `pip install --no-index` of the wheel
#   Node    an empty npm project, `npm install --offline` of the two tarballs
#   PHP     an empty Composer project whose only repository is the archive (packagist off)
#   Kotlin  a Kotlin script (.main.kts) with the jar and JNA on its classpath
#   C       gcc against the archive's header and library (pkg-config file), run by rpath
#   CLI     the binary from its archive
#
# Every step runs under `env -i` with HOME in a new temporary folder, no CARGO_HOME or
# RUSTUP_HOME, and a PATH from which every folder holding cargo, rustc or rustup is removed;
# the script checks that neither can be found. Also checks SHA256SUMS and that every artifact
# has its SBOM. Usage: release/smoke.sh [DIST] (default dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
dist="$(cd "${1:-${DIST:-$root/dist}}" && pwd)"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
t0=$(date +%s)
phase() { printf -- '-- %s (%ss)\n' "$*" "$(($(date +%s) - t0))"; }

phase "checksums and SBOMs of $dist"
(cd "$dist" && sha256sum --check --quiet SHA256SUMS)
for f in "$dist"/*; do
  case "$f" in *.cdx.json | *.pom | */SHA256SUMS) continue ;; esac
  [ -f "$f.cdx.json" ] || { echo "no SBOM for $f"; exit 1; }
  python3 - "$f.cdx.json" <<'EOF'
import json, sys
bom = json.load(open(sys.argv[1]))
assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.5", sys.argv[1]
refs = {c["bom-ref"] for c in bom["components"]} | {bom["metadata"]["component"]["bom-ref"]}
assert all(d["ref"] in refs and set(d["dependsOn"]) <= refs for d in bom["dependencies"]), sys.argv[1]
assert any(c["name"] == "rust_decimal" for c in bom["components"]), sys.argv[1]
EOF
done

# ------------------------------------------------------------------ tools (not Rust)
need=()
command -v php >/dev/null || need+=(php-cli)
command -v composer >/dev/null || need+=(composer)
php -m 2>/dev/null | grep -qx zip || need+=(php-zip)   # Composer's artifact repository reads zips
command -v unzip >/dev/null || need+=(unzip)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/share/java/jna.jar ] || need+=(libjna-java)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
kotlin_version="$(sed -n 's/^kotlin_version="\(.*\)"/\1/p' bindings-mobile/test-kotlin.sh)"
kotlin_home="${TMPDIR:-/tmp}/windeep-kotlin/npm/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
  mkdir -p "${TMPDIR:-/tmp}/windeep-kotlin/npm"
  (cd "${TMPDIR:-/tmp}/windeep-kotlin/npm" && npm install --no-audit --no-fund --silent "kotlin-compiler@$kotlin_version")
fi
python="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"

# ------------------------------------------------------------------ the clean environment
box="$(mktemp -d "${TMPDIR:-/tmp}/windeep-smoke.XXXXXX")"
trap 'rm -rf "$box"' EXIT
mkdir -p "$box/home" "$box/tmp"
clean_path="$(dirname "$python")"
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ -d "$d" ] || continue
  if [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ]; then continue; fi
  case "$d" in *pyenv*) continue ;; esac
  clean_path="$clean_path:$d"
done
clean() {
  env -i HOME="$box/home" PATH="$clean_path" TMPDIR="$box/tmp" LANG=C.UTF-8 "$@"
}
if clean sh -c 'command -v cargo || command -v rustc || command -v rustup'; then
  echo "the clean environment still finds a Rust toolchain"; exit 1
fi
clean sh -c 'test -z "${CARGO_HOME:-}${RUSTUP_HOME:-}" && test ! -e "$HOME/.cargo"' \
  || { echo "the clean environment has a Cargo home"; exit 1; }
echo "clean PATH: $clean_path (no cargo, rustc or rustup)"

# ------------------------------------------------------------------ Python
phase "Python: a new venv from the wheel"
wheel="$(ls "$dist"/windeep-"$version"-cp310-abi3-manylinux*_x86_64.whl)"
clean "$python" -m venv "$box/venv"
clean "$box/venv/bin/pip" install --quiet --no-index --no-cache-dir "$wheel"
(cd "$box" && clean "$box/venv/bin/python" "$root/release/smoke/smoke.py" "$version")

# ------------------------------------------------------------------ Node
phase "Node: an empty npm project from the tarballs"
mkdir -p "$box/npm-app"
cp release/smoke/smoke.cjs "$box/npm-app/"
printf '{"name": "app", "version": "1.0.0", "private": true}\n' > "$box/npm-app/package.json"
(cd "$box/npm-app" && clean npm install --offline --no-audit --no-fund --silent \
  "$dist/windeep-linux-x64-gnu-$version.tgz" "$dist/windeep-$version.tgz")
[ ! -e "$box/npm-app/node_modules/windeep/windeep.linux-x64-gnu.node" ] \
  || { echo "the main npm package carries the addon itself"; exit 1; }
(cd "$box/npm-app" && clean node smoke.cjs "$version")

# ------------------------------------------------------------------ PHP
phase "PHP: an empty Composer project from the archive"
mkdir -p "$box/php-app/artifacts"
cp "$dist/windeep-php-$version-linux-x86_64.zip" "$box/php-app/artifacts/"
cp release/smoke/smoke.php "$box/php-app/"
cat > "$box/php-app/composer.json" <<EOF
{
    "name": "example/app",
    "require": {"windeep/windeep": "$version"},
    "repositories": [
        {"type": "artifact", "url": "artifacts/"},
        {"packagist.org": false}
    ]
}
EOF
(cd "$box/php-app" && clean COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --no-progress --quiet \
  && clean php smoke.php "$version")

# ------------------------------------------------------------------ Kotlin
phase "Kotlin: a script with the jar"
cp release/smoke/smoke.main.kts "$box/"
(cd "$box" && clean "$kotlin_home/bin/kotlinc" -nowarn \
  -cp "$dist/windeep-kotlin-$version.jar:/usr/share/java/jna.jar" \
  -script smoke.main.kts "$version")

# ------------------------------------------------------------------ C
phase "C: the archive's header and library"
tar -C "$box" -xzf "$dist/windeep-c-$version-linux-x86_64.tar.gz"
cdir="$box/windeep-c-$version-linux-x86_64"
cat > "$box/smoke.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "windeep.h"
int main(int argc, char **argv) {
    char *out = NULL;
    const char *terms = "{\"principal\": \"100000\", \"annual_rate\": \"12\", \"tenure\": %d,"
                        " \"disbursed_on\": \"2026-01-05\", \"first_due_on\": \"2026-02-05\"}";
    char input[256];
    snprintf(input, sizeof input, terms, 12);
    if (windeep_call("schedule", input, &out) != WINDEEP_STATUS_OK || !strstr(out, "\"emi\":\"8884.88\"")) return 1;
    windeep_free(out);
    snprintf(input, sizeof input, terms, 0);
    if (windeep_call("schedule", input, &out) != WINDEEP_STATUS_REFUSED || !strstr(out, "\"E_INVALID_TENURE\"")) return 2;
    windeep_free(out);
    if (argc < 2 || strcmp(windeep_version(), argv[1]) || strcmp(windeep_schema_version(), argv[1])) return 3;
    printf("c: EMI 8884.88, tenure 0 refused with E_INVALID_TENURE, library %s, schema %s\n",
           windeep_version(), windeep_schema_version());
    return 0;
}
EOF
(cd "$box" && clean PKG_CONFIG_PATH="$cdir/lib/pkgconfig" sh -c \
  'gcc -std=c11 -Wall -Werror smoke.c $(pkg-config --cflags --libs windeep) -Wl,-rpath,"$(pkg-config --variable=libdir windeep)" -o smoke-c' \
  && clean ./smoke-c "$version")

# ------------------------------------------------------------------ command line
phase "command line: the binary from its archive"
tar -C "$box" -xzf "$dist/windeep-cli-$version-x86_64-unknown-linux-gnu.tar.gz"
cli="$box/windeep-cli-$version-x86_64-unknown-linux-gnu/windeep"
[ "$(clean "$cli" --version)" = "windeep $version" ] || { echo "windeep --version"; exit 1; }
emi="$(clean "$cli" schedule --principal 100000 --rate 12 --tenure 12 --disbursed 2026-01-05 \
  --first-due 2026-02-05 --format json | clean "$python" -c 'import json,sys; print(json.load(sys.stdin)["emi"])')"
[ "$emi" = "8884.88" ] || { echo "windeep schedule: EMI $emi"; exit 1; }
set +e
refusal="$(clean "$cli" schedule --principal 100000 --rate 12 --tenure 0 --disbursed 2026-01-05 \
  --first-due 2026-02-05 --format json 2>&1 >/dev/null)"
status=$?
set -e
[ "$status" -ne 0 ] && [[ "$refusal" == *'"code":"E_INVALID_TENURE"'* ]] \
  || { echo "windeep schedule --tenure 0: exit $status, $refusal"; exit 1; }
echo "cli: EMI $emi, tenure 0 refused with E_INVALID_TENURE (exit $status), $(clean "$cli" --version)"

phase "every artifact installed and exercised without a Rust toolchain"
