"""Python fit: pickling, JSON, DataFrames to Parquet, Arrow arithmetic, numpy integers, dates
in the forms data tools hold them, legacy method names, quarterly first-due gaps, policy
messages and the truncated HTML view."""

from __future__ import annotations

import copy
import datetime
import json
import multiprocessing
import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import windeep

D = Decimal

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


def books() -> dict[str, Any]:
    return {
        "as_of": datetime.date(2026, 3, 31),
        "journal": [
            {
                "id": "J1",
                "date": datetime.date(2026, 1, 1),
                "lines": [
                    {"account": "1102", "debit": D("1000.50")},
                    {"account": "5100", "credit": D("1000.50")},
                ],
            }
        ],
    }


# --- pickle, copy and JSON ---------------------------------------------------------------------


def _emi_in_worker(s: windeep.Schedule) -> tuple[Decimal | None, Decimal | None, int]:
    return s.emi, s.apr, len(s.installments)


@pytest.mark.parametrize("apr", [True, False])
def test_schedule_pickles(apr: bool) -> None:
    s = windeep.schedule(**terms(apr=apr, currency={"code": "KWD", "minor_units": 3}))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(s, protocol=protocol))
        assert type(again) is windeep.Schedule
        assert again == s
        assert again.minor_units == 3
        assert again.apr == s.apr
        assert again.to_dict() == s.to_dict()
    assert copy.deepcopy(s) == s and copy.copy(s) == s


def test_rows_totals_and_rounding_pickle() -> None:
    s = windeep.schedule(**BASE)
    row = s.installments[3]
    assert pickle.loads(pickle.dumps(row)) == row
    assert pickle.loads(pickle.dumps(s.totals)) == s.totals
    assert pickle.loads(pickle.dumps(s.installments)) == s.installments
    policy = windeep.RoundingPolicy(increment=D("0.05"), mode="half_even")
    assert pickle.loads(pickle.dumps(policy)) == policy


