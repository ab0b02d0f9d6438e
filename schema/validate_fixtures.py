#!/usr/bin/env python3
"""Validates every golden case in fixtures/ against schema/windeep.schema.json.

A case that expects an output must have an input that matches its operation's input schema
and an output that matches the output schema; a case that expects an error must expect a code
its operation declares (its input may be refused by the schema: that is often its point). Exits 1 and lists every failure otherwise.

Usage: python3 schema/validate_fixtures.py
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parent.parent


def validator(doc, schema):
    """A validator for one sub-schema of the document, its $refs resolved in the document."""
    full = dict(schema)
    full["$defs"] = doc["$defs"]
    full["$schema"] = doc["$schema"]
    return Draft202012Validator(full)


def main():
    doc = json.loads((ROOT / "schema" / "windeep.schema.json").read_text())
    Draft202012Validator.check_schema(doc)
    validators = {}
    for name, op in doc["operations"].items():
        validators[name] = (validator(doc, op["input"]), validator(doc, op["output"]))
    failures = []
    count = 0
    for path in sorted((ROOT / "fixtures").rglob("*.json")):
        if "tools" in path.relative_to(ROOT / "fixtures").parts:
            continue
        case = json.loads(path.read_text())
        name = path.relative_to(ROOT)
        op = case.get("operation")
        if op not in validators:
            failures.append(f"{name}: unknown operation {op!r}")
            continue
        reads, writes = validators[op]
        count += 1
        if "expected" in case:
            # A case that expects an error may have input the schema refuses on purpose.
            for err in reads.iter_errors(case["input"]):
                failures.append(f"{name}: input {err.json_path}: {err.message[:300]}")
            for err in writes.iter_errors(case["expected"]):
                failures.append(f"{name}: expected {err.json_path}: {err.message[:300]}")
        if "expected_error" in case:
            code = case["expected_error"]["code"]
            if code not in doc["operations"][op]["errors"]:
                failures.append(f"{name}: {op} does not declare {code}")
    for f in failures:
        print(f)
    print(f"{count} fixtures checked against the schema, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
