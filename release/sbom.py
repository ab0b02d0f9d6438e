"""Writes a CycloneDX 1.5 SBOM (JSON) beside every release artifact in dist/.

Usage: python3 release/sbom.py VERSION DIST

Each `<artifact>.cdx.json` describes the artifact (its purl and SHA-256) and the Rust crates
compiled into it: the crate that builds it and every crate it depends on for linux x86_64
(normal dependencies, transitively; development and build-script dependencies are not part of
the shipped binary and are left out), each with its version, licence expression, purl and the
SHA-256 of its crates.io package (from Cargo.lock). The Kotlin jar adds the Java libraries it
needs at run time (JNA, the Kotlin standard library). The npm, Composer and Python packages
have no third-party runtime dependencies of their own.

The graph comes from `cargo metadata --locked` (the lock file, nothing resolved anew), which is
what `cargo cyclonedx` reads too; see docs/install.md, "Supply chain", for why this script
rather than `cargo install cargo-cyclonedx`.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tomllib
import uuid
from datetime import datetime, timezone
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRIPLE = "x86_64-unknown-linux-gnu"

# (file name prefix, crate that builds it, purl of the artifact, extra components)
KOTLIN_RUNTIME = "kotlin-runtime"


def artifact_kind(name: str, version: str) -> tuple[str, str] | None:
    """The crate that builds a dist/ file and the artifact's purl (None: no SBOM)."""
    if name.endswith((".cdx.json", ".pom")) or name == "SHA256SUMS":
        return None
    if name.startswith(f"windeep-{version}-") and name.endswith(".whl"):
        return "windeep-python", f"pkg:pypi/windeep@{version}"
    if name == f"windeep-{version}.tar.gz":
        return "windeep-python", f"pkg:pypi/windeep@{version}?extension=tar.gz"
    if name == f"windeep-{version}.tgz":
        return "windeep-node", f"pkg:npm/windeep@{version}"
    if name.startswith("windeep-linux-") and name.endswith(".tgz"):
        return "windeep-node", f"pkg:npm/{name[: -len(f'-{version}.tgz')]}@{version}"
    if name.startswith("windeep-c-"):
        return "windeep-ffi", f"pkg:generic/windeep-c@{version}?file_name={name}"
    if name.startswith("windeep-php-"):
        return "windeep-ffi", f"pkg:composer/windeep/windeep@{version}"
    if name.startswith("windeep-kotlin-") and name.endswith(".jar"):
        classifier = "?classifier=sources" if name.endswith("-sources.jar") else ""
        return "windeep-mobile", f"pkg:maven/org.windeep/windeep-kotlin@{version}{classifier}"
    if name.startswith("windeep-cli-"):
        return "windeep-cli", f"pkg:generic/windeep-cli@{version}?file_name={name}"
    raise SystemExit(f"release/sbom.py: no SBOM rule for dist/{name}")


def sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def metadata() -> dict[str, Any]:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", TRIPLE],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def lock_checksums() -> dict[tuple[str, str], str]:
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text(encoding="utf-8"))
    return {
        (p["name"], p["version"]): p["checksum"] for p in lock.get("package", []) if "checksum" in p
    }


def closure(meta: dict[str, Any], root_name: str) -> tuple[str, list[str], dict[str, list[str]]]:
    """The root package id, every package id it needs at run time, and the edges among them."""
    by_id = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(
        p["id"] for p in meta["packages"]
        if p["name"] == root_name and p["id"] in meta["workspace_members"]
    )
    edges: dict[str, list[str]] = {}
    todo, seen = [root], {root}
    while todo:
        pid = todo.pop()
        deps = []
        for d in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in d["dep_kinds"]):
                deps.append(d["pkg"])
                if d["pkg"] not in seen:
                    seen.add(d["pkg"])
                    todo.append(d["pkg"])
        edges[pid] = sorted(set(deps))
    order = sorted(seen - {root}, key=lambda i: (by_id[i]["name"], by_id[i]["version"]))
    return root, order, edges


def purl(pkg: dict[str, Any]) -> str:
    return f"pkg:cargo/{pkg['name']}@{pkg['version']}"


