"""The batch audit: ``windeep.audit_loan_book`` over legacy tables, and ``windeep.testing``."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import windeep
from windeep.testing import KINDS, legacy_book

from conftest import fixture_files, fixture_id, load

AS_OF = datetime.date(2026, 1, 20)


def keys(result: windeep.AuditResult) -> list[tuple[Any, ...]]:
    return [(d.loan, d.installment, d.field, d.rule) for d in result.discrepancies]


# --- a generated book with planted errors ---------------------------------------------------------


@pytest.mark.parametrize(("seed", "tenure"), [(0, 24), (1, 12), (2, 36), (3, 3)])
def test_the_audit_finds_exactly_the_planted_errors(seed: int, tenure: int) -> None:
    book = legacy_book(1500, errors=400, seed=seed, tenure=tenure)
    result = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    found = keys(result)
    assert len(found) == len(set(found)), "a discrepancy is reported twice"
    assert sorted(found, key=repr) == sorted(book.planted, key=repr)
    s = result.summary
    assert s.loans_audited == 1500
    assert s.loans_with_discrepancies == len({p.loan for p in book.planted}) == 400
    assert s.discrepancies == len(book.planted)
    assert sum(s.by_rule.values()) == s.discrepancies
    assert dict(s.unmatched_rows) == {"loan_installments": 0, "loan_payments": 0, "fines": 0}


def test_every_kind_of_planted_error_is_dealt_out() -> None:
    book = legacy_book(600, errors=300, seed=5)
    rules = {p.rule for p in book.planted}
    # One rule per kind: the flat split shows on the rows where cumulative rounding moves a
    # paisa (R_ROW_INTEREST, R_ROW_EMI) and on the last row's legacy remainder
    # (R_FLAT_REMAINDER).
    assert len(rules) >= len(KINDS)
    assert {"R_ROW_INTEREST", "R_ROW_EMI", "R_FLAT_REMAINDER"} <= rules
    assert rules <= set(windeep.AUDIT_RULES)


def test_a_clean_book_has_no_discrepancy_and_pandas_equals_arrow() -> None:
    book = legacy_book(300, errors=0, seed=7)
    assert len(windeep.audit_loan_book(*book.tables(), as_of=book.as_of).discrepancies) == 0
    planted = legacy_book(300, errors=60, seed=8)
    frames = planted.to_pandas()
    assert isinstance(frames[0]["emi_amount"].iloc[0], Decimal)
    from_pandas = windeep.audit_loan_book(*frames, as_of=planted.as_of)
    from_arrow = windeep.audit_loan_book(*planted.tables(), as_of=planted.as_of)
    assert list(from_pandas.discrepancies) == list(from_arrow.discrepancies)
    assert from_pandas.summary == from_arrow.summary


def _chunked(table: pa.Table, rows: int) -> pa.Table:
    """The same table in chunks of `rows` rows, each a slice (non-zero offset) of one array."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


def _with_nulls(book: Any) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """The book's tables with a null in every 7th `installment_id` (loan-level payments) and
    in every 5th `last_emi_date`, and `is_reversed` as int8."""
    loans, installments, payments, fines = book.tables()
    target = payments.column("installment_id").to_pylist()
    payments = payments.set_column(
        payments.schema.get_field_index("installment_id"), "installment_id",
        pa.array([None if i % 7 == 0 else v for i, v in enumerate(target)], pa.int64()))
    payments = payments.set_column(
        payments.schema.get_field_index("is_reversed"), "is_reversed",
        payments.column("is_reversed").cast(pa.int8()))
    last = loans.column("last_emi_date").to_pylist()
    loans = loans.set_column(
        loans.schema.get_field_index("last_emi_date"), "last_emi_date",
        pa.array([None if i % 5 == 0 else v for i, v in enumerate(last)], pa.date32()))
    return loans, installments, payments, fines


