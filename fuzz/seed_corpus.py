#!/usr/bin/env python3
"""Seed the `ops_json` fuzz target's corpus with the input of every fixture.

Each seed is one byte naming the operation (its index in `windeep operations`) followed by the
fixture's JSON input, so the fuzzer's mutations start from valid documents of every operation.

    python3 fuzz/seed_corpus.py            # writes fuzz/corpus/ops_json/
"""
import hashlib
import json
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent
operations = subprocess.run(
    ["cargo", "run", "--quiet", "-p", "windeep-cli", "--", "operations"],
    cwd=root, check=True, capture_output=True, text=True,
).stdout.split()
out = root / "fuzz" / "corpus" / "ops_json"
out.mkdir(parents=True, exist_ok=True)
written = 0
for path in sorted((root / "fixtures").glob("*/*.json")):
    case = json.loads(path.read_text())
    if case.get("operation") not in operations or "input" not in case:
        continue
    data = bytes([operations.index(case["operation"])]) + json.dumps(case["input"]).encode()
    (out / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)
    written += 1
print(f"wrote {written} seeds for {len(operations)} operations to {out.relative_to(root)}")
