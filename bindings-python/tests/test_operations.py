"""Replays every golden fixture through the typed operation functions (``windeep.trial_balance``
and the rest), and checks :class:`windeep.Result`.

Each fixture's input becomes keyword arguments: every string whose exact spelling is a
``datetime.date`` or a ``decimal.Decimal`` is passed as one (the binding writes it back as the
same text), everything else as it is; the JSON field ``from`` is the argument ``from_``.
``Result.to_dict()`` must equal ``expected`` with each ``Decimal`` written as ``str(d)`` and
each date as ISO text; a refusal must raise the class of ``expected_error.code``. The
``schedule`` cases go through :func:`windeep.schedule` in ``test_typed_fixtures.py``.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import windeep

from conftest import fixture_files, fixture_id, load

FILES = [p for p in fixture_files() if load(p)["operation"] != "schedule"]

#: JSON fields whose name is a Python keyword, and the argument that stands for each.
ARGUMENT_NAMES = {"from": "from_"}


def typed_value(value: Any) -> Any:
    """A fixture value with exact date and decimal strings as ``date`` and ``Decimal``."""
    if isinstance(value, dict):
        return {k: typed_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed_value(v) for v in value]
    if not isinstance(value, str):
        return value
    try:
        d = datetime.date.fromisoformat(value)
        if d.isoformat() == value:
            return d
    except ValueError:
        pass
    if "e" in value.lower():
        return value
    try:
        n = Decimal(value)
    except InvalidOperation:
        return value
    return n if n.is_finite() and str(n) == value else value


def as_json(value: Any) -> Any:
    """``to_dict()`` output written the way the fixtures spell it."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        assert not isinstance(value, datetime.datetime)
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    assert isinstance(value, (str, int)), f"unexpected {type(value).__name__} in to_dict()"
    return value


def replay(case: dict[str, Any]) -> None:
    operation = case["operation"]
    function = windeep.OPERATION_FUNCTIONS.get(operation)
    assert function is not None, f"no typed function for operation {operation!r}"
    assert ("expected" in case) != ("expected_error" in case)
    kwargs = {ARGUMENT_NAMES.get(k, k): typed_value(v) for k, v in case["input"].items()}
    try:
        inspect.signature(function).bind(**kwargs)
    except TypeError as exc:
        # An unknown or missing field has no keyword spelling: Python refuses the call itself,
        # and the core refuses the same document as invalid input.
        assert case.get("expected_error", {}).get("code") == "E_INVALID_INPUT", (
            f"{operation}: the fixture's input does not fit the function's signature: {exc}"
        )
        with pytest.raises(TypeError):
            function(**kwargs)
        return
    if "expected" in case:
        result = function(**kwargs)
        assert isinstance(result, windeep.Result)
        assert result.operation == operation
        assert as_json(result.to_dict()) == case["expected"]
    else:
        code = case["expected_error"]["code"]
        with pytest.raises(windeep.WindeepError) as info:
            function(**kwargs)
        assert info.value.code == code, f"{info.value.code}: {info.value.message}"
        assert type(info.value) is windeep.ERRORS[code]


@pytest.mark.parametrize("path", FILES, ids=fixture_id)
def test_fixture_through_the_typed_function(path: Path) -> None:
    replay(load(path))


def test_every_operation_has_a_typed_function() -> None:
    assert set(windeep.OPERATION_FUNCTIONS) == set(windeep.OPERATIONS)
    assert windeep.OPERATION_FUNCTIONS["schedule"] is windeep.schedule
    for name, function in windeep.OPERATION_FUNCTIONS.items():
        assert getattr(windeep, name) is function
        assert name in windeep.__all__
        assert function.__doc__, name
        parameters = inspect.signature(function).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters), name


def test_every_fixture_operation_is_replayed() -> None:
    replayed = {load(p)["operation"] for p in FILES}
    assert replayed == set(windeep.OPERATIONS) - {"schedule"}


def test_a_fixture_of_an_unknown_operation_fails() -> None:
    with pytest.raises(AssertionError, match="no typed function"):
        replay({"operation": "no_such_operation", "input": {}, "expected": {}})


def test_a_fixture_whose_expected_output_differs_fails() -> None:
    case = load(next(p for p in FILES if "expected" in load(p)))
    case["expected"] = {**case["expected"], "extra": "1.00"}
    with pytest.raises(AssertionError):
        replay(case)


BOOKS = {
    "as_of": datetime.date(2026, 3, 31),
    "journal": [
        {
            "id": "J1",
            "date": datetime.date(2026, 1, 1),
            "lines": [
                {"account": "1102", "debit": Decimal("1000")},
                {"account": "5100", "credit": Decimal("1000")},
            ],
        }
    ],
}