def test_chunked_and_sliced_columns_read_like_whole_ones() -> None:
    book = legacy_book(400, errors=150, seed=11)
    tables = _with_nulls(book)
    whole = windeep.audit_loan_book(*tables, as_of=book.as_of)
    assert whole.summary.by_rule.get("R_LAST_EMI_DATE", 0) >= 80
    plain = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)  # is_reversed: bool
    for rows in (1, 7, 64, 1000):
        chunked = windeep.audit_loan_book(*(_chunked(t, rows) for t in tables), as_of=book.as_of)
        assert list(chunked.discrepancies) == list(whole.discrepancies)
        assert chunked.summary == whole.summary
        chunked = windeep.audit_loan_book(*(_chunked(t, rows) for t in book.tables()),
                                          as_of=book.as_of)
        assert list(chunked.discrepancies) == list(plain.discrepancies)
    at = tables[2].schema.get_field_index("is_reversed")
    sliced = pa.array([True, False, None], pa.bool_()).slice(1)  # [False, None], offset 1
    for flags in (sliced, sliced.cast(pa.int8())):
        payments = tables[2].slice(0, 2).set_column(at, "is_reversed", flags)
        with pytest.raises(windeep.InvalidInputError,
                           match=r"loan_payments.is_reversed, row 1: null"):
            windeep.audit_loan_book(tables[0], tables[1], payments, tables[3], as_of=book.as_of)
    payments = payments.set_column(
        at, "is_reversed", pa.array([0, 1, 2], pa.int8()).slice(1))
    with pytest.raises(windeep.InvalidInputError, match=r"is_reversed, row 1: a flag is 0 or 1"):
        windeep.audit_loan_book(tables[0], tables[1], payments, tables[3], as_of=book.as_of)


def test_the_columns_are_read_without_numpy(tmp_path: Path) -> None:
    book = legacy_book(200, errors=60, seed=12)
    for name, table in zip(("loans", "installments", "payments", "fines"), book.tables()):
        with pa.OSFile(str(tmp_path / f"{name}.arrow"), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(_chunked(table, 50))
    expected = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    script = f"""
import sys, datetime, json
sys.modules["numpy"] = None  # import numpy now fails
import pyarrow as pa, windeep
tables = [pa.ipc.open_file(r"{tmp_path}/" + n + ".arrow").read_all()
          for n in ("loans", "installments", "payments", "fines")]
r = windeep.audit_loan_book(*tables, as_of=datetime.date.fromisoformat("{book.as_of}"))
print(json.dumps([list(d) for d in r.discrepancies]))
"""
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True).stdout
    assert json.loads(out) == [list(d) for d in expected.discrepancies]


def test_rows_of_no_loan_are_counted_not_audited() -> None:
    book = legacy_book(20, seed=3)
    loans = book.loans.slice(0, 10)
    result = windeep.audit_loan_book(loans, book.installments, book.payments, book.fines,
                                     as_of=book.as_of)
    assert result.summary.loans_audited == 10
    assert result.summary.unmatched_rows["loan_installments"] == 10 * 24
    assert result.summary.unmatched_rows["loan_payments"] == sum(
        1 for i in book.payments.column("loan_id").to_pylist() if i > 10)
    assert len(result.discrepancies) == 0


# --- the golden fixtures through the batch interface ----------------------------------------------

AUDIT_FILES = [p for p in fixture_files() if load(p)["operation"] == "audit_loan"
               and "expected" in load(p)]


def _frame(rows: list[dict[str, Any]], columns: list[str], money: set[str]) -> pd.DataFrame:
    data = {c: [r.get(c) for r in rows] for c in columns}
    for c in columns:
        if c in money:
            data[c] = [None if v is None else Decimal(v) for v in data[c]]
        elif c.endswith("_date"):
            data[c] = [None if v is None else datetime.date.fromisoformat(v) for v in data[c]]
    return pd.DataFrame(data, columns=columns)


