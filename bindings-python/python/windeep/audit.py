"""Batch audit of a legacy loan book: :func:`audit_loan_book`.

The legacy system's tables (``loans``, ``loan_installments``, ``loan_payments``, ``fines``) go
in as pandas DataFrames or pyarrow Tables; every loan is recomputed by ``windeep-core``
(``docs/audit.md``) outside the GIL, in parallel over loans, and the result lists every stored
figure that differs from what the rules give, with the rule it breaks.

This module only hands columns over: a column whose Arrow type the extension reads (int64,
bool, date32, decimal128 of any scale, float64, utf8) is passed as it is, chunk by chunk,
without a copy; a few others are cast by pyarrow (other integer widths, large or view strings,
dictionaries, midnight timestamps); anything else goes as the text of each cell. What every
cell means, the grouping of rows by loan and every rule are the core's (``docs/audit.md``).
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import operator
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, SupportsIndex, overload

from windeep import _windeep
from windeep._frames import require
from windeep._side_by_side import InstallmentPair, LoanDetail, loan_detail

__all__ = [
    "AuditResult", "AuditSummary", "Discrepancies", "Discrepancy", "ExportAudit", "Finding",
    "FrozenMapping", "InstallmentPair", "LoanDetail",
    "audit_export", "audit_loan_book", "read_connection", "read_dump",
]

#: Columns of the discrepancy table, in order.
COLUMNS = ("loan", "installment", "field", "stored", "correct", "rule", "message")

_MONEY = "money"
_RATE = "rate"
_INT = "int"
_OPT_INT = "int?"
_DATE = "date"
_OPT_DATE = "date?"
_TEXT = "text"
_FLAG = "flag"

#: The columns each table must have, and their kinds. Other columns are ignored.
TABLES: dict[str, dict[str, str]] = {
    "loans": {
        "id": _INT, "loan_number": _TEXT, "principal_amount": _MONEY, "interest_rate": _RATE,
        "interest_type": _TEXT, "tenure_months": _INT, "disbursement_date": _DATE,
        "first_emi_date": _DATE, "last_emi_date": _OPT_DATE, "emi_amount": _MONEY,
        "total_interest": _MONEY, "total_payable": _MONEY, "outstanding_principal": _MONEY,
        "outstanding_interest": _MONEY, "outstanding_fine": _MONEY,
    },
    "loan_installments": {
        "id": _INT, "loan_id": _INT, "installment_number": _INT, "due_date": _DATE,
        "principal_amount": _MONEY, "interest_amount": _MONEY, "emi_amount": _MONEY,
        "principal_paid": _MONEY, "interest_paid": _MONEY, "status": _TEXT,
    },
    "loan_payments": {
        "id": _INT, "loan_id": _INT, "installment_id": _OPT_INT, "payment_date": _DATE,
        "payment_type": _TEXT, "total_amount": _MONEY, "principal_component": _MONEY,
        "interest_component": _MONEY, "fine_component": _MONEY, "excess_amount": _MONEY,
        "is_reversed": _FLAG,
    },
    "fines": {
        "id": _INT, "related_type": _TEXT, "related_id": _INT, "fine_rule_id": _OPT_INT,
        "fine_date": _DATE, "fine_amount": _MONEY, "paid_amount": _MONEY,
        "waived_amount": _MONEY, "balance_amount": _MONEY, "status": _TEXT,
    },
}

#: Kinds of column whose floats are money (refused by :func:`audit_loan_book` unless
#: ``money_from_float="round2"``).
_FLOAT_MONEY = (_MONEY, _RATE)


def _error(cls: type[_windeep.WindeepError], message: str) -> _windeep.WindeepError:
    err = cls(message)
    err.message = message
    return err


def _as_table(pa: Any, name: str, value: Any) -> Any:
    if isinstance(value, pa.Table):
        return value
    if type(value).__module__.startswith("pandas") and type(value).__name__ == "DataFrame":
        return value
    raise _error(
        _windeep.InvalidInputError,
        f"{name} must be a pandas DataFrame or a pyarrow Table, not {type(value).__name__}",
    )


def _is_read_as_is(pa: Any, t: Any) -> bool:
    """Whether the extension reads an Arrow array of type `t` as it is."""
    return bool(t in (pa.int64(), pa.bool_(), pa.date32(), pa.float64(), pa.string())
                or (pa.types.is_decimal(t) and t.bit_width == 128))


def _arrow_column(pa: Any, pc: Any, column: Any) -> Any:
    """One Arrow column (array or chunked array) as the extension reads it: its chunks when
    their type is one it reads, else cast by pyarrow to one, else the text of each cell."""
    chunks = list(column.chunks) if isinstance(column, pa.ChunkedArray) else [column]
    t = column.type
    if _is_read_as_is(pa, t):
        return chunks
    target = None
    if pa.types.is_integer(t):
        target = pa.int64()
    elif pa.types.is_floating(t):
        target = pa.float64()
    elif pa.types.is_large_string(t) or (
            hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t)):
        target = pa.string()
    elif pa.types.is_dictionary(t):
        return _arrow_column(pa, pc, pc.cast(column, t.value_type))
    elif pa.types.is_date(t):
        target = pa.date32()
    elif pa.types.is_timestamp(t):
        dates = pc.cast(column, pa.date32())
        if pc.all(pc.equal(pc.cast(dates, t), column)).as_py() is not False:
            return _arrow_column(pa, pc, dates)
    elif pa.types.is_decimal(t):
        target = pa.string()
    if target is not None:
        try:
            return _arrow_column(pa, pc, pc.cast(column, target))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return [_cell(v) for v in column.to_pylist()]


def _pandas_column(pa: Any, pc: Any, series: Any) -> Any:
    """One pandas column as the extension reads it (through Arrow when pyarrow can convert
    it, else the text of each cell)."""
    try:
        array = pa.Array.from_pandas(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return [_cell(v) for v in series.tolist()]
    return _arrow_column(pa, pc, array)


def _needed() -> dict[str, list[str]]:
    """The columns the core reads, per table."""
    return dict(_windeep._audit_columns())


def _columns(table: str, value: Any, *, strict: bool = False,
             money_from_float: str | None = None) -> dict[str, Any]:
    """The columns of one table the core reads (those it has), as the extension takes them:
    from pandas or polars DataFrames, pyarrow tables and batches, any Arrow stream, CSV or
    Parquet paths, or ``{"columns": [...], "rows": [...]}`` of raw cells."""
    needed = _needed()[table]
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        import os

        path = os.fspath(value)
        suffix = str(path).lower()
        if suffix.endswith(".parquet") or suffix.endswith(".pq"):
            pq = importlib.import_module("pyarrow.parquet")
            value = pq.read_table(path)
        else:
            with open(path, "rb") as f:
                names, cells = _windeep._read_csv_table(f.read())
            return {n: c for n, c in zip(names, cells) if n in needed}
    if isinstance(value, Mapping) and "columns" in value:
        names = list(value["columns"])
        rows = list(value.get("rows", ()))
        return {n: [_cell(r[i]) if i < len(r) else None for r in rows]
                for i, n in enumerate(names) if n in needed}
    pa = require("pyarrow", "the batch audit", "arrow")
    pc = importlib.import_module("pyarrow.compute")
    module = type(value).__module__
    if module.startswith("pandas") and type(value).__name__ == "DataFrame":
        names = [str(c) for c in value.columns]
        out = {}
        for name, key in zip(names, value.columns):
            if name in needed:
                series = value[key]
                _check_floats(table, name, series.dtype.kind == "f" and len(series) > 0, strict,
                              money_from_float)
                out[name] = _pandas_column(pa, pc, series)
        return out
    if isinstance(value, pa.RecordBatch):
        value = pa.Table.from_batches([value])
    elif not isinstance(value, pa.Table):
        if hasattr(value, "__arrow_c_stream__"):
            value = pa.table(value)
        elif hasattr(value, "to_arrow"):  # polars without the capsule interface
            value = value.to_arrow()
        else:
            raise _error(
                _windeep.InvalidInputError,
                f"{table} must be a DataFrame (pandas, polars), an Arrow table or stream, a "
                f"CSV or Parquet path, not {type(value).__name__}",
            )
    out = {}
    for name in value.column_names:
        if name in needed:
            column = value.column(name)
            _check_floats(table, name, pa.types.is_floating(column.type) and len(column) > 0,
                          strict, money_from_float)
            out[name] = _arrow_column(pa, pc, column)
    return out


def _check_floats(table: str, name: str, floating: bool, strict: bool,
                  money_from_float: str | None) -> None:
    """:func:`audit_loan_book` takes float money only when asked to (the core reads each
    float by its float-to-money policy, ``Money::from_f64_shortest``)."""
    if strict and floating and money_from_float != "round2" \
            and TABLES[table].get(name) in _FLOAT_MONEY:
        raise _error(
            _windeep.InvalidAmountError,
            f"{table}.{name} holds floats, which may already have lost paise: pass Decimal, "
            "exact strings or integers, or money_from_float='round2'",
        )


class FrozenMapping(Mapping[str, Any]):
    """A read-only mapping that pickles and copies (``types.MappingProxyType`` does neither):
    the counts and levels of the audit results are held in it, so a result crosses a process
    pool, joblib or Dask unchanged.

    >>> import pickle
    >>> m = FrozenMapping({"R_EMI": 2})
    >>> m["R_EMI"], dict(m), pickle.loads(pickle.dumps(m)) == m
    (2, {'R_EMI': 2}, True)
    """

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FrozenMapping is read-only")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (self._data,))


class Discrepancy(NamedTuple):
    """One stored figure that differs from what the rules give."""

    loan: str
    installment: int | None
    field: str
    stored: str | None
    correct: str | None
    rule: str
    message: str


class Discrepancies:
    """The discrepancy table: immutable, iterable, convertible to pandas and Arrow.

    ``stored`` and ``correct`` are text exactly as the core wrote them (money at 2 places,
    dates ``YYYY-MM-DD``), ``None`` where there is none.
    """

    __slots__ = ("_columns",)
    _columns: Mapping[str, tuple[Any, ...]]

    def __init__(self, columns: Mapping[str, list[Any]]) -> None:
        object.__setattr__(
            self, "_columns", FrozenMapping({c: tuple(columns[c]) for c in COLUMNS})
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Discrepancies is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Discrepancies, ({c: list(v) for c, v in self._columns.items()},))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Discrepancies):
            return NotImplemented
        return dict(self._columns) == dict(other._columns)

    def __hash__(self) -> int:
        return hash(tuple(self._columns[c] for c in COLUMNS))

    def __len__(self) -> int:
        return len(self._columns["loan"])

    def __iter__(self) -> Iterator[Discrepancy]:
        return (Discrepancy(*row) for row in zip(*(self._columns[c] for c in COLUMNS)))

    @overload
    def __getitem__(self, i: SupportsIndex) -> Discrepancy: ...

    @overload
    def __getitem__(self, i: slice) -> list[Discrepancy]: ...

    def __getitem__(self, i: SupportsIndex | slice) -> Discrepancy | list[Discrepancy]:
        """One discrepancy by position, or a ``list`` of them for a slice
        (``result.discrepancies[1:3]``), as a ``list`` is sliced."""
        if isinstance(i, slice):
            return [Discrepancy(*row)
                    for row in zip(*(self._columns[c][i] for c in COLUMNS))]
        return Discrepancy(*(self._columns[c][i] for c in COLUMNS))

    def __repr__(self) -> str:
        return f"<Discrepancies: {len(self)} rows>"

    def column(self, name: str) -> tuple[Any, ...]:
        """One column as a tuple."""
        return self._columns[name]

    def to_pandas(self) -> Any:
        """A DataFrame with the columns ``loan, installment, field, stored, correct, rule,
        message``; ``installment`` is a nullable ``Int64``, the rest hold ``str`` (or None)."""
        pd = require("pandas", "to_pandas()", "pandas")
        return pd.DataFrame({
            c: pd.Series(self._columns[c], dtype="Int64" if c == "installment" else object)
            for c in COLUMNS
        })

    def to_arrow(self) -> Any:
        """A pyarrow Table: ``installment`` as ``uint32``, every other column ``string``."""
        pa = require("pyarrow", "audit_loan_book()", "arrow")
        return pa.Table.from_arrays(
            [pa.array(self._columns[c], pa.uint32() if c == "installment" else pa.string())
             for c in COLUMNS],
            names=list(COLUMNS),
        )


@dataclass(frozen=True)
class AuditSummary:
    """Counts over the audit of a book."""

    #: Loans audited (rows of ``loans``).
    loans_audited: int
    #: Loans with at least one discrepancy.
    loans_with_discrepancies: int
    #: Discrepancies in all.
    discrepancies: int
    #: Discrepancies per rule id (rules with none are left out).
    by_rule: Mapping[str, int]
    #: Rows that belong to no loan of ``loans``: installments and payments whose ``loan_id``,
    #: loan fines whose ``related_id`` matches nothing. They are not audited.
    unmatched_rows: Mapping[str, int]


@dataclass(frozen=True)
class AuditResult:
    """The result of :func:`audit_loan_book`."""

    #: The audit date.
    as_of: datetime.date
    #: Every discrepancy, loan by loan in the order of ``loans``.
    discrepancies: Discrepancies
    #: Counts.
    summary: AuditSummary

    def to_json(self, **kwargs: Any) -> str:
        """The result as JSON text: ``as_of``, ``summary`` (the counts) and ``discrepancies``
        (one object per row, with the table's columns; text exactly as the core wrote it).
        Keyword arguments go to :func:`json.dumps` (``indent=2`` …)."""
        s = self.summary
        return json.dumps({
            "as_of": self.as_of.isoformat(),
            "summary": {
                "loans_audited": s.loans_audited,
                "loans_with_discrepancies": s.loans_with_discrepancies,
                "discrepancies": s.discrepancies,
                "by_rule": dict(s.by_rule),
                "unmatched_rows": dict(s.unmatched_rows),
            },
            "discrepancies": [d._asdict() for d in self.discrepancies],
        }, **kwargs)

    def to_pandas(self) -> Any:
        """The discrepancy table as a DataFrame (``discrepancies.to_pandas()``)."""
        return self.discrepancies.to_pandas()

    def to_arrow(self) -> Any:
        """The discrepancy table as a pyarrow Table (``discrepancies.to_arrow()``)."""
        return self.discrepancies.to_arrow()

    def _repr_html_(self) -> str:
        s = self.summary
        rows = "".join(
            f"<tr><td><code>{rule}</code></td><td style='text-align:right'>{n}</td></tr>"
            for rule, n in s.by_rule.items()
        )
        return (
            f"<p>Audit as of {self.as_of.isoformat()}: {s.loans_audited} loans, "
            f"{s.loans_with_discrepancies} with discrepancies, {s.discrepancies} "
            f"discrepancies.</p><table><tr><th>rule</th><th>count</th></tr>{rows}</table>"
        )


def audit_loan_book(
    loans: Any,
    installments: Any,
    payments: Any,
    fines: Any,
    *,
    as_of: datetime.date,
    money_from_float: Literal["round2"] | None = None,
) -> AuditResult:
    """Recomputes every loan of a legacy book and lists every stored figure that differs.

    ``loans``, ``installments``, ``payments`` and ``fines`` are pandas DataFrames or pyarrow
    Tables of the legacy ``loans``, ``loan_installments``, ``loan_payments`` and ``fines``
    tables, with their column names (``docs/audit.md``; extra columns are ignored). Money
    columns must hold ``decimal.Decimal`` values, exact decimal strings, integers or Arrow
    decimals. A float column is refused unless ``money_from_float="round2"``: each float is
    then read by the core's float-to-money policy (``Money::from_f64_shortest``: its shortest
    ``repr``, refused unless that has at most 2 decimals).
    ``as_of`` is the audit date (statuses and outstanding figures are as of its end).

    Raises a :class:`windeep.WindeepError` subclass for a missing column, a column of the wrong
    kind, a null in a required column or a value that is not exact.
    """
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise _error(_windeep.InvalidDateError, "as_of must be a datetime.date")
    if money_from_float not in (None, "round2"):
        raise _error(_windeep.InvalidInputError,
                     f"money_from_float must be None or 'round2', not {money_from_float!r}")
    pa = require("pyarrow", "audit_loan_book()", "arrow")
    args = [
        _columns(table, _as_table(pa, table, value), strict=True,
                 money_from_float=money_from_float)
        for table, value in zip(TABLES, (loans, installments, payments, fines))
    ]
    columns, summary = _windeep._audit_book_columns(
        args[0], args[1], args[2], args[3], as_of, "0", True)
    return AuditResult(
        as_of=as_of,
        discrepancies=Discrepancies(columns),
        summary=AuditSummary(
            loans_audited=summary["loans_audited"],
            loans_with_discrepancies=summary["loans_with_discrepancies"],
            discrepancies=summary["discrepancies"],
            by_rule=FrozenMapping(summary["by_rule"]),
            unmatched_rows=FrozenMapping(summary["unmatched_rows"]),
        ),
    )


# --- A whole export through the core's audit_book -------------------------------------------

#: The tables of a legacy export, in the order :func:`audit_export` takes them.
EXPORT_TABLES = ("loans", "loan_installments", "loan_payments", "fines")

#: Fields of a finding, in order (``docs/audit.md``, "The report").
FINDING_FIELDS = ("loan_id", "loan_number", "table", "row_id", "installment", "field", "rule",
                  "cause", "kind", "stored", "correct", "difference", "message")

_RawColumns = tuple[list[str], list[list[str | None]]]


def _cell(value: Any) -> str | None:
    """One cell as text, the way an export writes it: ``None`` (and NaN, ``pd.NA``, ``NaT``)
    is SQL ``NULL``; a float is its shortest repr; a date its ISO form. Nothing is rounded:
    the core decides what each text means."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) \
            else value.isoformat()
    if isinstance(value, Decimal):
        return None if value.is_nan() else str(value)
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return str(value.isoformat(sep=" "))
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def _raw_of(columns: Any) -> _RawColumns:
    """A table the audit read (column name to Arrow chunks or raw cells) as raw cells: every
    typed cell as the text its source would have exported."""
    if not isinstance(columns, Mapping):
        return columns  # type: ignore[no-any-return]
    names = list(columns)
    cells = []
    for name in names:
        column = columns[name]
        if all(v is None or isinstance(v, str) for v in column):
            cells.append(list(column))
        else:
            cells.append([_cell(v) for chunk in column for v in chunk.to_pylist()])
    return names, cells


