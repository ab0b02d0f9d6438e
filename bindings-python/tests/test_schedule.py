"""The typed API: ``windeep.schedule`` and its immutable result objects."""

from __future__ import annotations

import datetime
import pickle
import sys
import threading
from decimal import Decimal
from typing import Any

import pytest

import windeep

D = Decimal

#: The legacy specification's §12.1 example: 100,000 at 12 % p.a. over 12 months.
BASE: dict[str, Any] = dict(
    principal=D("100000"),
    annual_rate=D("12"),
    tenure=12,
    disbursed_on=datetime.date(2026, 1, 5),
    first_due_on=datetime.date(2026, 2, 5),
)

BASE_JSON = {
    "principal": "100000",
    "annual_rate": "12",
    "tenure": 12,
    "disbursed_on": "2026-01-05",
    "first_due_on": "2026-02-05",
}


def terms(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


@pytest.fixture(scope="module")
def sched() -> windeep.Schedule:
    return windeep.schedule(**BASE)


def as_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


# --- the §12.1 example -------------------------------------------------------------------------


def test_spec_12_1_example(sched: windeep.Schedule) -> None:
    assert sched.emi == D("8884.88")
    assert sched.installments[-1].installment == D("8884.85")
    assert sched.totals.interest == D("6618.53")
    assert sched.totals.principal == D("100000.00")
    assert sched.totals.payable == D("106618.53")
    assert sched.apr == D("12.00")
    assert sched.maturity_on == datetime.date(2027, 1, 5)
    assert len(sched.installments) == 12
    assert all(row.installment == D("8884.88") for row in sched.installments[:-1])
    first = sched.installments[0]
    assert (first.number, first.due_on, first.days) == (1, datetime.date(2026, 2, 5), 31)
    assert (first.principal, first.interest) == (D("7884.88"), D("1000.00"))
    assert first.closing_balance == D("92115.12")


def test_values_are_decimals_and_dates_at_currency_scale(sched: windeep.Schedule) -> None:
    assert type(sched.principal) is Decimal
    assert str(sched.principal) == "100000.00"
    assert type(sched.disbursed_on) is datetime.date
    assert sched.currency == "INR" and sched.minor_units == 2
    assert (sched.method, sched.frequency, sched.interest_basis) == ("reducing", "monthly", "30_360")
    assert sched.annual_rate == D("12") and sched.tenure == 12
    for row in sched.installments:
        for name in ("opening_balance", "principal", "interest", "installment", "closing_balance"):
            value = getattr(row, name)
            assert type(value) is Decimal
            assert value.as_tuple().exponent == -2, (name, value)


def test_int_amounts_are_accepted() -> None:
    assert windeep.schedule(**terms(principal=100000, annual_rate=12)) == windeep.schedule(**BASE)


def test_decimal_with_exponent_is_read_exactly() -> None:
    s = windeep.schedule(**terms(principal=D("1E+5"), annual_rate=D("1.2E+1")))
    assert s.principal == D("100000.00") and s.emi == D("8884.88")


def test_decimal_subclass_is_read_by_its_value() -> None:
    class Sneaky(Decimal):
        def __str__(self) -> str:
            return "1"

        def __format__(self, spec: str, context: object = None, /) -> str:
            return "1"

    s = windeep.schedule(**terms(principal=Sneaky("1E+5"), annual_rate=Sneaky("12")))
    assert s.principal == D("100000.00") and s.annual_rate == D("12")


def test_explicit_defaults_equal_left_out_ones() -> None:
    explicit = windeep.schedule(
        **BASE,
        method="reducing",
        frequency="monthly",
        interest_basis="30_360",
        broken_period="none",
        fixed_due_day=None,
        principal_grace=0,
        interest_grace=0,
        rounding=None,
        emi_rounding=None,
        processing_fee=None,
        currency=None,
        policy=None,
        apr_decimals=2,
    )
    assert explicit == windeep.schedule(**BASE)


def test_typed_and_json_interfaces_agree(sched: windeep.Schedule) -> None:
    assert as_json(sched.to_dict()) == windeep.call("schedule", BASE_JSON)


def test_options_reach_the_core() -> None:
    s = windeep.schedule(
        **terms(principal=D("1234567"), annual_rate=D("7"), tenure=10),
        method="flat",
        currency={"code": "JPY", "minor_units": 0},
        rounding={"increment": D("1"), "mode": "half_even"},
        processing_fee={"kind": "percentage", "value": D("2")},
    )
    assert (s.currency, s.minor_units, s.method) == ("JPY", 0, "flat")
    assert s.emi == D("130659") and s.processing_fee == D("24691")
    assert s.net_disbursement == D("1209876") and s.apr == D("17.08")
    assert str(s.principal) == "1234567"


def test_rounding_object_and_dict_are_the_same() -> None:
    policy = windeep.RoundingPolicy(increment=D("1"), mode="half_up")
    a = windeep.schedule(**BASE, emi_rounding=policy)
    b = windeep.schedule(**BASE, emi_rounding={"increment": D("1"), "mode": "half_up"})
    assert a == b
    assert a.emi == D("8885.00")


def test_fixed_fee_and_policy() -> None:
    s = windeep.schedule(**BASE, processing_fee={"kind": "fixed", "value": D("500")})
    assert s.processing_fee == D("500.00") and s.net_disbursement == D("99500.00")
    with pytest.raises(windeep.TenureExceedsPolicyError):
        windeep.schedule(**BASE, policy={"max_tenure": 6})
    with pytest.raises(windeep.RateExceedsCapError):
        windeep.schedule(**BASE, policy={"max_annual_rate": D("10")})
    ok = windeep.schedule(**terms(annual_rate=D("150")), policy={"max_annual_rate": 200})
    assert ok.annual_rate == D("150")


def test_apr_decimals() -> None:
    s = windeep.schedule(**BASE, apr_decimals=4, processing_fee={"kind": "percentage", "value": 1})
    assert s.apr.as_tuple().exponent == -4


# --- strict inputs -----------------------------------------------------------------------------

NOT_DECIMALS = [
    pytest.param(100000.0, id="float"),
    pytest.param(0.1 + 0.2, id="float-sum"),
    pytest.param(True, id="bool"),
    pytest.param("100000", id="str"),
    pytest.param(D("NaN"), id="nan"),
    pytest.param(D("sNaN"), id="snan"),
    pytest.param(D("Infinity"), id="inf"),
    pytest.param(D("-Infinity"), id="-inf"),
    pytest.param(None, id="none"),
    pytest.param(b"1", id="bytes"),
    pytest.param(D("1E+100"), id="huge-exponent"),
    pytest.param(10**40, id="huge-int"),
]


@pytest.mark.parametrize("value", NOT_DECIMALS)
def test_principal_refuses_non_decimals(value: Any) -> None:
    with pytest.raises(windeep.InvalidAmountError) as info:
        windeep.schedule(**terms(principal=value))
    assert info.value.code == "E_INVALID_AMOUNT"
    assert isinstance(info.value, ValueError)
    assert "principal" in info.value.message


@pytest.mark.parametrize("value", NOT_DECIMALS)
def test_rate_refuses_non_decimals(value: Any) -> None:
    with pytest.raises(windeep.InvalidRateError) as info:
        windeep.schedule(**terms(annual_rate=value))
    assert info.value.code == "E_INVALID_RATE"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "changes",
    [
        {"rounding": {"increment": 0.01, "mode": "half_up"}},
        {"emi_rounding": {"increment": "1", "mode": "half_up"}},
        {"processing_fee": {"kind": "fixed", "value": 500.0}},
        {"processing_fee": {"kind": "percentage", "value": True}},
    ],
    ids=["rounding-float", "emi-rounding-str", "fee-float", "fee-bool"],
)
def test_nested_amounts_refuse_non_decimals(changes: dict[str, Any]) -> None:
    with pytest.raises(windeep.InvalidAmountError):
        windeep.schedule(**BASE, **changes)


