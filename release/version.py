"""Prints the one release version and fails when an artifact's manifest disagrees with it.

The version is the workspace's (`[workspace.package] version` in Cargo.toml). Every crate takes
it with `version.workspace = true`; the wheel takes it from its crate (pyproject `dynamic`); the
npm package (bindings-node/package.json) and the per-platform packages made from it must state
the same; the Composer, jar and C archives are stamped with it by release/build.sh.
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def workspace_version() -> str:
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    m = re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', cargo, re.M | re.S)
    if not m:
        sys.exit("Cargo.toml has no [workspace.package] version")
    return m.group(1)


def main() -> int:
    version = workspace_version()
    problems = []
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    for p in meta["packages"]:
        if p["version"] != version:
            problems.append(f"crate {p['name']} is {p['version']}")
    npm = json.loads((ROOT / "bindings-node" / "package.json").read_text(encoding="utf-8"))
    if npm["version"] != version:
        problems.append(f"bindings-node/package.json is {npm['version']}")
    lock = json.loads((ROOT / "bindings-node" / "package-lock.json").read_text(encoding="utf-8"))
    if lock.get("version") != version:
        problems.append(f"bindings-node/package-lock.json is {lock.get('version')}")
    pyproject = (ROOT / "bindings-python" / "pyproject.toml").read_text(encoding="utf-8")
    if 'dynamic = ["version"]' not in pyproject:
        problems.append("bindings-python/pyproject.toml does not take its version from the crate")
    composer = json.loads((ROOT / "bindings-php" / "composer.json").read_text(encoding="utf-8"))
    if "version" in composer and composer["version"] != version:
        problems.append(f"bindings-php/composer.json is {composer['version']}")
    schema = json.loads((ROOT / "schema" / "windeep.schema.json").read_text(encoding="utf-8"))
    if schema.get("version") != version:
        problems.append(f"schema/windeep.schema.json is {schema.get('version')} (regenerate it)")
    if problems:
        print(f"the workspace version is {version}, but:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
