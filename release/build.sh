#!/usr/bin/env bash
# Builds every release artifact of windeep for linux x86_64 into dist/ (docs/install.md):
#
#   windeep-<v>-cp310-abi3-manylinux_*_x86_64.whl  Python wheel (maturin, abi3: CPython >= 3.10),
#                                                  checked with `auditwheel show`
#   windeep-<v>.tar.gz                             Python sdist (builds from source with Rust)
#   windeep-<v>.tgz + windeep-linux-x64-gnu-<v>.tgz  npm packages, napi-rs per-platform layout:
#                                                  the JS package names the addon package as
#                                                  an optional dependency
#   windeep-c-<v>-linux-x86_64.tar.gz              libwindeep_ffi.so + windeep.h + pkg-config
#   windeep-php-<v>-linux-x86_64.zip               Composer package windeep/windeep with the
#                                                  library in lib/linux-x86_64/
#   windeep-kotlin-<v>.jar (+ .pom, -sources.jar)  Kotlin/JVM classes + linux-x86-64/ library
#   windeep-cli-<v>-x86_64-unknown-linux-gnu.tar.gz  the `windeep` command line
#   <artifact>.cdx.json                            CycloneDX SBOM of each artifact
#   SHA256SUMS                                     of every file above
#
# One version for all: the workspace version (Cargo.toml); the script refuses to run when a
# package manifest says otherwise. Release builds are shared: one `cargo build --release` for
# the command line, the C library and the mobile library; napi and maturin reuse its compiled
# dependencies where their features agree.
#
# Needs: cargo, python3 (venv), node + npm, java + jar; kotlinc and JNA are installed the way
# bindings-mobile/test-kotlin.sh does. Environment: DIST (default dist/), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
dist="${DIST:-$root/dist}"
work="${TMPDIR:-/tmp}/windeep-release"
triple="x86_64-unknown-linux-gnu"
now() { date +%s; }
t0=$(now)
phase() { printf -- '-- %s (%ss)\n' "$*" "$(($(now) - t0))"; }

# ------------------------------------------------------------------ one version
version="$(python3 release/version.py)"
phase "version $version"
rm -rf "$dist" "$work"
mkdir -p "$dist" "$work"

# ------------------------------------------------------------------ release builds
phase "cargo build --release (command line, C library, mobile library)"
cargo build --release --locked -p windeep-cli -p windeep-ffi -p windeep-mobile
# The Kotlin generator, in the debug profile the Kotlin tests and the Swift snapshot build too.
cargo build --locked -p windeep-mobile --features bindgen --bin uniffi-bindgen
rel="$target/release"

# ------------------------------------------------------------------ command line
phase "command line archive"
cli="windeep-cli-$version-$triple"
mkdir -p "$work/$cli"
cp "$rel/windeep" "$work/$cli/"
strip --strip-unneeded "$work/$cli/windeep"
cp LICENSE README.md CHANGELOG.md "$work/$cli/"
tar -C "$work" --owner=0 --group=0 --sort=name -czf "$dist/$cli.tar.gz" "$cli"

# ------------------------------------------------------------------ C library
phase "C library archive"
c="windeep-c-$version-linux-x86_64"
mkdir -p "$work/$c/lib/pkgconfig" "$work/$c/include"
cp "$rel/libwindeep_ffi.so" "$work/$c/lib/"
strip --strip-unneeded "$work/$c/lib/libwindeep_ffi.so"
cp bindings-c/include/windeep.h "$work/$c/include/"
cp LICENSE CHANGELOG.md "$work/$c/"
cp bindings-c/README.md "$work/$c/README.md"
cat > "$work/$c/lib/pkgconfig/windeep.pc" <<EOF
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: windeep
Description: Exact lending calculations over a small C ABI (JSON in, JSON out)
Version: $version
Libs: -L\${libdir} -lwindeep_ffi
Cflags: -I\${includedir}
EOF
tar -C "$work" --owner=0 --group=0 --sort=name -czf "$dist/$c.tar.gz" "$c"

# ------------------------------------------------------------------ PHP (Composer)
phase "PHP Composer archive"
php="windeep-php-$version-linux-x86_64"
mkdir -p "$work/$php/lib/linux-x86_64"
cp -r bindings-php/src "$work/$php/src"
cp bindings-php/README.md bindings-php/preload.php LICENSE CHANGELOG.md "$work/$php/"
cp "$rel/libwindeep_ffi.so" "$work/$php/lib/linux-x86_64/"
strip --strip-unneeded "$work/$php/lib/linux-x86_64/libwindeep_ffi.so"
# composer.json with the release version (an artifact repository needs it) and without the
# development sections.
python3 - "$version" bindings-php/composer.json "$work/$php/composer.json" <<'EOF'
import json, sys
version, src, dst = sys.argv[1:]
doc = json.load(open(src, encoding="utf-8"))
doc["version"] = version
for key in ("require-dev", "autoload-dev"):
    doc.pop(key, None)
json.dump(doc, open(dst, "w", encoding="utf-8"), indent=4)
open(dst, "a", encoding="utf-8").write("\n")
EOF
(cd "$work/$php" && TZ=UTC find . -exec touch -d "@${SOURCE_DATE_EPOCH:-0}" {} + \
  && find . -type f | LC_ALL=C sort | zip -q -X "$dist/$php.zip" -@)