def test_policy_rate_refuses_float() -> None:
    with pytest.raises(windeep.InvalidRateError):
        windeep.schedule(**BASE, policy={"max_annual_rate": 100.0})  # type: ignore[arg-type]


def test_core_parse_rules_apply() -> None:
    with pytest.raises(windeep.AmountScaleError):
        windeep.schedule(**terms(principal=D("100.005")))
    with pytest.raises(windeep.InvalidRateError):
        windeep.schedule(**terms(annual_rate=D("12.123456789")))
    with pytest.raises(windeep.NonPositivePrincipalError):
        windeep.schedule(**terms(principal=D("-0")))


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 1, 5, 10, 30),
        datetime.datetime(2026, 1, 5, 0, 0, 0, 1),
        "2026-1-5",
        "05/01/2026",
        "2026-01-05T00:00:00",
        20260105,
        None,
    ],
    ids=["datetime-with-time", "datetime-microsecond", "str-unpadded", "str-dmy", "str-iso-time",
         "int", "none"],
)
def test_dates_must_be_dates(value: Any) -> None:
    with pytest.raises(windeep.InvalidDateError) as info:
        windeep.schedule(**terms(disbursed_on=value))
    assert info.value.code == "E_INVALID_DATE" and isinstance(info.value, ValueError)