def tables_of(case_input: dict[str, Any]) -> tuple[pd.DataFrame, ...]:
    """One loan's JSON input as the four legacy tables, with loan_id and related_type added."""
    t = windeep.audit.TABLES
    money = {c for spec in t.values() for c, k in spec.items() if k in ("money", "rate")}
    loan = case_input["loan"]
    lid = loan["id"]
    installments = [{**r, "loan_id": lid} for r in case_input.get("installments", [])]
    payments = [{**r, "loan_id": lid} for r in case_input.get("payments", [])]
    fines = [{**r, "related_type": "loan"} for r in case_input.get("fines", [])]
    frames = (
        _frame([loan], list(t["loans"]), money),
        _frame(installments, list(t["loan_installments"]), money),
        _frame(payments, list(t["loan_payments"]), money),
        _frame(fines, list(t["fines"]), money),
    )
    return frames


@pytest.mark.parametrize("path", AUDIT_FILES, ids=fixture_id)
def test_batch_audit_matches_the_golden_fixture(path: Path) -> None:
    case = load(path)
    inp = case["input"]
    result = windeep.audit_loan_book(
        *tables_of(inp), as_of=datetime.date.fromisoformat(inp["as_of"])
    )
    got = [d._asdict() for d in result.discrepancies]
    assert got == case["expected"]["discrepancies"]
    assert windeep.call("audit_loan", inp) == case["expected"]


# --- conversion is strict -------------------------------------------------------------------------


def small_book() -> tuple[pd.DataFrame, ...]:
    return tables_of(load(AUDIT_FILES[0])["input"])


def test_float_money_is_refused_unless_asked_for_and_exact() -> None:
    loans, inst, pays, fines = small_book()
    floats = loans.assign(emi_amount=[float(v) for v in loans["emi_amount"]])
    with pytest.raises(windeep.InvalidAmountError, match="money_from_float"):
        windeep.audit_loan_book(floats, inst, pays, fines, as_of=AS_OF)
    exact = windeep.audit_loan_book(floats, inst, pays, fines, as_of=AS_OF,
                                    money_from_float="round2")
    assert list(exact.discrepancies) == list(
        windeep.audit_loan_book(loans, inst, pays, fines, as_of=AS_OF).discrepancies)
    for bad in (0.1 + 0.2, 1.005, float("nan"), float("inf")):
        with pytest.raises(windeep.InvalidAmountError):
            windeep.audit_loan_book(loans.assign(emi_amount=[bad]), inst, pays, fines,
                                    as_of=AS_OF, money_from_float="round2")
    with pytest.raises(windeep.InvalidInputError):
        windeep.audit_loan_book(floats, inst, pays, fines, as_of=AS_OF,
                                money_from_float="round")  # type: ignore[arg-type]


def test_exact_strings_and_integers_are_money() -> None:
    loans, inst, pays, fines = small_book()
    want = list(windeep.audit_loan_book(loans, inst, pays, fines, as_of=AS_OF).discrepancies)
    as_text = loans.assign(emi_amount=[str(v) for v in loans["emi_amount"]],
                           principal_amount=[int(v) for v in loans["principal_amount"]])
    assert list(windeep.audit_loan_book(as_text, inst, pays, fines,
                                        as_of=AS_OF).discrepancies) == want
    with pytest.raises(windeep.InvalidAmountError):
        windeep.audit_loan_book(loans.assign(emi_amount=["8884.885"]), inst, pays, fines,
                                as_of=AS_OF)
    with pytest.raises(windeep.InvalidAmountError):
        windeep.audit_loan_book(loans.assign(emi_amount=[Decimal("8884.885")]), inst, pays,
                                fines, as_of=AS_OF)


