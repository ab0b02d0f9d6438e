"""Nothing leaves the public contract without a CHANGELOG.md entry.

Compares schema/windeep.schema.json with the schema of the last released version
(schema/released/<version>.json, the highest version there) and lists what the current schema
no longer has:

* an operation name (``schedule``),
* an error code (``E_INVALID_TENURE``),
* a JSON field, named ``Type.field`` for a field of a shared type in ``$defs``
  (``LoanTerms.principal``; nested objects continue the path: ``Type.field.inner``) and
  ``operation.input.field`` / ``operation.output.field`` for an inline input or output,
* an operation's error code (``schedule:E_INVALID_TENURE``: the operation no longer returns it).

Each removed name must appear, between backquotes, in CHANGELOG.md above the heading of the
released version (``## 0.1.0``), that is in the entries of the versions after it. Anything
else fails, with the list of names. Added names need no entry here (the changelog lists them by
custom, not by this check).

When a version is released: copy schema/windeep.schema.json to
schema/released/<version>.json and give CHANGELOG.md its ``## <version>`` heading.

Run: ``python3 schema/check_compat.py`` (exit 1 on a removal without an entry);
``python3 schema/check_compat.py --self-test`` proves that a removal is caught.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
CURRENT = ROOT / "schema" / "windeep.schema.json"
RELEASED = ROOT / "schema" / "released"
CHANGELOG = ROOT / "CHANGELOG.md"


def version_key(text: str) -> tuple[int, ...]:
    """``"0.10.2"`` → ``(0, 10, 2)``; pre-release suffixes are ignored."""
    return tuple(int(p) for p in re.findall(r"\d+", text.split("-")[0]))


def last_released() -> pathlib.Path:
    files = sorted(RELEASED.glob("*.json"), key=lambda p: version_key(p.stem))
    if not files:
        raise SystemExit(f"no released schema in {RELEASED}")
    return files[-1]


def fields(node: Any, prefix: str, out: set[str]) -> None:
    """Every property path below ``node`` (through objects, arrays and alternatives)."""
    if isinstance(node, list):
        for item in node:
            fields(item, prefix, out)
        return
    if not isinstance(node, dict):
        return
    for name, sub in (node.get("properties") or {}).items():
        path = f"{prefix}.{name}"
        out.add(path)
        fields(sub, path, out)
    for key in ("items", "additionalProperties", "oneOf", "anyOf", "allOf", "prefixItems"):
        if key in node:
            fields(node[key], prefix, out)


def names(doc: dict[str, Any]) -> set[str]:
    """The public names of a schema document (see the module docs)."""
    out: set[str] = set()
    for name, node in doc.get("$defs", {}).items():
        fields(node, name, out)
    for op, entry in doc.get("operations", {}).items():
        out.add(op)
        for side in ("input", "output"):
            node = entry.get(side) or {}
            if "$ref" not in node:
                fields(node, f"{op}.{side}", out)
        for code in entry.get("errors", []):
            out.add(f"{op}:{code}")
    out.update(doc.get("errors", {}).keys())
    return out


def entries_after(changelog: str, version: str) -> str:
    """The changelog text above the heading of ``version`` (all of it if there is none)."""
    match = re.search(rf"^##\s+\[?{re.escape(version)}\]?(\s|$)", changelog, re.M)
    return changelog[: match.start()] if match else changelog


def undocumented(old: dict[str, Any], new: dict[str, Any], changelog: str) -> list[str]:
    """The names ``old`` has, ``new`` has not, and the changelog does not mention."""
    text = entries_after(changelog, str(old.get("version", "")))
    quoted = set(re.findall(r"`([^`\n]+)`", text))
    return sorted(n for n in names(old) - names(new) if n not in quoted)


def self_test(old: dict[str, Any]) -> None:
    """A removed code, field or operation is caught, and an entry releases it."""
    new = json.loads(json.dumps(old))
    code = sorted(new["errors"])[0]
    del new["errors"][code]
    definition = next(n for n, d in sorted(new["$defs"].items()) if d.get("properties"))
    field = sorted(new["$defs"][definition]["properties"])[0]
    del new["$defs"][definition]["properties"][field]
    op = sorted(new["operations"])[0]
    del new["operations"][op]
    missing = undocumented(old, new, "# Changelog\n")
    for name in (code, f"{definition}.{field}", op):
        assert name in missing, f"the removal of {name} was not caught: {missing[:10]}"
    entry = "## Unreleased\n\n- **Removed:** " + ", ".join(f"`{n}`" for n in missing) + "\n"
    assert undocumented(old, new, entry) == [], "a changelog entry does not release a removal"
    released = entry + f"\n## {old.get('version')}\n"
    assert undocumented(old, new, "# Changelog\n\n## " + str(old.get("version")) + "\n" + entry)
    assert undocumented(old, new, released) == []
    assert undocumented(old, old, "") == [], "an unchanged schema reports a removal"
    print(f"self-test: a removed code ({code}), field ({definition}.{field}) and operation ({op}) are caught")


def main() -> int:
    base = last_released()
    old = json.loads(base.read_text(encoding="utf-8"))
    if "--self-test" in sys.argv:
        self_test(old)
        return 0
    new = json.loads(CURRENT.read_text(encoding="utf-8"))
    missing = undocumented(old, new, CHANGELOG.read_text(encoding="utf-8"))
    if missing:
        print(
            f"{len(missing)} name(s) of the {old.get('version')} schema ({base.relative_to(ROOT)}) "
            "are gone from schema/windeep.schema.json without a CHANGELOG.md entry "
            "(name each one between backquotes):"
        )
        for n in missing:
            print(f"  {n}")
        return 1
    print(f"schema compatible with {base.relative_to(ROOT)} ({len(names(old))} names checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