def test_date_subclass_is_a_date() -> None:
    class MyDate(datetime.date):
        pass

    assert windeep.schedule(**terms(disbursed_on=MyDate(2026, 1, 5))).emi == D("8884.88")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"tenure": True}, windeep.InvalidInputError),
        ({"tenure": 12.0}, windeep.InvalidInputError),
        ({"tenure": -1}, windeep.InvalidInputError),
        ({"tenure": 2**40}, windeep.InvalidInputError),
        ({"tenure": "12"}, windeep.InvalidInputError),
        ({"tenure": 0}, windeep.InvalidTenureError),
        ({"method": "balloon"}, windeep.InvalidInputError),
        ({"method": 1}, windeep.InvalidInputError),
        ({"interest_basis": "30/360"}, windeep.InvalidInputError),
        ({"rounding": {"increment": D("0.01")}}, windeep.InvalidInputError),
        ({"rounding": {"increment": D("0.01"), "mode": "half_up", "x": 1}}, windeep.InvalidInputError),
        ({"rounding": {"increment": D("0.01"), "mode": "nearest"}}, windeep.InvalidInputError),
        ({"rounding": "half_up"}, windeep.InvalidInputError),
        ({"rounding": {"increment": D("0.001"), "mode": "up"}}, windeep.InvalidRoundingError),
        ({"processing_fee": {"kind": "flat", "value": D("1")}}, windeep.InvalidInputError),
        ({"processing_fee": {"kind": "fixed", "value": D("-1")}}, windeep.InvalidFeeError),
        ({"currency": {"code": "INR", "minor_units": 2, "symbol": "Rs"}}, windeep.InvalidInputError),
        ({"currency": {"code": "inr", "minor_units": 2}}, windeep.InvalidCurrencyError),
        ({"currency": "INR"}, windeep.InvalidInputError),
        ({"policy": {"max_tenure": 0}}, windeep.InvalidPolicyError),
        ({"policy": {"max_term": 10}}, windeep.InvalidInputError),
        ({"fixed_due_day": 29}, windeep.InvalidFixedDueDayError),
        ({"principal_grace": 12}, windeep.InvalidGraceError),
        ({"apr_decimals": 7}, windeep.InvalidPolicyError),
        ({"first_due_on": datetime.date(2026, 1, 5)}, windeep.FirstDueNotAfterDisbursementError),
    ],
)
def test_refusals_carry_the_core_code(
    changes: dict[str, Any], error: type[windeep.WindeepError]
) -> None:
    with pytest.raises(error) as info:
        windeep.schedule(**terms(**changes))
    assert info.value.code == error.code
    assert windeep.ERRORS[info.value.code] is error


