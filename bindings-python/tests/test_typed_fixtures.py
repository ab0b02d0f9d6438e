"""Replays the golden ``schedule`` fixtures through the typed API, ``windeep.schedule``.

Each fixture input is turned into keyword arguments of Python types (``Decimal``, ``date``,
``int``, ``str``, dicts); ``Schedule.to_dict()`` written back as strings must equal
``expected``, and a refusal must carry ``expected_error.code``. Inputs that cannot be expressed
with Python types at all (a JSON number for money, an unknown field, an unparsable string) are
the JSON interface's own business and are covered by ``test_fixtures.py``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

import windeep

from conftest import fixture_files, fixture_id, load

SCHEDULE_FILES = [p for p in fixture_files() if load(p)["operation"] == "schedule"]

DATES = {"disbursed_on", "first_due_on"}
AMOUNTS = {"principal", "annual_rate"}
ROUNDINGS = {"rounding", "emi_rounding"}
PLAIN = {
    "tenure",
    "method",
    "frequency",
    "interest_basis",
    "broken_period",
    "fixed_due_day",
    "principal_grace",
    "interest_grace",
    "apr_decimals",
    "apr",
}


class NotTyped(Exception):
    """The input has no typed-API spelling."""


def _decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise NotTyped
    try:
        d = Decimal(value)
    except InvalidOperation as exc:
        raise NotTyped from exc
    if not d.is_finite() or value.strip() != value or "e" in value.lower():
        raise NotTyped
    return d


def _date(value: Any) -> datetime.date:
    if not isinstance(value, str):
        raise NotTyped
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise NotTyped from exc


def _dict(value: Any, fields: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or not set(value) <= fields:
        raise NotTyped
    return value


REQUIRED = {"principal", "annual_rate", "tenure", "disbursed_on", "first_due_on"}


def typed_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    if not REQUIRED <= set(data):
        raise NotTyped  # a missing keyword argument is Python's TypeError, not a core error
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key in AMOUNTS:
            kwargs[key] = _decimal(value)
        elif key in DATES:
            kwargs[key] = _date(value)
        elif key in PLAIN:
            if isinstance(value, float):
                raise NotTyped
            kwargs[key] = value
        elif key in ROUNDINGS:
            if value is not None:
                r = _dict(value, {"increment", "mode"})
                value = {**r, "increment": _decimal(r.get("increment"))}
            kwargs[key] = value
        elif key == "processing_fee":
            if value is not None:
                f = _dict(value, {"kind", "value"})
                value = {**f, "value": _decimal(f.get("value"))}
            kwargs[key] = value
        elif key == "currency":
            kwargs[key] = _dict(value, {"code", "minor_units"})
        elif key == "policy":
            p = dict(_dict(value, {"max_tenure", "max_annual_rate", "min_first_due_gap_days",
                                   "max_first_due_gap_days", "level_emi"}))
            if "max_annual_rate" in p:
                p["max_annual_rate"] = _decimal(p["max_annual_rate"])
            kwargs[key] = p
        else:
            raise NotTyped
    return kwargs


def as_json(value: Any) -> Any:
    """``to_dict()`` values written the way the JSON interface writes them."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


@pytest.mark.parametrize("path", SCHEDULE_FILES, ids=fixture_id)
def test_typed_schedule_matches_fixture(path: Path) -> None:
    case = load(path)
    try:
        kwargs = typed_kwargs(case["input"])
    except NotTyped:
        assert "expected_error" in case, "every successful case must have a typed spelling"
        pytest.skip("input has no typed-API spelling (covered by the JSON replay)")
    if "expected" in case:
        assert as_json(windeep.schedule(**kwargs).to_dict()) == case["expected"]
    else:
        code = case["expected_error"]["code"]
        with pytest.raises(windeep.WindeepError) as info:
            windeep.schedule(**kwargs)
        assert info.value.code == code, f"{info.value.code}: {info.value.message}"
