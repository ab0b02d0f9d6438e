"""The package reports the library version and the version of the operation schema."""

import json
import pathlib
import re

import windeep

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_version_is_the_workspace_version() -> None:
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    workspace = re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', cargo, re.M | re.S)
    assert workspace is not None
    assert windeep.__version__ == workspace.group(1)


def test_schema_version_is_the_schema_documents() -> None:
    schema = json.loads((ROOT / "schema" / "windeep.schema.json").read_text(encoding="utf-8"))
    assert windeep.__schema_version__ == schema["version"]
