"""One audited loan side by side: :meth:`windeep.audit.ExportAudit.loan`'s result.

The core's ``audit_loan_detail`` operation pairs the loan's correct schedule and statement with
its stored ``loan_installments`` rows (``docs/audit.md``, "One loan side by side"); this module
only converts its output (money to ``Decimal``, dates to ``datetime.date``) and lays it out as
DataFrames.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from windeep._frames import require

if TYPE_CHECKING:
    from windeep.audit import Finding

#: The columns shown on both sides, in order: the stored value and the correct one.
PAIRED_COLUMNS = ("due_date", "principal_amount", "interest_amount", "emi_amount",
                  "principal_paid", "interest_paid", "status")
#: Columns only the correct schedule has.
CORRECT_ONLY = ("opening_balance", "closing_balance")
_MONEY = {"principal_amount", "interest_amount", "emi_amount", "principal_paid",
          "interest_paid", "opening_balance", "closing_balance"}

#: The columns of :meth:`LoanDetail.side_by_side`, in order.
SIDE_BY_SIDE_COLUMNS = (
    ("installment", "pairing", "row_id", "differences", "opening_balance")
    + tuple(f"{c}_{side}" for c in PAIRED_COLUMNS for side in ("stored", "correct"))
    + ("closing_balance",)
)


def _value(column: str, v: Any) -> Any:
    if v is None:
        return None
    if column in _MONEY:
        return Decimal(v)
    if column.endswith("date"):
        return datetime.date.fromisoformat(v)
    return v


def _side(row: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if row is None:
        return None
    return {k: _value(k, v) for k, v in row.items()}


def _header_value(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "money":
        return Decimal(v)
    if kind == "date":
        return datetime.date.fromisoformat(v)
    return v


@dataclass(frozen=True)
class InstallmentPair:
    """One installment side by side (``docs/audit.md``, "One loan side by side")."""

    #: The installment number (the stored row's, for an extra row).
    installment: int
    #: ``matched``, ``missing`` (no stored row) or ``extra`` (no correct installment).
    pairing: str
    #: The stored ``loan_installments`` row (its legacy columns), when there is one.
    stored: Mapping[str, Any] | None
    #: The correct installment: schedule row and replayed statement, when there is one.
    correct: Mapping[str, Any] | None
    #: The stored columns that differ from the correct ones.
    differences: tuple[str, ...]


@dataclass(frozen=True)
class LoanDetail:
    """One loan's correct schedule and statement side by side with its stored rows."""

    loan_id: int
    loan_number: str
    as_of: datetime.date
    #: ``replayed``, ``not_replayed``, ``refused`` or ``no_schedule``: whether the correct
    #: paid amounts and statuses could be derived from the payments.
    statement: str
    #: Why there is no schedule or statement (the core's error code and explanation).
    refusal: str | None
    #: The header figures: one mapping per ``loans`` column (``field``, ``kind``, ``stored``,
    #: ``correct``, ``differs``).
    header: tuple[Mapping[str, Any], ...]
    #: Every installment pair, in installment order.
    installments: tuple[InstallmentPair, ...]
    #: The audit's findings of this loan (every table), as :class:`windeep.audit.Finding`.
    findings: tuple[Finding, ...] = ()

    def side_by_side(self) -> Any:
        """The installments as a DataFrame: ``installment``, ``pairing``, ``row_id`` (the
        stored row's id), ``differences`` (the differing columns, comma-separated), then each
        column stored and correct side by side (``due_date_stored``, ``due_date_correct`` …),
        with the correct ``opening_balance`` first and ``closing_balance`` last. Money is
        ``Decimal``, dates ``datetime.date``; a side that does not exist is ``None``."""
        pd = require("pandas", "side_by_side()", "pandas")
        records = []
        for p in self.installments:
            stored = p.stored or {}
            correct = p.correct or {}
            record: dict[str, Any] = {
                "installment": p.installment, "pairing": p.pairing,
                "row_id": stored.get("id"), "differences": ", ".join(p.differences),
                "opening_balance": correct.get("opening_balance"),
            }
            for c in PAIRED_COLUMNS:
                record[f"{c}_stored"] = stored.get(c)
                record[f"{c}_correct"] = correct.get(c)
            record["closing_balance"] = correct.get("closing_balance")
            records.append(record)
        frame = pd.DataFrame(records, columns=list(SIDE_BY_SIDE_COLUMNS))
        for c in ("installment", "row_id"):
            frame[c] = frame[c].astype("Int64")
        return frame

    def to_pandas(self) -> Any:
        """The installments side by side (:meth:`side_by_side`)."""
        return self.side_by_side()

    def header_frame(self) -> Any:
        """The header figures as a DataFrame: ``field``, ``kind``, ``stored``, ``correct``,
        ``differs``."""
        pd = require("pandas", "header_frame()", "pandas")
        return pd.DataFrame([dict(h) for h in self.header],
                            columns=["field", "kind", "stored", "correct", "differs"])

    def _repr_html_(self) -> str:
        def cell(v: Any, bad: bool = False) -> str:
            text = "" if v is None else html.escape(str(v))
            return f"<td style='background:#fdd'>{text}</td>" if bad else f"<td>{text}</td>"

        head = (f"<p>Loan {html.escape(self.loan_number)} (id {self.loan_id}) as of "
                f"{self.as_of.isoformat()}: statement {html.escape(self.statement)}"
                + (f" ({html.escape(self.refusal)})" if self.refusal else "") + "</p>")
        header = "".join(
            f"<tr><th style='text-align:left'>{html.escape(h['field'])}</th>"
            f"{cell(h['stored'], h['differs'])}{cell(h['correct'])}</tr>" for h in self.header)
        th = "".join(f"<th>{html.escape(c)}</th>" for c in
                     ("#", "pairing", "row id")
                     + tuple(f"{c} (stored | correct)" for c in PAIRED_COLUMNS))
        body = []
        for p in self.installments:
            stored = p.stored or {}
            correct = p.correct or {}
            cells = [cell(p.installment), cell(p.pairing, p.pairing != "matched"),
                     cell(stored.get("id"))]
            for c in PAIRED_COLUMNS:
                bad = c in p.differences
                cells.append(cell(f"{_text(stored.get(c))} | {_text(correct.get(c))}", bad))
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (head + "<table><tr><th>header</th><th>stored</th><th>correct</th></tr>"
                + header + "</table><table><tr>" + th + "</tr>" + "".join(body) + "</table>")


def _text(v: Any) -> str:
    return "—" if v is None else str(v)


def loan_detail(text: str, findings: tuple[Finding, ...]) -> LoanDetail:
    """The ``audit_loan_detail`` operation's JSON output as a :class:`LoanDetail`."""
    out = json.loads(text)
    return LoanDetail(
        loan_id=out["loan_id"],
        loan_number=out["loan_number"],
        as_of=datetime.date.fromisoformat(out["as_of"]),
        statement=out["statement"],
        refusal=out["refusal"],
        header=tuple({
            **h, "stored": _header_value(h["kind"], h["stored"]),
            "correct": _header_value(h["kind"], h["correct"]),
        } for h in out["header"]),
        installments=tuple(InstallmentPair(
            installment=p["installment"], pairing=p["pairing"], stored=_side(p["stored"]),
            correct=_side(p["correct"]), differences=tuple(p["differences"]),
        ) for p in out["installments"]),
        findings=findings,
    )