def test_values_are_typed_by_the_core() -> None:
    tb = windeep.trial_balance(books=BOOKS)
    assert tb.as_of == datetime.date(2026, 3, 31)
    assert tb.difference == Decimal("0.00") and str(tb.difference) == "0.00"
    assert isinstance(tb.accounts, tuple) and isinstance(tb.accounts[0], windeep.Result)
    assert tb.accounts[0].code == "1102"  # an account code stays text
    assert str(tb.accounts[0].debit) == "1000.00"
    raw = windeep.call("trial_balance", {"books": BOOKS})
    assert raw["difference"] == "0.00"
    typed = windeep.call_typed("trial_balance", {"books": BOOKS})
    assert type(typed) is dict and typed == tb.to_dict()


def test_optional_arguments_left_as_none_are_left_out() -> None:
    assert windeep.trial_balance(books=BOOKS, as_of=None) == windeep.trial_balance(books=BOOKS)
    earlier = windeep.trial_balance(books=BOOKS, as_of=datetime.date(2025, 12, 31))
    assert earlier.as_of == datetime.date(2025, 12, 31)
    assert earlier.total_debit == Decimal("0.00")


def test_a_result_feeds_another_operation() -> None:
    books = windeep.Result(BOOKS)
    assert windeep.trial_balance(books=books) == windeep.trial_balance(books=BOOKS)


def test_a_float_amount_is_refused() -> None:
    dues = [{"installment": 1, "due_on": datetime.date(2026, 2, 5), "interest": Decimal("10"),
             "principal": Decimal("0"), "fine": Decimal("0")}]
    with pytest.raises(windeep.InvalidAmountError):
        windeep.allocate(amount=10.5, paid_on=datetime.date(2026, 2, 5), dues=dues)  # type: ignore[arg-type]
    with pytest.raises(windeep.InvalidAmountError):
        windeep.allocate(amount=Decimal("10"), paid_on=datetime.date(2026, 2, 5),
                         dues=[{**dues[0], "interest": 10.0}])


@pytest.mark.parametrize(
    "amount, error",
    [
        (True, "InvalidAmountError"),
        (10.5, "InvalidAmountError"),
        (10, "InvalidAmountError"),
        (Decimal("NaN"), "InvalidAmountError"),
        (Decimal("sNaN"), "InvalidAmountError"),
        (Decimal("Infinity"), "InvalidAmountError"),
        (Decimal("-Infinity"), "InvalidAmountError"),
        (Decimal("10.005"), "AmountScaleError"),
    ],
    ids=repr,
)
def test_money_that_is_not_an_exact_decimal_is_refused(amount: Any, error: str) -> None:
    """A bool, a float, an int or a non-finite Decimal is never read as an amount."""
    dues = [{"installment": 1, "due_on": datetime.date(2026, 2, 5), "interest": Decimal("10"),
             "principal": Decimal("0"), "fine": Decimal("0")}]
    cls = getattr(windeep, error)
    with pytest.raises(cls) as raised:
        windeep.allocate(amount=amount, paid_on=datetime.date(2026, 2, 5), dues=dues)
    assert raised.value.code == cls.code


def test_a_wrong_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        windeep.trial_balance(books=BOOKS, as_on=datetime.date(2026, 1, 1))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        windeep.trial_balance(BOOKS)  # type: ignore[misc]


@given(data=st.data(), places=st.integers(min_value=0, max_value=4))
def test_decimal_round_trips_through_allocate(data: st.DataObject, places: int) -> None:
    """Any amount up to the core's limit, at any currency scale, comes back digit for digit."""
    minor = data.draw(st.integers(min_value=1, max_value=10**12 * 10**places), label="minor")
    unit = Decimal(1).scaleb(-places)
    amount = (Decimal(minor) * unit).quantize(unit)
    dues = [{"installment": 1, "due_on": datetime.date(2026, 2, 5), "interest": amount,
             "principal": Decimal(0), "fine": Decimal(0)}]
    result = windeep.allocate(
        amount=amount, paid_on=datetime.date(2026, 3, 5), dues=dues,
        currency={"code": "XYZ", "minor_units": places},
    )
    (line,) = result.lines
    assert line.amount.as_tuple() == amount.as_tuple()  # same digits, same exponent
    assert result.excess == 0 and result.excess.as_tuple().exponent == -places
    raw = windeep.call("allocate", {"amount": amount, "paid_on": datetime.date(2026, 3, 5),
                                    "dues": dues,
                                    "currency": {"code": "XYZ", "minor_units": places}})
    assert str(line.amount) == raw["lines"][0]["amount"]


