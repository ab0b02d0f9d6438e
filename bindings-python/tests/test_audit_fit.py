"""The auditor's Python fit: one loan side by side (``ExportAudit.loan``), a database connection
as input (``audit_export(connection=...)``), slicing the result lists, and money columns that
pyarrow cast from decimal to float."""

from __future__ import annotations

import csv
import datetime
import json
import pathlib
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

import windeep
from windeep.audit import EXPORT_COLUMNS, ExportAudit, LoanDetail, audit_export, read_connection
from windeep.testing import legacy_book

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
pd = pytest.importorskip("pandas")

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXPORT = ROOT / "fixtures" / "legacy_export"
TABLES = ("loans", "loan_installments", "loan_payments", "fines")
AS_OF = datetime.date(2026, 6, 15)


@pytest.fixture(scope="module")
def from_csv() -> ExportAudit:
    return audit_export(*[EXPORT / f"{t}.csv" for t in TABLES], as_of=AS_OF)


# --- one loan side by side ---------------------------------------------------------------------


def _fixture(name: str) -> dict[str, Any]:
    with open(ROOT / "fixtures" / "audit" / f"{name}.json") as f:
        case: dict[str, Any] = json.load(f)
    return case


def test_the_side_by_side_of_the_fixture_loan_is_the_operation_output() -> None:
    case = _fixture("audit_loan_detail_12_1_side_by_side")
    inp, want = case["input"], case["expected"]
    audit = audit_export(*[inp[t] for t in TABLES],
                         as_of=datetime.date.fromisoformat(inp["as_of"]))
    detail = audit.loan(inp["loan_id"])
    assert isinstance(detail, LoanDetail)
    assert (detail.loan_id, detail.loan_number, detail.statement, detail.refusal) == (
        want["loan_id"], want["loan_number"], want["statement"], want["refusal"])
    assert [(p.installment, p.pairing, list(p.differences)) for p in detail.installments] == [
        (p["installment"], p["pairing"], p["differences"]) for p in want["installments"]]
    frame = detail.side_by_side()
    assert list(frame["pairing"]) == [p["pairing"] for p in want["installments"]]
    # Installment 7 was written twice: the first row (id 107) is paired, the second is extra.
    sevens = frame[frame["installment"] == 7]
    assert list(zip(sevens["pairing"], sevens["row_id"])) == [("matched", 107), ("extra", 150)]
    row5 = frame[frame["installment"] == 5].iloc[0]
    assert (row5["interest_amount_stored"], row5["interest_amount_correct"]) == (
        Decimal("679.85"), Decimal("679.84"))
    assert row5["differences"] == "interest_amount"
    missing = frame[frame["pairing"] == "missing"].iloc[0]
    assert missing["installment"] == 12 and missing["row_id"] is pd.NA
    assert missing["closing_balance"] == Decimal("0.00")
    assert missing["due_date_correct"] == datetime.date(2027, 1, 5)
    header = detail.header_frame().set_index("field")
    assert header.loc["total_interest", "stored"] == Decimal("6618.55")
    assert header.loc["total_interest", "correct"] == Decimal("6618.53")
    assert list(header.index[header["differs"]]) == [
        "total_interest", "total_payable", "outstanding_interest"]
    # The loan's findings come with it, and the HTML view marks the differing cells.
    assert {f.rule for f in detail.findings} >= {"R_ROW_STATUS", "R_ROW_INTEREST",
                                                 "R_ROW_EXTRA", "R_ROW_MISSING"}
    assert "background:#fdd" in detail._repr_html_()
    assert detail.to_pandas().equals(frame)


def _row_rules(detail: LoanDetail) -> set[tuple[int, str]]:
    """The (installment, column) pairs the side-by-side shows as different."""
    return {(p.installment, c) for p in detail.installments for c in p.differences}


#: The row rules of the audit and the column each compares.
ROW_RULES = {
    "R_ROW_DUE_DATE": "due_date", "R_ROW_PRINCIPAL": "principal_amount",
    "R_ROW_INTEREST": "interest_amount", "R_FLAT_REMAINDER": "interest_amount",
    "R_ROW_EMI": "emi_amount", "R_ROW_PRINCIPAL_PAID": "principal_paid",
    "R_ROW_INTEREST_PAID": "interest_paid", "R_ROW_STATUS": "status",
}