def test_schedules_cross_a_process_pool() -> None:
    schedules = [windeep.schedule(**terms(tenure=n)) for n in (6, 12, 24)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        got = list(pool.map(_emi_in_worker, schedules))
    assert got == [(s.emi, s.apr, len(s.installments)) for s in schedules]


def test_results_cross_a_process_pool() -> None:
    r = windeep.trial_balance(books=books())
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        again = pool.submit(copy.copy, r).result()
    assert again == r and again.operation == "trial_balance"


def _audit_in_worker(result: Any) -> tuple[int, int]:
    return len(result.findings), result.summary["findings"]


def test_audit_results_pickle_and_cross_a_process_pool() -> None:
    from windeep import audit, testing

    book = testing.legacy_book(12, tenure=6, errors=4, seed=3)
    export = audit.audit_export(*book.tables(), as_of=book.as_of)
    typed = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    assert export.findings and len(typed.discrepancies) > 0
    for result in (export, typed, typed.summary, typed.discrepancies, export.causes[0]):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            again = pickle.loads(pickle.dumps(result, protocol=protocol))
            assert again == result and type(again) is type(result)
        assert copy.deepcopy(result) == result
    # The copy still holds the export it read: one loan side by side works after the trip.
    again = pickle.loads(pickle.dumps(export))
    loan = export.findings[0].loan_id
    assert again.loan(loan).side_by_side().equals(export.loan(loan).side_by_side())
    with pytest.raises(AttributeError):
        again.summary.__setattr__("x", 1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        assert pool.submit(_audit_in_worker, export).result() == (
            len(export.findings), export.summary["findings"])


def test_audit_results_to_json() -> None:
    from windeep import _windeep, audit, testing

    book = testing.legacy_book(15, tenure=6, errors=5, seed=4)
    export = audit.audit_export(*book.tables(), as_of=book.as_of, tolerance="0.01")
    # The core's own output for the same columns: to_json() gives it back, value for value.
    columns = [audit._columns(t, v) for t, v in zip(audit.EXPORT_TABLES, book.tables())]
    core = json.loads(_windeep._audit_book_columns(*columns, book.as_of, "0.01", False))
    assert core["findings"] and json.loads(export.to_json()) == core
    assert export.to_json(indent=2).startswith("{\n")
    typed = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    doc = json.loads(typed.to_json())
    assert doc["as_of"] == book.as_of.isoformat()
    assert doc["summary"]["discrepancies"] == len(doc["discrepancies"]) == len(typed.discrepancies)
    assert doc["summary"]["by_rule"] == dict(typed.summary.by_rule)
    assert [tuple(d.values()) for d in doc["discrepancies"]] == list(typed.discrepancies)


def test_restore_refuses_bad_text() -> None:
    with pytest.raises(windeep.InvalidInputError):
        windeep._windeep._restore("schedule", "{}", 2)
    with pytest.raises(windeep.InvalidInputError):
        windeep._windeep._restore("loan", "{}", 2)


def test_schedule_to_json_is_the_operation_output() -> None:
    s = windeep.schedule(**BASE)
    assert json.loads(s.to_json()) == windeep.call("schedule", BASE_JSON)
    assert json.loads(s.installments[0].to_json()) == windeep.call("schedule", BASE_JSON)[
        "installments"
    ][0]
    assert json.loads(s.totals.to_json()) == {
        "principal": "100000.00",
        "interest": "6618.53",
        "payable": "106618.53",
    }
    no_apr = windeep.schedule(**terms(apr=False))
    assert json.loads(no_apr.to_json())["apr"] is None


def test_result_to_json_keeps_the_wire_form() -> None:
    r = windeep.trial_balance(books=books())
    data = json.loads(r.to_json())
    assert data == windeep.call("trial_balance", {"books": json.loads(json.dumps(books(), default=str))})
    assert json.loads(r.to_json(indent=2)) == data


# --- DataFrames and Arrow ----------------------------------------------------------------------


def test_schedule_frame_writes_to_parquet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    s = windeep.schedule(**BASE)
    frame = s.to_pandas()
    path = tmp_path / "schedule.parquet"
    frame.to_parquet(path)
    back = pd.read_parquet(path)
    assert list(back["interest"]) == [row.interest for row in s.installments]
    assert back.attrs["emi"] == "8884.88"
    assert back.attrs["disbursed_on"] == "2026-01-05"
    assert frame.attrs["apr"] == "12.00"


def test_result_frame_writes_to_parquet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    r = windeep.trial_balance(books=books())
    field = r.record_fields()[0]
    frame = r.to_pandas(field)
    frame.to_parquet(tmp_path / "tb.parquet")
    back = pd.read_parquet(tmp_path / "tb.parquet")
    assert len(back) == len(frame)
    assert back.attrs["as_of"] == "2026-03-31"


def test_arrow_money_columns_leave_room_for_arithmetic() -> None:
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    table = windeep.schedule(**BASE).to_arrow()
    assert table.schema.field("interest").type == pa.decimal128(18, 2)
    product = pc.multiply(table["interest"], table["principal"])
    assert product.type.precision <= 38
    total = pc.sum(pc.add(table["interest"], table["principal"])).as_py()
    assert total == D("106618.53")
    assert pc.sum(table["interest"]).as_py() == D("6618.53")


def test_arrow_widens_only_for_wide_amounts() -> None:
    pa = pytest.importorskip("pyarrow")
    from windeep._frames import arrow_precision

    # The largest principal the core accepts (10^12) at four places still fits 18 digits.
    big = windeep.schedule(
        **terms(principal=D("1000000000000"), tenure=3, currency={"code": "CLF", "minor_units": 4})
    )
    table = big.to_arrow()
    assert table.schema.field("opening_balance").type == pa.decimal128(18, 4)
    assert table["opening_balance"][0].as_py() == D("1000000000000.0000")
    assert arrow_precision([D("123456789012345678.5")], 2) == 20
    assert arrow_precision([D("-12345678901234567890123456789012345678")], 0) == 38
    assert arrow_precision([D("0.01"), None, D("0")], 2) == 18


def test_result_arrow_money_leaves_room() -> None:
    pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    r = windeep.trial_balance(books=books())
    table = r.to_arrow(r.record_fields()[0])
    decimals = [f for f in table.schema if str(f.type).startswith("decimal")]
    assert decimals
    for f in decimals:
        assert f.type.precision == 18
        assert pc.multiply(table[f.name], table[f.name]).type.precision <= 38


# --- numpy integers ----------------------------------------------------------------------------


def test_numpy_integers_are_ints() -> None:
    np = pytest.importorskip("numpy")
    s = windeep.schedule(
        principal=np.int64(100000),
        annual_rate=np.int32(12),
        tenure=np.int64(12),
        disbursed_on=BASE["disbursed_on"],
        first_due_on=BASE["first_due_on"],
        principal_grace=np.uint8(0),
        apr_decimals=np.int16(2),
        fixed_due_day=np.int64(5),
        policy={"max_tenure": np.int64(24), "max_first_due_gap_days": np.int64(70)},
    )
    assert s == windeep.schedule(
        **terms(fixed_due_day=5, policy={"max_tenure": 24, "max_first_due_gap_days": 70})
    )


def test_any_index_object_is_an_int() -> None:
    class Count:
        def __index__(self) -> int:
            return 12

    assert windeep.schedule(**terms(tenure=Count())).tenure == 12


@pytest.mark.parametrize("value", ["bool", "float", "float64", "bool_"])
def test_numpy_floats_and_bools_are_not_ints(value: str) -> None:
    np = pytest.importorskip("numpy")
    bad = {"bool": True, "float": 12.0, "float64": np.float64(12), "bool_": np.bool_(True)}[value]
    with pytest.raises(windeep.InvalidInputError):
        windeep.schedule(**terms(tenure=bad))
    with pytest.raises(windeep.InvalidAmountError):
        windeep.schedule(**terms(principal=bad))


def test_numpy_integers_in_operation_input() -> None:
    np = pytest.importorskip("numpy")
    doc = {**BASE_JSON, "tenure": np.int64(12)}
    assert windeep.call("schedule", doc) == windeep.call("schedule", BASE_JSON)


# --- dates -------------------------------------------------------------------------------------


class Day(datetime.date):
    """A date subclass with its own str, as some libraries define."""

    def __str__(self) -> str:
        return "not-a-date"


@pytest.mark.parametrize(
    "value",
    [
        Day(2026, 1, 5),
        datetime.datetime(2026, 1, 5),
        datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc),
        "2026-01-05",
    ],
    ids=["date-subclass", "datetime-midnight", "aware-midnight", "iso-str"],
)
def test_dates_in_every_form(value: Any) -> None:
    assert windeep.schedule(**terms(disbursed_on=value)) == windeep.schedule(**BASE)


def test_pandas_timestamp_at_midnight_is_a_date() -> None:
    pd = pytest.importorskip("pandas")
    s = windeep.schedule(
        **terms(disbursed_on=pd.Timestamp("2026-01-05"), first_due_on=pd.Timestamp("2026-02-05"))
    )
    assert s == windeep.schedule(**BASE)
    with pytest.raises(windeep.InvalidDateError, match="10:00:00"):
        windeep.schedule(**terms(disbursed_on=pd.Timestamp("2026-01-05 10:00")))


def test_bad_iso_dates_name_the_argument() -> None:
    with pytest.raises(windeep.InvalidDateError, match="first_due_on"):
        windeep.schedule(**terms(first_due_on="2026-02-30"))


def test_operation_dates_in_every_form() -> None:
    plain = windeep.trial_balance(books=books())
    at_midnight = books()
    at_midnight["as_of"] = datetime.datetime(2026, 3, 31)
    at_midnight["journal"][0]["date"] = Day(2026, 1, 1)
    assert windeep.trial_balance(books=at_midnight) == plain
    with pytest.raises(windeep.InvalidDateError):
        windeep.trial_balance(books={**books(), "as_of": datetime.datetime(2026, 3, 31, 12)})


# --- legacy method name, quarterly gap, policy messages ----------------------------------------


def test_reducing_monthly_is_reducing() -> None:
    s = windeep.schedule(**terms(method="reducing_monthly"))
    assert s == windeep.schedule(**BASE)
    assert s.method == "reducing"
    out = windeep.call("schedule", {**BASE_JSON, "method": "reducing_monthly"})
    assert out == windeep.call("schedule", BASE_JSON)


def test_default_quarterly_loan_is_accepted() -> None:
    s = windeep.schedule(
        **terms(frequency="quarterly", tenure=8, first_due_on=datetime.date(2026, 4, 5))
    )
    assert s.first_due_on == datetime.date(2026, 4, 5)
    assert len(s.installments) == 8
    # The maximum scales with the period: 180 days for a quarter, 60 for a month.
    with pytest.raises(windeep.FirstDueGapOutOfPolicyError):
        windeep.schedule(
            **terms(frequency="quarterly", tenure=8, first_due_on=datetime.date(2026, 7, 5))
        )
    with pytest.raises(windeep.FirstDueGapOutOfPolicyError):
        windeep.schedule(**terms(first_due_on=datetime.date(2026, 4, 5)))


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        (
            {"first_due_on": datetime.date(2026, 4, 5)},
            windeep.FirstDueGapOutOfPolicyError,
            "max_first_due_gap_days",
        ),
        ({"tenure": 700}, windeep.TenureExceedsPolicyError, "max_tenure"),
        ({"annual_rate": D("120")}, windeep.RateExceedsCapError, "max_annual_rate"),
    ],
)
def test_policy_refusals_name_the_policy_argument(
    changes: dict[str, Any], error: type[windeep.WindeepError], field: str
) -> None:
    with pytest.raises(error) as info:
        windeep.schedule(**terms(**changes))
    assert info.value.code == error.code
    assert "policy=" in info.value.message and field in info.value.message
    assert "policy=" in str(info.value)