# ------------------------------------------------------------------ Kotlin/JVM jar
phase "Kotlin/JVM jar"
jna=/usr/share/java/jna.jar
kotlinc="${TMPDIR:-/tmp}/windeep-kotlin/npm/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -f "$jna" ] || [ ! -x "$kotlinc" ]; then
  echo "installing kotlinc and JNA as bindings-mobile/test-kotlin.sh does"
  [ -f "$jna" ] || apt-get install -y -qq libjna-java >/dev/null
  mkdir -p "$(dirname "$(dirname "$(dirname "$kotlinc")")")"
  (cd "$(dirname "$(dirname "$(dirname "$kotlinc")")")" \
    && npm install --no-audit --no-fund --silent "kotlin-compiler@$(sed -n 's/^kotlin_version="\(.*\)"/\1/p' "$root/bindings-mobile/test-kotlin.sh")")
fi
kt="$work/kotlin"
mkdir -p "$kt/gen" "$kt/classes/linux-x86-64" "$kt/classes/META-INF"
"$target/debug/uniffi-bindgen" generate --library "$rel/libwindeep_mobile.so" --language kotlin \
  --out-dir "$kt/gen" --no-format
"$kotlinc" -nowarn -cp "$jna" -d "$kt/classes" $(find "$kt/gen" -name '*.kt')
cp "$rel/libwindeep_mobile.so" "$kt/classes/linux-x86-64/"
# Symbols the library exports (the JNA entry points) stay; the local symbol table goes.
strip --strip-unneeded "$kt/classes/linux-x86-64/libwindeep_mobile.so"
cp LICENSE "$kt/classes/META-INF/LICENSE"
cat > "$kt/MANIFEST.MF" <<EOF
Implementation-Title: windeep
Implementation-Version: $version
Implementation-Vendor: windeep
Automatic-Module-Name: org.windeep
EOF
jar --create --file "$dist/windeep-kotlin-$version.jar" --manifest "$kt/MANIFEST.MF" \
  --date="2026-01-01T00:00:00Z" -C "$kt/classes" .
jar --create --file "$dist/windeep-kotlin-$version-sources.jar" --date="2026-01-01T00:00:00Z" \
  -C "$kt/gen" .
kotlin_std="$(sed -n 's/^kotlin_version="\(.*\)"/\1/p' bindings-mobile/test-kotlin.sh)"
jna_version="$(unzip -p "$jna" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: \([0-9.]*\).*/\1/p' | head -1)"
sed -e "s/@VERSION@/$version/" -e "s/@KOTLIN@/$kotlin_std/" -e "s/@JNA@/${jna_version:-5.13.0}/" \
  release/windeep-kotlin.pom.in > "$dist/windeep-kotlin-$version.pom"

# ------------------------------------------------------------------ Node (napi-rs)
phase "Node addon (napi build --release) and npm packages"
(cd bindings-node && { [ -x node_modules/.bin/napi ] || npm ci --no-audit --no-fund; } \
  && npx napi build --platform --release --js native.js --dts native.d.ts)
node="$work/node"
mkdir -p "$node"
# The main package as `npm pack` would take it, without the addon; the addon goes into its
# per-platform package (`napi create-npm-dirs`), named as an optional dependency.
for f in $(node -e 'for (const f of require("./bindings-node/package.json").files) if (!f.endsWith(".node")) console.log(f)'); do
  cp "bindings-node/$f" "$node/"
done
cp bindings-node/package.json LICENSE "$node/"
(cd bindings-node && npx napi create-npm-dirs --cwd "$node" >/dev/null)
for dir in "$node"/npm/*/; do
  addon="$(node -e 'console.log(require(process.argv[1]).main)' "$dir/package.json")"
  cp "bindings-node/$addon" "$dir/"
  strip --strip-unneeded "$dir/$addon"
  cp LICENSE "$dir/"
done
node - "$node" <<'EOF'
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
pkg.optionalDependencies = {};
for (const p of fs.readdirSync(path.join(dir, 'npm')).sort()) {
  const sub = JSON.parse(fs.readFileSync(path.join(dir, 'npm', p, 'package.json'), 'utf8'));
  pkg.optionalDependencies[sub.name] = sub.version;
}
pkg.files = pkg.files.filter((f) => !f.endsWith('.node'));
delete pkg.devDependencies;
delete pkg.scripts;
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
EOF
(cd "$node" && npm pack --silent --pack-destination "$dist" >/dev/null)
for dir in "$node"/npm/*/; do (cd "$dir" && npm pack --silent --pack-destination "$dist" >/dev/null); done

# ------------------------------------------------------------------ Python (maturin)
phase "Python wheel and sdist (maturin)"
venv="$work/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "maturin>=1.9,<2" auditwheel
# Without a manylinux container: maturin audits the library's glibc symbols and picks the
# oldest manylinux tag they allow (on Debian 12: manylinux_2_34, as the Rust standard library
# links the host's newest symbols). An older floor needs a manylinux2014 container
# (docs/install.md).
"$venv/bin/maturin" build --release --locked \
  --manifest-path bindings-python/Cargo.toml --out "$dist" --quiet 2>&1 | grep -v '^📦\|^🍹\|^🔗\|^🐍' || true
ls "$dist"/windeep-"$version"-cp310-abi3-manylinux*_x86_64.whl >/dev/null
"$venv/bin/maturin" sdist --manifest-path bindings-python/Cargo.toml --out "$dist" >/dev/null
"$venv/bin/auditwheel" show "$dist"/windeep-"$version"-*.whl | tee "$work/auditwheel.txt"
tr -s '\n ' ' ' < "$work/auditwheel.txt" | grep -q 'is consistent with the following platform tag'

# ------------------------------------------------------------------ SBOMs and checksums
phase "CycloneDX SBOMs"
python3 release/sbom.py "$version" "$dist"
phase "SHA256SUMS"
(cd "$dist" && rm -f SHA256SUMS && sha256sum -- * > SHA256SUMS)
cat "$dist/SHA256SUMS"
phase "done: $(find "$dist" -type f | wc -l) files in $dist"