def _wire(value: Any) -> Any:
    """A result's values in the core's JSON form: ``Decimal`` and dates as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _money(text: Any) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass(frozen=True)
class Finding:
    """One finding of :func:`audit_export` (``docs/audit.md``, "The report")."""

    loan_id: int | None
    loan_number: str | None
    table: str
    row_id: int | None
    installment: int | None
    field: str
    rule: str
    cause: str
    kind: str
    #: The stored value: a ``Decimal`` for money, else text (``None`` when absent).
    stored: Decimal | str | None
    #: The value the rules give: a ``Decimal`` for money, else text.
    correct: Decimal | str | None
    #: ``stored − correct`` for money.
    difference: Decimal | None
    message: str


def _finding(f: Mapping[str, Any]) -> Finding:
    money = f["kind"] == "money"

    def value(v: Any) -> Decimal | str | None:
        if v is None or not money:
            return v
        try:
            return Decimal(v)
        except ArithmeticError:
            return str(v)

    return Finding(
        loan_id=f["loan_id"], loan_number=f["loan_number"], table=f["table"],
        row_id=f["row_id"], installment=f["installment"], field=f["field"], rule=f["rule"],
        cause=f["cause"], kind=f["kind"], stored=value(f["stored"]),
        correct=value(f["correct"]), difference=_money(f["difference"]), message=f["message"],
    )


@dataclass(frozen=True)
class ExportAudit:
    """The audit of a legacy export: :func:`audit_export`'s result, the ``audit_book``
    operation's output with money as ``Decimal``. Three levels: :attr:`causes` (the roll-up by
    root cause), :attr:`loans`, :attr:`findings` (every row)."""

    as_of: datetime.date
    tolerance: Decimal
    #: Counts (``loans``, ``loans_audited``, ``loans_malformed``, ``findings``, …).
    summary: Mapping[str, Any]
    #: One mapping per (rule, cause): ``rule``, ``cause``, ``loans``, ``rows``, ``findings``,
    #: ``amount``.
    causes: tuple[Mapping[str, Any], ...]
    #: One mapping per loan with findings.
    loans: tuple[Mapping[str, Any], ...]
    #: Every finding.
    findings: tuple[Finding, ...]
    #: The export's four tables as the core read them (column name to Arrow chunks or raw
    #: cells), for :meth:`loan`.
    _raw: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    def loan(self, loan_id: SupportsIndex) -> LoanDetail:
        """One loan's correct schedule and statement side by side with its stored rows: the
        core's ``audit_loan_detail`` (``docs/audit.md``, "One loan side by side") on the export
        this audit read. ``.side_by_side()`` (or ``.to_pandas()``) gives the installments as a
        DataFrame, ``.header_frame()`` the header figures, ``.findings`` the loan's findings.
        Raises :class:`windeep.InvalidInputError` for an id no loan has, or a loan with a
        malformed cell."""
        if len(self._raw) != len(EXPORT_TABLES):
            raise _error(_windeep.InvalidInputError,
                         "this audit does not hold the export it read (it was built by hand)")
        if isinstance(loan_id, bool):
            raise _error(_windeep.InvalidInputError, "loan_id must be an int, not a bool")
        wanted = operator.index(loan_id)
        loans, installments, payments, fines = (_raw_of(t) for t in self._raw)
        text = _windeep._audit_loan_detail(loans, installments, payments, fines, self.as_of,
                                           wanted)
        return loan_detail(text, tuple(f for f in self.findings if f.loan_id == wanted))

    def to_json(self, **kwargs: Any) -> str:
        """The audit as the ``audit_book`` operation's JSON output (money and dates as text,
        ``docs/audit.md``): ``as_of``, ``tolerance``, ``summary``, ``causes``, ``loans``,
        ``findings``. Keyword arguments go to :func:`json.dumps` (``indent=2`` …)."""
        return json.dumps(_wire({
            "as_of": self.as_of, "tolerance": self.tolerance, "summary": self.summary,
            "causes": self.causes, "loans": self.loans,
            "findings": [{k: getattr(f, k) for k in FINDING_FIELDS} for f in self.findings],
        }), **kwargs)

    def to_pandas(self, level: Literal["rows", "loans", "causes", "summary"] = "rows") -> Any:
        """One level as a DataFrame; money columns hold ``Decimal``, ids nullable ``Int64``."""
        pd = require("pandas", "to_pandas()", "pandas")
        if level == "rows":
            frame = pd.DataFrame([{k: getattr(f, k) for k in FINDING_FIELDS}
                                  for f in self.findings], columns=list(FINDING_FIELDS))
            for c in ("loan_id", "row_id", "installment"):
                frame[c] = frame[c].astype("Int64")
            return frame
        if level == "loans":
            return pd.DataFrame(list(self.loans), columns=[
                "loan_id", "loan_number", "malformed", "findings", "rows", "amount", "rules"])
        if level == "causes":
            return pd.DataFrame(list(self.causes), columns=[
                "rule", "cause", "loans", "rows", "findings", "amount"])
        if level == "summary":
            return pd.DataFrame(
                [(k, v) for k, v in self.summary.items() if k != "by_rule"],
                columns=["measure", "value"])
        raise _error(_windeep.InvalidInputError, f"unknown level {level!r}")

    def to_excel(self, path: Any) -> None:
        """Writes one sheet per level (summary, causes, loans, rows): money as numbers with two
        places, frozen header rows and filters. Needs pandas and openpyxl."""
        pd = require("pandas", "to_excel()", "pandas")
        require("openpyxl", "to_excel()", "openpyxl")
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for level in ("summary", "causes", "loans", "rows"):
                frame = self.to_pandas(level)  # type: ignore[arg-type]
                for c in ("amount", "stored", "correct", "difference"):
                    if c in frame and level != "rows":
                        frame[c] = frame[c].map(lambda v: None if v is None else float(v))
                if level == "rows":
                    money = frame["kind"] == "money"
                    for c in ("stored", "correct"):
                        frame[c] = [float(v) if m and isinstance(v, Decimal) else v
                                    for v, m in zip(frame[c], money)]
                    frame["difference"] = [None if v is None or v is pd.NA else float(v)
                                           for v in frame["difference"]]
                frame.to_excel(writer, sheet_name=level, index=False, freeze_panes=(1, 0))
                sheet = writer.sheets[level]
                sheet.auto_filter.ref = sheet.dimensions
                for col in ("amount", "stored", "correct", "difference"):
                    if col in frame.columns:
                        letter = sheet.cell(1, list(frame.columns).index(col) + 1).column_letter
                        for cell in sheet[letter][1:]:
                            if isinstance(cell.value, float):
                                cell.number_format = "#,##0.00"

    def _repr_html_(self) -> str:
        import html

        s = self.summary
        head = (f"<p>Legacy export audited as of {self.as_of.isoformat()}: {s['loans']} loans, "
                f"{s['loans_audited']} audited, {s['loans_malformed']} malformed, "
                f"{s['loans_with_findings']} with findings; {s['findings']} findings, "
                f"{s['amount']} in all.</p>")

        def table(title: str, columns: list[str], rows: list[list[Any]], more: int) -> str:
            th = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
            body = "".join("<tr>" + "".join(
                f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r) + "</tr>"
                for r in rows)
            tail = f"<p>… {more} more</p>" if more > 0 else ""
            return f"<h4>{title}</h4><table><tr>{th}</tr>{body}</table>{tail}"

        causes = table("By cause", ["rule", "cause", "loans", "rows", "amount"],
                       [[c["rule"], c["cause"], c["loans"], c["rows"], c["amount"]]
                        for c in self.causes], 0)
        loans = table("By loan", ["loan_id", "loan_number", "findings", "amount", "rules"],
                      [[x["loan_id"], x["loan_number"], x["findings"], x["amount"],
                        ", ".join(x["rules"])] for x in self.loans[:20]],
                      len(self.loans) - 20)
        rows = table("By row", ["loan_id", "table", "row_id", "field", "rule", "stored",
                                "correct", "difference"],
                     [[f.loan_id, f.table, f.row_id, f.field, f.rule, f.stored, f.correct,
                       f.difference] for f in self.findings[:20]], len(self.findings) - 20)
        return head + causes + loans + rows


#: The columns :func:`read_connection` selects from each table: the ones the audit reads
#: (``docs/audit.md``); ``fines.loan_id`` too when the table has it.
EXPORT_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "loans": ("id", "loan_number", "principal_amount", "interest_rate", "interest_type",
              "tenure_months", "disbursement_date", "first_emi_date", "last_emi_date",
              "emi_amount", "total_interest", "total_payable", "outstanding_principal",
              "outstanding_interest", "outstanding_fine"),
    "loan_installments": ("id", "loan_id", "installment_number", "due_date", "principal_amount",
                          "interest_amount", "emi_amount", "principal_paid", "interest_paid",
                          "status"),
    "loan_payments": ("id", "loan_id", "installment_id", "payment_date", "payment_type",
                      "total_amount", "principal_component", "interest_component",
                      "fine_component", "excess_amount", "is_reversed"),
    "fines": ("id", "related_type", "related_id", "fine_rule_id", "fine_date", "fine_amount",
              "paid_amount", "waived_amount", "balance_amount", "status"),
})

#: A table name :func:`read_connection` accepts: an SQL identifier, optionally qualified by a
#: schema (``legacy.loans``). Anything else is refused rather than quoted.
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")


def _query(connection: Any, sql: str) -> tuple[list[str], list[Any]]:
    """Runs one SELECT; returns the column names and every row. A SQLAlchemy ``Engine`` or
    ``Connection`` runs it through ``exec_driver_sql``; anything else is a DB-API 2.0
    connection (``cursor()``, ``execute``, ``description``, ``fetchall``)."""
    if hasattr(connection, "exec_driver_sql"):  # SQLAlchemy Connection
        result = connection.exec_driver_sql(sql)
        return [str(k) for k in result.keys()], [tuple(r) for r in result.fetchall()]
    if hasattr(connection, "connect") and hasattr(connection, "dialect"):  # SQLAlchemy Engine
        with connection.connect() as c:
            return _query(c, sql)
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        names = [str(d[0]) for d in cursor.description]
        return names, list(cursor.fetchall())
    finally:
        cursor.close()


def _db_cell(value: Any) -> str | None:
    """A database value as an export's text: bytes (a binary collation) decoded as UTF-8 (bytes
    that are not UTF-8 are refused, never replaced), anything else as :func:`_cell` writes
    it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise _error(_windeep.InvalidInputError,
                         f"the database returned bytes that are not UTF-8: {bytes(value)!r}"
                         ) from None
    return _cell(value)