def test_every_loan_side_by_side_shows_exactly_its_row_findings(from_csv: ExportAudit) -> None:
    # Every loan with findings, and the first loans of the export (mostly clean ones).
    malformed = {x["loan_id"] for x in from_csv.loans if x["malformed"]}
    with open(EXPORT / "loans.csv", newline="") as f:
        first = [int(r["id"]) for r in csv.DictReader(f)][:20]
    loan_ids = sorted({x["loan_id"] for x in from_csv.loans} | set(first))
    seen_pairings = set()
    for loan_id in loan_ids:
        if loan_id in malformed:
            with pytest.raises(windeep.InvalidInputError, match="malformed"):
                from_csv.loan(loan_id)
            continue
        detail = from_csv.loan(loan_id)
        findings = [f for f in from_csv.findings if f.loan_id == loan_id]
        assert detail.findings == tuple(findings)
        assert _row_rules(detail) == {(f.installment, ROW_RULES[f.rule]) for f in findings
                                      if f.rule in ROW_RULES}
        missing = {p.installment for p in detail.installments if p.pairing == "missing"}
        assert missing == {f.installment for f in findings if f.rule == "R_ROW_MISSING"}
        extra = {p.stored["id"] for p in detail.installments
                 if p.pairing == "extra" and p.stored is not None}
        assert extra == {f.row_id for f in findings if f.rule == "R_ROW_EXTRA"} or \
            detail.statement == "no_schedule"
        header = {h["field"] for h in detail.header if h["differs"]}
        assert header == {f.field for f in findings if f.table == "loans" and
                          f.rule not in ("R_TERMS_INVALID", "R_MALFORMED_CELL")}
        seen_pairings |= {p.pairing for p in detail.installments}
    rules = {f.rule for f in from_csv.findings}
    assert seen_pairings == {"matched"} | ({"missing"} if "R_ROW_MISSING" in rules else set()) \
        | ({"extra"} if "R_ROW_EXTRA" in rules else set())


def test_an_unknown_loan_is_refused(from_csv: ExportAudit) -> None:
    with pytest.raises(windeep.InvalidInputError, match="no loan of the export has the id 99999"):
        from_csv.loan(99999)
    with pytest.raises(windeep.InvalidInputError):
        from_csv.loan(True)
    # Loan 1 has a malformed cell: the refusal names it as the finding does.
    with pytest.raises(windeep.InvalidInputError,
                       match=r'loan_installments\[10007\]\.principal_amount = "12,345.00"'):
        from_csv.loan(1)
    np = pytest.importorskip("numpy")
    assert from_csv.loan(np.int64(3)).loan_id == 3


# --- a database connection as input ------------------------------------------------------------


def _sql_type(table: str, column: str) -> str:
    """The legacy schema's column types, as SQLite reads them (numeric affinity for DECIMAL,
    so sound amounts come back as int or float and malformed ones as text)."""
    if column in ("id", "loan_id", "member_id", "installment_id", "related_id", "fine_rule_id",
                  "installment_number", "tenure_months", "is_reversed"):
        return "INTEGER"
    if column.endswith("_date") or column in ("created_at",):
        return "DATE"
    if column in ("loan_number", "interest_type", "status", "payment_type", "related_type"):
        return "VARCHAR(32)"
    return "DECIMAL(15,2)"