def test_python_calling_errors_stay_type_errors() -> None:
    with pytest.raises(TypeError):
        windeep.schedule(**{k: v for k, v in BASE.items() if k != "tenure"})
    with pytest.raises(TypeError):
        windeep.schedule(**BASE, nonsense=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        windeep.schedule(D("100000"), D("12"), 12, BASE["disbursed_on"], BASE["first_due_on"])  # type: ignore[misc]


# --- exceptions ----------------------------------------------------------------------------------

VALUE_ERROR_CODES = {"E_INVALID_INPUT", "E_INVALID_AMOUNT", "E_INVALID_RATE", "E_INVALID_DATE"}


def class_name(code: str) -> str:
    return "".join(word.capitalize() for word in code[2:].split("_")) + "Error"


def test_one_exception_class_per_code() -> None:
    assert "E_INTERNAL" in windeep.ERRORS
    assert "E_INVALID_TENURE" in windeep.ERRORS
    assert len(windeep.ERRORS) == len(set(windeep.ERRORS.values()))
    for code, cls in windeep.ERRORS.items():
        assert cls.__name__ == class_name(code)
        assert getattr(windeep, cls.__name__) is cls
        assert cls.__name__ in windeep.__all__
        assert cls.__module__ == "windeep"
        assert cls.code == code  # type: ignore[attr-defined]
        assert issubclass(cls, windeep.WindeepError)
        assert issubclass(cls, ValueError) == (code in VALUE_ERROR_CODES)
    assert windeep.InvalidTenureError.code == "E_INVALID_TENURE"  # type: ignore[attr-defined]
    assert issubclass(windeep.WindeepError, Exception)
    assert not issubclass(windeep.WindeepError, ValueError)


def test_errors_map_is_read_only() -> None:
    with pytest.raises(TypeError):
        windeep.ERRORS["E_NEW"] = windeep.WindeepError  # type: ignore[index]


def test_error_attributes_and_pickling() -> None:
    with pytest.raises(windeep.WindeepError) as info:
        windeep.schedule(**terms(tenure=0))
    err = info.value
    assert type(err) is windeep.InvalidTenureError
    assert err.code == "E_INVALID_TENURE"
    assert err.message == "tenure must be at least one installment"
    assert str(err) == err.message
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is windeep.InvalidTenureError
    assert (again.code, again.message) == (err.code, err.message)


def test_a_panic_is_an_internal_error_not_a_base_exception() -> None:
    from windeep import _windeep

    try:
        _windeep._panic_for_tests("deliberate")
    except Exception as exc:  # noqa: BLE001 - the point: `except Exception` catches it
        assert type(exc) is windeep.InternalError
        assert isinstance(exc, windeep.WindeepError)
        assert exc.code == "E_INTERNAL"
        assert "deliberate" in exc.message
    else:  # pragma: no cover
        pytest.fail("no exception raised")


# --- immutability, repr, dict ---------------------------------------------------------------------


def test_results_are_immutable(sched: windeep.Schedule) -> None:
    row = sched.installments[0]
    for obj, attr in [
        (sched, "emi"),
        (sched, "principal"),
        (sched, "something_new"),
        (row, "principal"),
        (sched.totals, "interest"),
        (windeep.RoundingPolicy(increment=D("1"), mode="up"), "mode"),
    ]:
        with pytest.raises(AttributeError):
            setattr(obj, attr, D("1"))
    with pytest.raises(TypeError):
        sched.installments[0] = row  # type: ignore[index]
    assert isinstance(sched.installments, tuple)
    assert sched.installments is sched.installments
    assert sched.totals is sched.totals


def test_result_classes_cannot_be_built_from_python() -> None:
    for cls in (windeep.Schedule, windeep.Installment, windeep.Totals):
        with pytest.raises(TypeError):
            cls()


def test_not_hashable_but_comparable(sched: windeep.Schedule) -> None:
    assert sched == windeep.schedule(**BASE)
    assert sched != windeep.schedule(**terms(tenure=6))
    assert sched != "a schedule"
    assert sched.installments[0] == sched.installments[0]
    assert sched.installments[0] != sched.installments[1]
    with pytest.raises(TypeError):
        hash(sched)


def test_repr(sched: windeep.Schedule) -> None:
    text = repr(sched)
    assert text.startswith("Schedule(currency='INR', principal=Decimal('100000.00')")
    assert "emi=Decimal('8884.88')" in text and "apr=Decimal('12.00')" in text
    assert "maturity_on=datetime.date(2027, 1, 5)" in text
    assert "Totals(principal=Decimal('100000.00'), interest=Decimal('6618.53')" in text
    row = sched.installments[-1]
    namespace = {"Decimal": Decimal, "datetime": datetime}
    assert repr(row).startswith("Installment(number=12, due_on=datetime.date(2027, 1, 5)")
    # the field values in a repr read back as the same Python values
    fields = eval("dict" + repr(row)[len("Installment") :], namespace)  # noqa: S307
    assert fields == row.to_dict()
    totals = eval("dict" + repr(sched.totals)[len("Totals") :], namespace)  # noqa: S307
    assert totals == sched.totals.to_dict()
    policy = windeep.RoundingPolicy(increment=D("0.05"), mode="half_even")
    assert repr(policy) == "RoundingPolicy(increment=Decimal('0.05'), mode='half_even')"


def test_repr_html(sched: windeep.Schedule) -> None:
    html = sched._repr_html_()
    assert html.startswith("<div") and html.endswith("</div>")
    assert html.count("<table") == 1
    assert html.count("<tr>") == 12 + 2  # header, rows, footer
    assert "8884.85" in html and "6618.53" in html and "2027-01-05" in html
    assert "<table" in sched.installments[0]._repr_html_()
    assert "106618.53" in sched.totals._repr_html_()


def test_to_dict(sched: windeep.Schedule) -> None:
    data = sched.to_dict()
    assert data["emi"] == D("8884.88") and type(data["emi"]) is Decimal
    assert data["maturity_on"] == datetime.date(2027, 1, 5)
    assert isinstance(data["installments"], list) and len(data["installments"]) == 12
    assert data["installments"][0] == sched.installments[0].to_dict()
    assert data["totals"] == sched.totals.to_dict()
    assert set(data) == set(windeep.call("schedule", BASE_JSON))
    # a fresh dict each time: mutating it does not touch the schedule
    data["emi"] = D("0")
    assert sched.to_dict()["emi"] == D("8884.88")


def test_emi_is_none_when_not_level() -> None:
    s = windeep.schedule(**BASE, method="equal_principal")
    assert s.emi is None and s.to_dict()["emi"] is None
    assert "emi=None" in repr(s)


def test_rounding_policy_object() -> None:
    p = windeep.RoundingPolicy(increment=D("0.05"), mode="half_up")
    assert p.increment == D("0.05") and str(p.increment) == "0.05" and p.mode == "half_up"
    assert p.to_dict() == {"increment": D("0.05"), "mode": "half_up"}
    assert p == windeep.RoundingPolicy(D("0.05"), "half_up")
    assert p != windeep.RoundingPolicy(D("0.05"), "up")
    with pytest.raises(windeep.InvalidAmountError):
        windeep.RoundingPolicy(increment=0.05, mode="half_up")  # type: ignore[arg-type]
    with pytest.raises(windeep.InvalidInputError):
        windeep.RoundingPolicy(increment=D("0.05"), mode="HALF_UP")  # type: ignore[arg-type]


# --- DataFrame and Arrow views --------------------------------------------------------------------


def test_to_pandas(sched: windeep.Schedule) -> None:
    pd = pytest.importorskip("pandas")
    df = sched.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "number", "due_on", "days", "opening_balance", "principal", "interest", "installment",
        "closing_balance",
    ]
    assert len(df) == 12
    assert df["principal"].dtype == object
    assert all(type(v) is Decimal for v in df["interest"])
    assert df["installment"].iloc[-1] == D("8884.85")
    assert sum(df["interest"], D("0")) == D("6618.53")
    assert df["due_on"].iloc[0] == datetime.date(2026, 2, 5)
    # attrs hold the JSON wire form (text), so the frame can be written to Parquet
    assert df.attrs["apr"] == "12.00" and df.attrs["currency"] == "INR"
    assert df.attrs["disbursed_on"] == "2026-01-05" and df.attrs["totals"]["interest"] == "6618.53"