def read_connection(connection: Any, tables: Mapping[str, str] | None = None
                    ) -> dict[str, _RawColumns]:
    """The four legacy tables read through a database connection, as raw cells.

    ``connection`` is a DB-API 2.0 connection (``sqlite3``, ``pymysql``, ``mysqlclient``,
    ``psycopg`` …) or a SQLAlchemy ``Engine`` or ``Connection``. Each table is read by one
    ``SELECT`` of the columns in :data:`EXPORT_COLUMNS` (nothing else is read, nothing is
    written); whether ``fines`` has a ``loan_id`` column is learnt from a ``SELECT * … WHERE
    1 = 0``, which reads no row. ``tables`` maps a legacy table name to the name it has in the
    database (``{"loans": "legacy.loans"}``); the others keep their names. Every value becomes
    the text an export would hold (``NULL`` stays null, a ``Decimal`` its digits, a float its
    shortest repr, a date ``YYYY-MM-DD``), so the result is the CSV route's.
    """
    names = dict(tables or {})
    unknown = sorted(set(names) - set(EXPORT_TABLES))
    if unknown:
        raise _error(_windeep.InvalidInputError,
                     f"tables= names unknown legacy tables {', '.join(unknown)}; the tables "
                     f"are {', '.join(EXPORT_TABLES)}")
    for table in EXPORT_TABLES:
        name = names.setdefault(table, table)
        if not isinstance(name, str) or not _TABLE_NAME.fullmatch(name):
            raise _error(_windeep.InvalidInputError,
                         f"tables[{table!r}] = {name!r} is not an SQL table name")
    out: dict[str, _RawColumns] = {}
    for table in EXPORT_TABLES:
        name = names[table]
        columns = list(EXPORT_COLUMNS[table])
        if table == "fines":
            present, _ = _query(connection, f"SELECT * FROM {name} WHERE 1 = 0")
            if "loan_id" in present:
                columns.append("loan_id")
        got, rows = _query(connection, f"SELECT {', '.join(columns)} FROM {name}")
        out[table] = (got, [[_db_cell(r[i]) for r in rows] for i in range(len(got))])
    return out