def test_result_is_immutable() -> None:
    tb = windeep.trial_balance(books=BOOKS)
    with pytest.raises(AttributeError):
        tb.difference = Decimal("1")  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del tb.as_of
    with pytest.raises(TypeError):
        tb["difference"] = Decimal("1")  # type: ignore[index]
    with pytest.raises(TypeError):
        tb.accounts[0] = None  # type: ignore[index]
    with pytest.raises(AttributeError, match="no field 'nope'"):
        tb.nope  # noqa: B018
    plain = tb.to_dict()
    plain["difference"] = "changed"
    plain["accounts"].clear()
    assert tb.difference == Decimal("0.00") and len(tb.accounts) == 2


def test_result_copies_and_pickles() -> None:
    import copy
    import pickle

    tb = windeep.trial_balance(books=BOOKS)
    for twin in (copy.copy(tb), copy.deepcopy(tb), pickle.loads(pickle.dumps(tb))):
        assert twin == tb and twin.operation == "trial_balance"
        assert isinstance(twin.accounts, tuple) and twin is not tb


def test_result_repr_and_html() -> None:
    tb = windeep.trial_balance(books=BOOKS)
    text = repr(tb)
    assert text.startswith("Result[trial_balance](")
    assert "difference=Decimal('0.00')" in text and "accounts=(2 records)" in text
    page = tb._repr_html_()
    assert page.count("<table>") >= 2
    assert "<th>debit</th>" in page and "<td>1000.00</td>" in page and "trial_balance" in page
    nested = windeep.Result({"name": "<b>", "rows": [{"a": 1}]})
    assert "&lt;b&gt;" in nested._repr_html_()
    assert repr(nested) == "Result(name='<b>', rows=(1 records))"


def test_result_to_pandas() -> None:
    tb = windeep.trial_balance(books=BOOKS)
    frame = tb.to_pandas()
    assert list(frame["code"]) == ["1102", "5100"]
    assert frame["debit"][0] == Decimal("1000.00") and isinstance(frame["debit"][0], Decimal)
    assert frame.attrs["difference"] == "0.00"  # the wire form: Parquet stores attrs as JSON
    assert frame.equals(tb.to_pandas("accounts"))
    with pytest.raises(ValueError, match="not a list of records"):
        tb.to_pandas("difference")
    with pytest.raises(ValueError, match="no list of records"):
        windeep.Result({"a": 1}).to_pandas()
    with pytest.raises(ValueError, match="needs field"):
        windeep.Result({"a": [{"x": 1}], "b": [{"y": 2}]}).to_pandas()
    deep = windeep.Result({"state": {"rows": [{"x": 1}]}})
    assert list(deep.to_pandas("state.rows")["x"]) == [1]


def test_result_to_arrow() -> None:
    pa = pytest.importorskip("pyarrow")
    table = windeep.trial_balance(books=BOOKS).to_arrow()
    assert table.schema.field("debit").type == pa.decimal128(18, 2)
    assert table.column("debit").to_pylist() == [Decimal("1000.00"), Decimal("0.00")]
    assert table.schema.metadata[b"windeep.difference"] == b"0.00"
    dated = windeep.Result({"rows": [{"on": datetime.date(2026, 1, 5), "rate": Decimal("12.5")},
                                     {"on": None, "rate": Decimal("7")}]}).to_arrow()
    assert dated.schema.field("on").type == pa.date32()
    assert dated.schema.field("rate").type == pa.decimal128(18, 1)


def test_missing_pandas_or_pyarrow_is_a_clear_import_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.import_module

    def without(name: str, *args: Any) -> Any:
        if name in ("pandas", "pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without)
    tb = windeep.trial_balance(books=BOOKS)
    with pytest.raises(ImportError, match="windeep\\[pandas\\]"):
        tb.to_pandas()
    with pytest.raises(ImportError, match="windeep\\[arrow\\]"):
        tb.to_arrow()


def test_call_typed_agrees_with_call_on_every_fixture() -> None:
    """``call_typed`` (JSON text input) gives ``call``'s output with native values, and the
    same refusals, for every fixture, ``schedule`` included."""
    import json

    for path in fixture_files():
        case = load(path)
        text = json.dumps(case["input"])
        try:
            want = windeep.call(case["operation"], text)
        except windeep.WindeepError as exc:
            with pytest.raises(type(exc)) as info:
                windeep.call_typed(case["operation"], text)
            assert info.value.message == exc.message, fixture_id(path)
            continue
        got = windeep.call_typed(case["operation"], text)
        assert as_json(got) == want, fixture_id(path)