def _sqlite(path: pathlib.Path, names: dict[str, str] | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for table in TABLES:
        with open(EXPORT / f"{table}.csv", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            name = (names or {}).get(table, table)
            conn.execute(f"CREATE TABLE {name} ("
                         + ", ".join(f"{c} {_sql_type(table, c)}" for c in header) + ")")
            conn.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' for _ in header)})",
                [[None if v == "\\N" else v for v in row] for row in reader])
    conn.commit()
    return conn


def test_a_dbapi_connection_gives_the_csv_audit(from_csv: ExportAudit,
                                                tmp_path: pathlib.Path) -> None:
    conn = _sqlite(tmp_path / "legacy.db")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    result = audit_export(connection=conn, as_of=AS_OF)
    assert result == from_csv
    # Only SELECTs, of the documented columns (fines.loan_id because the table has it).
    assert all(s.startswith("SELECT ") for s in statements)
    assert any(s.startswith("SELECT id, loan_number, principal_amount") for s in statements)
    assert not any("member_id" in s or "created_at" in s for s in statements)
    # The side-by-side works on what the connection gave.
    assert result.loan(3).installments == from_csv.loan(3).installments


def test_table_names_are_configurable_and_checked(from_csv: ExportAudit,
                                                  tmp_path: pathlib.Path) -> None:
    names = {"loans": "old_loans", "fines": "old_fines"}
    conn = _sqlite(tmp_path / "renamed.db", names)
    assert audit_export(connection=conn, tables=names, as_of=AS_OF) == from_csv
    raw = read_connection(conn, names)
    assert raw["loans"][0] == list(EXPORT_COLUMNS["loans"])
    assert raw["fines"][0] == [*EXPORT_COLUMNS["fines"], "loan_id"]
    for bad in ({"loans": "loans; DROP TABLE fines"}, {"loans": "a b"}, {"members": "x"}):
        with pytest.raises(windeep.InvalidInputError):
            audit_export(connection=conn, tables=bad, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="not more than one"):
        audit_export(EXPORT / "loans.csv", connection=conn, as_of=AS_OF)
    with pytest.raises(windeep.InvalidInputError, match="tables="):
        audit_export(*[EXPORT / f"{t}.csv" for t in TABLES], tables=names, as_of=AS_OF)


def test_a_sqlalchemy_engine_or_connection_gives_the_csv_audit(
        from_csv: ExportAudit, tmp_path: pathlib.Path) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    _sqlite(tmp_path / "legacy.db").close()
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    assert audit_export(connection=engine, as_of=AS_OF) == from_csv
    with engine.connect() as conn:
        assert audit_export(connection=conn, as_of=AS_OF) == from_csv
    engine.dispose()


# --- slicing -------------------------------------------------------------------------------------


def test_slicing_a_discrepancy_list_gives_a_list_of_discrepancies() -> None:
    book = legacy_book(60, errors=30, seed=11)
    result = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    ds = result.discrepancies
    assert len(ds) > 4
    part = ds[1:3]
    assert type(part) is list
    assert part == [ds[1], ds[2]]
    assert all(type(d) is windeep.audit.Discrepancy for d in part)
    assert ds[::-1] == list(reversed(list(ds)))
    assert ds[-2:] == list(ds)[-2:]
    assert ds[5:2] == []
    assert ds[-1] == list(ds)[-1]
    np = pytest.importorskip("numpy")
    assert ds[np.int64(1)] == ds[1]
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_every_list_of_an_export_audit_slices_to_its_own_kind(from_csv: ExportAudit) -> None:
    # The levels are tuples (immutable): a slice is a tuple of the same elements.
    for items, kind in ((from_csv.findings, windeep.audit.Finding),
                        (from_csv.causes, object), (from_csv.loans, object)):
        part = items[1:3]
        assert isinstance(part, tuple) and len(part) == 2
        assert all(isinstance(x, kind) for x in part)
    detail = from_csv.loan(3)
    part = detail.installments[1:3]
    assert isinstance(part, tuple)
    assert all(isinstance(p, windeep.audit.InstallmentPair) for p in part)


# --- money that pyarrow cast from decimal to float ------------------------------------------


def _floats(table: Any) -> Any:
    """The table with every decimal column cast to float64 by pyarrow itself."""
    columns = [pc.cast(c, pa.float64()) if pa.types.is_decimal(c.type) and c.type.scale == 2
               else c for c in table.columns]
    return pa.table(columns, names=table.column_names)


def test_money_cast_by_pyarrow_from_decimal_to_float_is_accepted() -> None:
    book = legacy_book(200, errors=80, seed=3)
    exact = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    floats = [_floats(t) for t in book.tables()]
    assert any(pa.types.is_floating(t) for t in floats[0].schema.types)
    cast = windeep.audit_loan_book(*floats, as_of=book.as_of, money_from_float="round2")
    assert list(cast.discrepancies) == list(exact.discrepancies)
    # The same columns through audit_export (each float read through its shortest repr) and
    # through pandas float64 columns.
    by_export = audit_export(*book.tables(), as_of=book.as_of)
    assert audit_export(*floats, as_of=book.as_of) == by_export
    assert audit_export(*[t.to_pandas() for t in floats], as_of=book.as_of) == by_export


def _nearest_floats(table: Any) -> Any:
    """The table with every money column as the nearest float of each amount (what a driver
    that reads ``DECIMAL(15,2)`` as a double gives)."""
    columns = [pc.cast(pc.cast(c, pa.string()), pa.float64())
               if pa.types.is_decimal(c.type) and c.type.scale == 2 else c
               for c in table.columns]
    return pa.table(columns, names=table.column_names)


def test_nearest_floats_are_accepted_and_others_never_rounded() -> None:
    book = legacy_book(100, errors=40, seed=3)
    floats = [_nearest_floats(t) for t in book.tables()]
    exact = windeep.audit_loan_book(*book.tables(), as_of=book.as_of)
    cast = windeep.audit_loan_book(*floats, as_of=book.as_of, money_from_float="round2")
    assert list(cast.discrepancies) == list(exact.discrepancies)
    assert audit_export(*floats, as_of=book.as_of) == audit_export(*book.tables(),
                                                                   as_of=book.as_of)
    bad = floats[0].set_column(
        floats[0].column_names.index("emi_amount"), "emi_amount",
        pa.array([0.1 + 0.2] + [1.0] * (floats[0].num_rows - 1), pa.float64()))
    with pytest.raises(windeep.InvalidAmountError, match="0.30000000000000004"):
        windeep.audit_loan_book(bad, *floats[1:], as_of=book.as_of, money_from_float="round2")
    flagged = audit_export(bad, *floats[1:], as_of=book.as_of)
    assert any(f.rule == "R_MALFORMED_CELL" and f.stored == "0.30000000000000004"
               for f in flagged.findings)


def test_database_bytes_are_utf8_text_or_refused(tmp_path: pathlib.Path) -> None:
    raw = read_connection(_sqlite(tmp_path / "legacy.db"))
    conn = _sqlite(tmp_path / "blob.db")
    conn.execute("UPDATE loans SET loan_number = CAST(loan_number AS BLOB)")
    assert read_connection(conn)["loans"] == raw["loans"]
    conn.execute("UPDATE loans SET loan_number = X'FF' WHERE id = 3")
    with pytest.raises(windeep.InvalidInputError, match="not UTF-8"):
        read_connection(conn)