def test_dates_columns_and_nulls_are_checked() -> None:
    loans, inst, pays, fines = small_book()
    midnight = inst.assign(due_date=pd.to_datetime(inst["due_date"]))
    ok = windeep.audit_loan_book(loans, midnight, pays, fines, as_of=AS_OF)
    assert len(ok.discrepancies) == len(windeep.audit_loan_book(
        loans, inst, pays, fines, as_of=AS_OF).discrepancies)
    with pytest.raises(windeep.InvalidDateError, match="times of day"):
        windeep.audit_loan_book(loans, inst.assign(due_date=midnight["due_date"]
                                                   + pd.Timedelta(hours=10)),
                                pays, fines, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="lacks the columns status"):
        windeep.audit_loan_book(loans, inst.drop(columns="status"), pays, fines, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="row 0: null"):
        windeep.audit_loan_book(loans.assign(emi_amount=[None]), inst, pays, fines, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="appears twice"):
        windeep.audit_loan_book(pd.concat([loans, loans]), inst, pays, fines, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="DataFrame"):
        windeep.audit_loan_book([], inst, pays, fines, as_of=AS_OF)
    with pytest.raises(windeep.InvalidDateError):
        windeep.audit_loan_book(loans, inst, pays, fines,
                                as_of=datetime.datetime(2026, 1, 20))
    with pytest.raises(windeep.InvalidDateError):
        windeep.audit_loan_book(loans.assign(first_emi_date=["2026-02-30"]), inst, pays, fines,
                                as_of=AS_OF)
    extra = loans.assign(created_at="2026-01-05 10:00:00")  # columns the audit does not read
    assert len(windeep.audit_loan_book(extra, inst, pays, fines, as_of=AS_OF).discrepancies) \
        == len(windeep.audit_loan_book(loans, inst, pays, fines, as_of=AS_OF).discrepancies)


# --- the result -----------------------------------------------------------------------------------


def test_the_result_is_immutable_and_converts() -> None:
    book = legacy_book(50, errors=20, seed=11)
    result = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    with pytest.raises(AttributeError):
        result.summary = None  # type: ignore[misc, assignment]
    with pytest.raises(AttributeError):
        result.discrepancies._columns = {}
    with pytest.raises(TypeError):
        result.summary.by_rule["R_EMI"] = 0  # type: ignore[index]
    frame = result.to_pandas()
    assert list(frame.columns) == list(windeep.audit.COLUMNS)
    assert str(frame["installment"].dtype) == "Int64"
    assert len(frame) == len(result.discrepancies) == result.summary.discrepancies
    table = result.to_arrow()
    assert table.schema.field("installment").type == pa.uint32()
    assert table.schema.field("stored").type == pa.string()
    assert table.num_rows == len(frame)
    first = result.discrepancies[0]
    assert first == next(iter(result.discrepancies))
    assert first.message.startswith(windeep.AUDIT_RULES[first.rule])
    assert "rule" in result._repr_html_()
    assert repr(result.discrepancies) == f"<Discrepancies: {len(frame)} rows>"


def test_the_floats_of_pyarrows_decimal_cast_are_the_amounts() -> None:
    # pyarrow's decimal128 -> float64 cast multiplies by 0.01, so it lands one unit in the last
    # place beside the nearest float for some amounts (repr 551959126.9300001): the core's
    # float-to-money policy reads them as the amounts they came from.
    book = legacy_book(300, errors=60, seed=9)
    tables = book.tables()

    def floats(t: pa.Table) -> pa.Table:
        for i, f in enumerate(t.schema):
            if pa.types.is_decimal(f.type) and f.type.scale == 2:
                t = t.set_column(i, f.name, t.column(i).cast(pa.float64()))
        return t

    cast = [floats(t) for t in tables]
    off = [x for t in cast for c in t.columns if pa.types.is_floating(c.type)
           for x in c.to_pylist() if x is not None and Decimal(repr(x)) != round(Decimal(x), 2)]
    assert off, "no float of the cast is off the nearest one"
    want = windeep.audit_loan_book(*tables, as_of=book.as_of)
    got = windeep.audit_loan_book(*cast, as_of=book.as_of, money_from_float="round2")
    assert list(got.discrepancies) == list(want.discrepancies)
    from windeep.audit import audit_export

    assert audit_export(*cast, as_of=book.as_of) == audit_export(*tables, as_of=book.as_of)
    frames = [t.to_pandas() for t in cast]
    assert audit_export(*frames, as_of=book.as_of) == audit_export(*tables, as_of=book.as_of)