def component(pkg: dict[str, Any], checksums: dict[tuple[str, str], str]) -> dict[str, Any]:
    c: dict[str, Any] = {
        "type": "library",
        "bom-ref": purl(pkg),
        "name": pkg["name"],
        "version": pkg["version"],
        "purl": purl(pkg),
    }
    if pkg.get("description"):
        c["description"] = " ".join(pkg["description"].split())
    if pkg.get("license"):
        c["licenses"] = [{"expression": pkg["license"].replace("/", " OR ")}]
    digest = checksums.get((pkg["name"], pkg["version"]))
    if digest:
        c["hashes"] = [{"alg": "SHA-256", "content": digest}]
    if pkg.get("source") is None:
        c["scope"] = "required"
    return c


def java_runtime(version_of: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for group, name, lic in (
        ("net.java.dev.jna", "jna", "Apache-2.0 OR LGPL-2.1-or-later"),
        ("org.jetbrains.kotlin", "kotlin-stdlib", "Apache-2.0"),
    ):
        p = f"pkg:maven/{group}/{name}@{version_of[name]}"
        out.append({
            "type": "library", "bom-ref": p, "group": group, "name": name,
            "version": version_of[name], "purl": p, "licenses": [{"expression": lic}],
        })
    return out


def pom_versions(dist: pathlib.Path, version: str) -> dict[str, str]:
    """JNA and kotlin-stdlib versions as the jar's .pom declares them."""
    import re

    pom = (dist / f"windeep-kotlin-{version}.pom").read_text(encoding="utf-8")
    found = dict(re.findall(r"<artifactId>([\w-]+)</artifactId>\s*<version>([^<]+)</version>", pom))
    return {"jna": found["jna"], "kotlin-stdlib": found["kotlin-stdlib"]}


def main() -> int:
    version, dist = sys.argv[1], pathlib.Path(sys.argv[2])
    meta = metadata()
    by_id = {p["id"]: p for p in meta["packages"]}
    checksums = lock_checksums()
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    stamp = datetime.fromtimestamp(epoch, timezone.utc) if epoch else datetime.now(timezone.utc)
    written = 0
    for path in sorted(dist.iterdir()):
        kind = artifact_kind(path.name, version)
        if kind is None:
            continue
        crate, artifact_purl = kind
        root, deps, edges = closure(meta, crate)
        digest = sha256(path)
        main_ref = artifact_purl
        components = [component(by_id[i], checksums) for i in deps]
        dependencies = [{"ref": main_ref, "dependsOn": [purl(by_id[d]) for d in edges[root]]}]
        for i in deps:
            dependencies.append({"ref": purl(by_id[i]), "dependsOn": [purl(by_id[d]) for d in edges[i]]})
        if crate == "windeep-mobile" and not path.name.endswith("-sources.jar"):
            java = java_runtime(pom_versions(dist, version))
            components += java
            dependencies[0]["dependsOn"] += [j["bom-ref"] for j in java]
            dependencies += [{"ref": j["bom-ref"], "dependsOn": []} for j in java]
        root_pkg = by_id[root]
        bom = {
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, artifact_purl + '#' + digest)}",
            "version": 1,
            "metadata": {
                "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tools": {"components": [{"type": "application", "name": "windeep release/sbom.py", "version": version}]},
                "component": {
                    "type": "application" if crate == "windeep-cli" else "library",
                    "bom-ref": main_ref,
                    "name": path.name,
                    "version": version,
                    "purl": artifact_purl,
                    "description": " ".join((root_pkg.get("description") or "").split()),
                    "licenses": [{"expression": root_pkg.get("license") or "Apache-2.0"}],
                    "hashes": [{"alg": "SHA-256", "content": digest}],
                    "properties": [
                        {"name": "windeep:crate", "value": crate},
                        {"name": "windeep:target", "value": TRIPLE},
                    ],
                },
            },
            "components": components,
            "dependencies": dependencies,
        }
        out = dist / f"{path.name}.cdx.json"
        out.write_text(json.dumps(bom, indent=2) + "\n", encoding="utf-8")
        print(f"{out.name}: {len(components)} components")
        written += 1
    if written == 0:
        raise SystemExit("no artifact in " + str(dist))
    return 0


if __name__ == "__main__":
    sys.exit(main())