def read_dump(path: Any) -> dict[str, _RawColumns]:
    """The four legacy tables of a MySQL/MariaDB dump file (parsed by the core's dump reader:
    the ``sqlparser`` crate's MySQL dialect), as raw cells."""
    import os

    with open(os.fspath(path), "rb") as f:
        return dict(_windeep._read_mysql_dump(f.read()))


def audit_export(
    loans: Any = None,
    installments: Any = None,
    payments: Any = None,
    fines: Any = None,
    *,
    as_of: datetime.date,
    tolerance: Decimal | str | int = 0,
    dump: Any = None,
    connection: Any = None,
    tables: Mapping[str, str] | None = None,
) -> ExportAudit:
    """Audits a whole legacy export with the core's ``audit_book`` (``docs/audit.md``).

    The four tables (``loans``, ``loan_installments``, ``loan_payments``, ``fines``) are
    pandas or polars DataFrames, pyarrow Tables, any object with ``__arrow_c_stream__``
    (``string_view`` columns included), CSV or Parquet paths, or ``dump=`` a mysqldump file
    holding all four. The columns go to the core typed as they are held (Arrow buffers, no
    Python object per cell; a column of Python objects pyarrow cannot convert goes as the text
    of each cell): the core gives each kind of cell its documented treatment (a float money
    cell by its float-to-money policy, ``Money::from_f64_shortest``), and a bad cell makes its
    loan a malformed finding, with the cell as its source would have exported it, instead of
    refusing the book. ``tolerance`` leaves out
    money findings with |difference| at most it (default 0: exact).

    ``connection=`` reads the four tables from a database instead: a DB-API 2.0 connection or
    a SQLAlchemy ``Engine``/``Connection``, with ``tables=`` naming tables that are not called
    as in the legacy schema (:func:`read_connection`).
    """
    if tables is not None and connection is None:
        raise _error(_windeep.InvalidInputError, "tables= names the tables of connection=")
    if sum(x is not None for x in (dump, connection)) + \
            any(v is not None for v in (loans, installments, payments, fines)) > 1:
        raise _error(_windeep.InvalidInputError,
                     "give the four tables, dump= or connection=, not more than one of them")
    if dump is not None or connection is not None:
        read = read_dump(dump) if dump is not None else read_connection(connection, tables)
        needed = _needed()
        args = [{n: c for n, c in zip(*read[t]) if n in needed[t]} for t in EXPORT_TABLES]
    else:
        given = (loans, installments, payments, fines)
        missing = [t for t, v in zip(EXPORT_TABLES, given) if v is None]
        if missing:
            raise _error(_windeep.InvalidInputError,
                         f"audit_export needs the tables {', '.join(missing)} (or dump=)")
        args = [_columns(t, v) for t, v in zip(EXPORT_TABLES, given)]
    text = _windeep._audit_book_columns(
        args[0], args[1], args[2], args[3], as_of, str(tolerance), False)
    out = json.loads(text)

    def money_fields(row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (_money(v) if k == "amount" else v) for k, v in row.items()}

    summary = dict(out["summary"])
    summary["amount"] = _money(summary["amount"])
    return ExportAudit(
        as_of=as_of,
        tolerance=Decimal(out["tolerance"]),
        summary=FrozenMapping(summary),
        causes=tuple(FrozenMapping(money_fields(c)) for c in out["causes"]),
        loans=tuple(FrozenMapping(money_fields(x)) for x in out["loans"]),
        findings=tuple(_finding(f) for f in out["findings"]),
        _raw=tuple(args),
    )
