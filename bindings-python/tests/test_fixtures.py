"""Replays every golden fixture through ``windeep.call``, the generic JSON interface.

Each file under ``fixtures/`` is one case: the whole output must equal ``expected``, or the call
must raise the exception of ``expected_error.code``. The same files are replayed by the Rust core
and every other binding, so a change to any rule shows up everywhere at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import windeep

from conftest import FIXTURES, fixture_files, fixture_id, load

FILES = fixture_files()


def test_fixtures_exist() -> None:
    assert FILES, f"no golden fixtures found under {FIXTURES}"


def _check(case: dict[str, Any], run: Any) -> None:
    operation = case["operation"]
    assert operation in windeep.OPERATIONS, (
        f"fixture operation {operation!r} is not in windeep.OPERATIONS {windeep.OPERATIONS}"
    )
    assert ("expected" in case) != ("expected_error" in case), (
        "a fixture has exactly one of 'expected' and 'expected_error'"
    )
    if "expected" in case:
        assert run(operation, case["input"]) == case["expected"]
    else:
        code = case["expected_error"]["code"]
        with pytest.raises(windeep.WindeepError) as info:
            run(operation, case["input"])
        assert info.value.code == code, f"{info.value.code}: {info.value.message}"
        assert type(info.value) is windeep.ERRORS[code]


@pytest.mark.parametrize("path", FILES, ids=fixture_id)
def test_fixture_dict_input(path: Path) -> None:
    """The input as a dict, exactly as ``json.load`` reads it."""
    _check(load(path), windeep.call)


@pytest.mark.parametrize("path", FILES, ids=fixture_id)
def test_fixture_json_text_input(path: Path) -> None:
    """The input as JSON text: the same answer as the dict form."""
    _check(load(path), lambda op, data: windeep.call(op, json.dumps(data)))


def test_a_fixture_with_an_unknown_operation_fails() -> None:
    """The runner refuses a case whose operation the binding does not know."""
    case = {"operation": "no_such_operation", "input": {}, "expected": {}}
    with pytest.raises(AssertionError, match="not in windeep.OPERATIONS"):
        _check(case, windeep.call)