def test_to_arrow(sched: windeep.Schedule) -> None:
    pa = pytest.importorskip("pyarrow")
    table = sched.to_arrow()
    assert table.num_rows == 12
    assert table.schema.field("principal").type == pa.decimal128(18, 2)
    assert table.schema.field("due_on").type == pa.date32()
    assert table.column("installment").to_pylist()[-1] == D("8884.85")
    assert table.column("closing_balance").to_pylist()[-1].as_tuple().exponent == -2
    assert table.schema.metadata[b"windeep.currency"] == b"INR"
    jpy = windeep.schedule(**BASE, currency={"code": "JPY", "minor_units": 0}).to_arrow()
    assert jpy.schema.field("interest").type == pa.decimal128(18, 0)


@pytest.mark.parametrize(("method", "extra"), [("to_pandas", "pandas"), ("to_arrow", "arrow")])
def test_missing_extra_names_it(
    sched: windeep.Schedule, monkeypatch: pytest.MonkeyPatch, method: str, extra: str
) -> None:
    module = "pandas" if extra == "pandas" else "pyarrow"
    monkeypatch.setitem(sys.modules, module, None)  # makes `import <module>` fail
    with pytest.raises(ImportError, match=rf"windeep\[{extra}\]"):
        getattr(sched, method)()