def test_other_refusals_keep_the_core_message() -> None:
    with pytest.raises(windeep.InvalidTenureError) as info:
        windeep.schedule(**terms(tenure=0))
    assert "policy=" not in info.value.message


# --- HTML --------------------------------------------------------------------------------------


def body_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body)


def test_long_schedule_html_is_truncated_like_pandas() -> None:
    s = windeep.schedule(**terms(tenure=360))
    html = s._repr_html_()
    rows = body_rows(html)
    assert len(rows) == 11
    assert "…" in rows[5]
    assert ">1<" in rows[0] and ">360<" in rows[-1] and ">356<" in rows[6]
    assert "360 rows × 8 columns" in html
    assert len(html) < 10_000


def test_short_schedule_html_shows_every_row() -> None:
    for tenure in (12, 60):
        html = windeep.schedule(**terms(tenure=tenure))._repr_html_()
        assert len(body_rows(html)) == tenure
        assert "rows ×" not in html
    assert len(body_rows(windeep.schedule(**terms(tenure=61))._repr_html_())) == 11


# --- amounts are built once --------------------------------------------------------------------


def test_row_amounts_are_built_once() -> None:
    s = windeep.schedule(**BASE)
    row = s.installments[4]
    assert row.interest is row.interest
    assert row.closing_balance is row.closing_balance
    assert s.to_dict()["installments"][4]["interest"] is row.interest
    assert row.to_dict()["principal"] is row.principal
    # Built from the core's digits: the currency's scale is kept.
    assert s.installments[0].opening_balance.as_tuple().exponent == -2
