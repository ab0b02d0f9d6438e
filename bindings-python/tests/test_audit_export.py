"""The generated legacy export (fixtures/legacy_export/) through ``windeep.audit.audit_export``:
the findings its generator planted, from pandas, pyarrow, polars, an Arrow stream, CSV,
Parquet and the mysqldump file, with identical results."""

from __future__ import annotations

import csv
import datetime
import pathlib
from decimal import Decimal

import pytest

from windeep.audit import ExportAudit, audit_export

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

EXPORT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "legacy_export"
TABLES = ("loans", "loan_installments", "loan_payments", "fines")
AS_OF = datetime.date(2026, 6, 15)


def _planted() -> set[tuple[str, ...]]:
    with open(EXPORT / "expected_findings.csv", newline="") as f:
        return {tuple(r) for r in list(csv.reader(f))[1:]}


def _keys(result: ExportAudit) -> set[tuple[str, ...]]:
    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return f"{v:.2f}"
        return str(v)

    keys = [tuple(text(getattr(f, k)) for k in
                  ("loan_id", "table", "row_id", "field", "rule", "stored", "correct"))
            for f in result.findings]
    assert len(keys) == len(set(keys))
    return set(keys)


def _csv_paths() -> list[pathlib.Path]:
    return [EXPORT / f"{t}.csv" for t in TABLES]


def _arrow() -> list[object]:
    pcsv = pytest.importorskip("pyarrow.csv")
    # Every column read as text, exactly as exported.
    opts = pcsv.ConvertOptions(strings_can_be_null=False, column_types={}, null_values=[])
    out = []
    for path in _csv_paths():
        names = path.read_text().split("\n", 1)[0].split(",")
        opts = pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                   null_values=[], strings_can_be_null=False)
        out.append(pcsv.read_csv(path, convert_options=opts))
    return out


@pytest.fixture(scope="module")
def from_csv() -> ExportAudit:
    return audit_export(*_csv_paths(), as_of=AS_OF)


def test_every_planted_finding_is_found_and_nothing_else(from_csv: ExportAudit) -> None:
    assert _keys(from_csv) == _planted()
    with open(EXPORT / "expected_counts.csv", newline="") as f:
        counts = dict(list(csv.reader(f))[1:])
    s = from_csv.summary
    assert str(s["loans"]) == counts["loans"]
    assert str(s["loans_malformed"]) == counts["loans_malformed"]
    assert str(s["findings"]) == counts["findings"]
    # Money is Decimal; the causes come first in the HTML view.
    diff = next(f for f in from_csv.findings if f.rule == "R_HEADER_TOTAL_INTEREST")
    assert isinstance(diff.stored, Decimal) and diff.difference == diff.stored - diff.correct
    html = from_csv._repr_html_()
    assert html.index("By cause") < html.index("By loan") < html.index("By row")


def test_every_input_gives_the_same_audit(from_csv: ExportAudit, tmp_path: pathlib.Path) -> None:
    arrow = _arrow()
    results = {
        "arrow": audit_export(*arrow, as_of=AS_OF),
        "pandas": audit_export(*[t.to_pandas() for t in arrow], as_of=AS_OF),
        "dump": audit_export(dump=EXPORT / "export.sql", as_of=AS_OF),
    }
    pq = pytest.importorskip("pyarrow.parquet")
    paths = []
    for name, t in zip(TABLES, arrow):
        p = tmp_path / f"{name}.parquet"
        pq.write_table(t, p)
        paths.append(p)
    results["parquet"] = audit_export(*paths, as_of=AS_OF)
    if hasattr(pa, "string_view"):
        views = [t.cast(pa.schema([(n, pa.string_view()) for n in t.column_names]))
                 for t in arrow]

        class Stream:
            def __init__(self, table: object) -> None:
                self.table = table

            def __arrow_c_stream__(self, requested_schema: object = None) -> object:
                return self.table.__arrow_c_stream__(requested_schema)

        results["string_view stream"] = audit_export(*[Stream(v) for v in views], as_of=AS_OF)
    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is not None:
        results["polars"] = audit_export(*[pl.from_arrow(t) for t in arrow], as_of=AS_OF)
    for name, result in results.items():
        assert result == from_csv, name


def test_typed_columns_are_read_as_their_text() -> None:
    # Decimal, int, float and date columns (a spreadsheet's floats included) read as text.
    arrow = _arrow()
    loans = arrow[0].to_pandas()
    loans["principal_amount"] = loans["principal_amount"].map(float)
    loans["id"] = loans["id"].map(int)
    loans["disbursement_date"] = loans["disbursement_date"].map(datetime.date.fromisoformat)
    loans["interest_rate"] = loans["interest_rate"].map(Decimal)
    result = audit_export(loans, *arrow[1:], as_of=AS_OF)
    assert _keys(result) == _planted()


def test_decimal128_columns_narrow_or_wide_are_read_as_their_text(from_csv: ExportAudit) -> None:
    # Amounts that fit 64 bits are held in 64, one beyond them keeps the column in 128 bits:
    # either way each cell reads as the text it was exported as.
    arrow = _arrow()
    money = ["principal_amount", "total_interest", "total_payable", "outstanding_principal",
             "outstanding_interest"]

    def typed(loans: object) -> object:
        for name in money:
            i = loans.schema.get_field_index(name)
            loans = loans.set_column(i, name, loans[name].cast(pa.decimal128(38, 2)))
        return loans

    assert audit_export(typed(arrow[0]), *arrow[1:], as_of=AS_OF) == from_csv
    huge = "123456789012345678901.00"  # beyond 2^63 minor units
    i = arrow[0].schema.get_field_index("principal_amount")
    cells = arrow[0]["principal_amount"].to_pylist()
    cells[0] = huge
    text = arrow[0].set_column(i, "principal_amount", pa.array(cells, pa.string()))
    wide = audit_export(typed(text), *arrow[1:], as_of=AS_OF)
    assert wide == audit_export(text, *arrow[1:], as_of=AS_OF)


def test_a_tolerance_leaves_out_the_paisa_differences(from_csv: ExportAudit) -> None:
    tolerant = audit_export(*_csv_paths(), as_of=AS_OF, tolerance="0.05")
    small = [f for f in from_csv.findings
             if f.difference is not None and abs(f.difference) <= Decimal("0.05")]
    assert small
    assert len(tolerant.findings) == len(from_csv.findings) - len(small)
    assert tolerant.summary["below_tolerance"] == len(small)


def test_levels_as_dataframes_and_excel(from_csv: ExportAudit, tmp_path: pathlib.Path) -> None:
    rows = from_csv.to_pandas()
    assert list(rows.columns[:6]) == ["loan_id", "loan_number", "table", "row_id",
                                      "installment", "field"]
    assert str(rows["row_id"].dtype) == "Int64"
    causes = from_csv.to_pandas("causes")
    assert causes["findings"].sum() == len(rows)
    pytest.importorskip("openpyxl")
    path = tmp_path / "audit.xlsx"
    from_csv.to_excel(path)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["summary", "causes", "loans", "rows"]
    assert sheets["rows"]["difference"].dropna().map(type).eq(float).all()