# --- the generic interface and threads ------------------------------------------------------------


def test_call_accepts_decimals_and_dates_in_dicts() -> None:
    out = windeep.call("schedule", {**BASE, "rounding": {"increment": D("0.01"), "mode": "half_up"}})
    assert out == windeep.call("schedule", BASE_JSON)
    assert out["emi"] == "8884.88" and type(out["emi"]) is str
    assert out["installments"][0]["days"] == 31


def test_call_json_text() -> None:
    import json

    assert windeep.call("schedule", json.dumps(BASE_JSON)) == windeep.call("schedule", BASE_JSON)
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", "{not json")


def test_call_errors() -> None:
    assert windeep.OPERATIONS == (
        "schedule",
        "allocate",
        "loan_statement",
        "loan_apply",
        "foreclosure_quote",
        "topup_quote",
        "loan_topup",
        "verify_chain",
        "assess_fines",
        "approve_loan",
        "loan_fines",
        "bank_import",
        "bank_match",
        "bank_split",
        "bank_unmap",
        "bank_ignore",
        "bank_reconcile",
        "audit_loan",
        "audit_book",
        "audit_loan_detail",
        "postings",
        "post_event",
        "general_ledger",
        "trial_balance",
        "profit_and_loss",
        "balance_sheet",
        "member_ledger",
        "savings_schedule",
        "savings_apply",
        "savings_interest",
        "distribute_bonus",
        "member_savings",
        "guarantor_exposure",
        "classify",
        "provisions",
        "portfolio_report",
        "check_books",
        "dashboard",
    )
    with pytest.raises(windeep.UnknownOperationError) as info:
        windeep.call("nope", {})
    assert info.value.code == "E_UNKNOWN_OPERATION"
    with pytest.raises(windeep.InvalidAmountError):
        windeep.call("schedule", {**BASE_JSON, "principal": 100000.0})
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", [BASE_JSON])  # type: ignore[arg-type]
    with pytest.raises(windeep.InvalidInputError):
        windeep.call(1, BASE_JSON)  # type: ignore[arg-type]
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", '{"principal": "\ud800"}')
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", {**BASE_JSON, "method": "\ud800"})
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", {**BASE_JSON, "extra": object()})
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", {**BASE_JSON, 1: "x"})  # type: ignore[dict-item]
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", {**BASE_JSON, "tenure": float("nan")})
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    with pytest.raises(windeep.InvalidInputError):
        windeep.call("schedule", {**BASE_JSON, "deep": deep})


def test_concurrent_calls_agree() -> None:
    expected = windeep.schedule(**terms(tenure=360))
    results: list[windeep.Schedule] = []

    def work() -> None:
        for _ in range(20):
            results.append(windeep.schedule(**terms(tenure=360)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(r == expected for r in results)
