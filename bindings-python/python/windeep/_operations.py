"""One keyword-argument function per core operation, each returning an immutable :class:`Result`.

Every function builds the operation's input from its keyword arguments (an argument left as
``None`` is left out, so the core's default applies), runs it through
:func:`windeep._windeep.call_typed` and wraps the output. Which output values are money, rates,
other exact decimals and dates is decided by the core: they arrive as :class:`decimal.Decimal`
and :class:`datetime.date`; nothing here guesses from the text.

Inputs are read like :func:`windeep.call` reads a dict: ``Decimal`` becomes its decimal string,
``datetime.date`` its ``YYYY-MM-DD`` string, and a ``float`` stays a JSON number, which the core
refuses for money. Any :class:`collections.abc.Mapping` (a :class:`Result` too) is read as a
dict and any list or tuple as a list, so one operation's output can feed another's input.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NoReturn

from windeep._frames import arrow_precision, require, wire
from windeep._windeep import call_typed, schedule

__all__ = [
    "Result",
    "OPERATION_FUNCTIONS",
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
]

#: Most items of a list shown in an HTML table before the rest is summarised.
HTML_MAX_ROWS = 200


def _wrap(value: Any) -> Any:
    """Output data made immutable: dicts become :class:`Result`, lists tuples."""
    if isinstance(value, dict):
        return Result(value)
    if isinstance(value, list):
        return tuple(_wrap(v) for v in value)
    return value


_PLAIN_DEPTH = 200
"""How deep :func:`_plain` converts; deeper data is passed on as it is and refused by the core
with ``E_INVALID_INPUT`` (never a ``RecursionError``)."""


def _plain(value: Any, depth: int = 0) -> Any:
    """A value as plain data: every mapping a ``dict``, every list or tuple a ``list``."""
    if depth > _PLAIN_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    return value


def _is_records(value: Any) -> bool:
    """Whether a value is a list of records (a tuple of :class:`Result`)."""
    return isinstance(value, tuple) and all(isinstance(v, Result) for v in value)


def _short(value: Any) -> str:
    """A value's repr, nested data summarised."""
    if isinstance(value, Result):
        return f"{{{len(value)} fields}}"
    if isinstance(value, tuple):
        kind = "records" if value and _is_records(value) else "items"
        return f"({len(value)} {kind})"
    return repr(value)


def _cell(value: Any) -> str:
    """A value as HTML table cell content."""
    if value is None:
        return ""
    if isinstance(value, Result):
        return value._html_fields()
    if isinstance(value, tuple):
        if value and _is_records(value):
            return _records_html(value)
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every field of a list of records, in the order they first appear."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def _records_html(rows: tuple[Result, ...]) -> str:
    """A list of records as an HTML table, one column per field."""
    columns = _columns(rows)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows[:HTML_MAX_ROWS]:
        cells = "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns)
        body.append(f"<tr>{cells}</tr>")
    if len(rows) > HTML_MAX_ROWS:
        body.append(
            f'<tr><td colspan="{len(columns)}">… {len(rows) - HTML_MAX_ROWS} more rows</td></tr>'
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Result(Mapping[str, Any]):
    """An operation's output: an immutable mapping whose keys are also attributes.

    Values are as the core typed them: money, rates and other exact decimals are
    :class:`decimal.Decimal`, dates :class:`datetime.date`; nested records are :class:`Result`
    and lists are tuples. A key that is also a method name (``keys``, ``items``, ``values``,
    ``get``, ``to_dict`` …) is read with ``result["key"]``.

    >>> r = Result({"as_of": datetime.date(2026, 3, 31), "total": Decimal("10.00")})
    >>> r.total
    Decimal('10.00')
    >>> r["as_of"]
    datetime.date(2026, 3, 31)
    """

    __slots__ = ("_data", "_operation")

    _data: dict[str, Any]
    _operation: str | None

    def __init__(self, data: Mapping[str, Any], operation: str | None = None) -> None:
        """Wraps output data (nested dicts and lists are wrapped too)."""
        object.__setattr__(self, "_data", {k: _wrap(v) for k, v in data.items()})
        object.__setattr__(self, "_operation", operation)

    @property
    def operation(self) -> str | None:
        """The operation that produced this result (``None`` for a nested record)."""
        return self._operation

    def __getitem__(self, key: str) -> Any:
        """The value of a field."""
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        """The field names, in the order the core wrote them."""
        return iter(self._data)

    def __len__(self) -> int:
        """The number of fields."""
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        """A field as an attribute."""
        if name in Result.__slots__:
            raise AttributeError(name)  # not yet set: never look it up among the fields
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(
                f"this result has no field {name!r}; fields: {', '.join(self._data)}"
            ) from None

    def __setattr__(self, name: str, value: object) -> NoReturn:
        """Refused: a result is immutable."""
        raise AttributeError("a windeep Result is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        """Refused: a result is immutable."""
        raise AttributeError("a windeep Result is immutable")

    def __reduce__(self) -> tuple[type[Result], tuple[dict[str, Any], str | None]]:
        """Pickles and copies as the plain data and the operation name."""
        return (Result, (self.to_dict(), self._operation))

    def __dir__(self) -> list[str]:
        """Attributes and fields, for completion."""
        return sorted(set(super().__dir__()) | {k for k in self._data if k.isidentifier()})

    def __repr__(self) -> str:
        """The operation and the fields, nested data summarised."""
        fields = ", ".join(f"{k}={_short(v)}" for k, v in self._data.items())
        if self._operation is None:
            return f"Result({fields})"
        return f"Result[{self._operation}]({fields})"

    def _html_fields(self) -> str:
        """The fields as a two-column definition table."""
        rows = "".join(
            f"<tr><th style=\"text-align:left\">{html.escape(k)}</th><td>{_cell(v)}</td></tr>"
            for k, v in self._data.items()
        )
        return f"<table>{rows}</table>"

    def _repr_html_(self) -> str:
        """An HTML view for Jupyter: fields as a definition table, lists of records as tables."""
        title = f"<p><b>{html.escape(self._operation)}</b></p>" if self._operation else ""
        return f"<div>{title}{self._html_fields()}</div>"

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data: ``dict`` and ``list``, with ``Decimal`` and ``date`` values."""
        plain: dict[str, Any] = _plain(self)
        return plain

    def to_json(self, **kwargs: Any) -> str:
        """The result as JSON text: money, rates and dates in the core's wire form (text).

        Keyword arguments go to :func:`json.dumps` (``indent=2`` …).
        """
        return json.dumps(wire(self.to_dict()), **kwargs)

    def record_fields(self) -> tuple[str, ...]:
        """The fields holding lists of records (candidates for :meth:`to_pandas`)."""
        return tuple(k for k, v in self._data.items() if isinstance(v, tuple) and _is_records(v))

    def _records(self, field: str | None, method: str) -> tuple[str, list[dict[str, Any]]]:
        """The rows of a list-of-records field; the only such field when none is named."""
        if field is None:
            candidates = self.record_fields()
            if len(candidates) != 1:
                raise ValueError(
                    f"{method}() needs field=…: this result has "
                    + (
                        f"the record lists {', '.join(candidates)}"
                        if candidates
                        else "no list of records"
                    )
                )
            field = candidates[0]
        value: Any = self
        for part in field.split("."):
            if not isinstance(value, Result) or part not in value:
                raise KeyError(f"no field {field!r}")
            value = value[part]
        if not isinstance(value, tuple) or not _is_records(value):
            raise ValueError(f"field {field!r} is not a list of records")
        return field, [row.to_dict() for row in value]

    def _scalars(self) -> dict[str, Any]:
        """Top-level fields that are neither records nor lists."""
        return {k: v for k, v in self._data.items() if not isinstance(v, (Result, tuple))}

    def to_pandas(self, field: str | None = None) -> Any:
        """A list-of-records field as a pandas DataFrame.

        ``field`` names the field (a dotted path such as ``"state.installments"`` reaches into
        nested records); with ``None``, the result's only list of records. Money and dates keep
        their exact ``Decimal`` and ``date`` values in object columns; the result's top-level
        scalar fields go to ``DataFrame.attrs`` in their JSON wire form (``Decimal`` and
        ``date`` as text), so the frame can be written to Parquet. Needs pandas (``pip install 'windeep[pandas]'``).
        """
        pd = require("pandas", "Result.to_pandas()", "pandas")
        name, rows = self._records(field, "to_pandas")
        columns = _columns(rows)
        frame = pd.DataFrame(
            {c: pd.Series([row.get(c) for row in rows], dtype=object) for c in columns},
            columns=columns,
        )
        for c in columns:
            values = [row.get(c) for row in rows]
            if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                frame[c] = frame[c].astype("int64")
        frame.attrs.update(wire(self._scalars()))
        frame.attrs["windeep.field"] = name
        return frame

    def to_arrow(self, field: str | None = None) -> Any:
        """A list-of-records field as a pyarrow Table.

        ``field`` as for :meth:`to_pandas`. Columns whose values are all ``Decimal`` (or
        ``None``) are ``decimal128(p, s)``, ``s`` the most decimal places any of them has and
        ``p`` 18 unless an amount needs more digits (room for Arrow's arithmetic), so every
        amount is exact; date columns are ``date32``; other columns as pyarrow infers
        them. Top-level scalar fields go to the schema metadata as text. Needs pyarrow
        (``pip install 'windeep[arrow]'``).
        """
        pa = require("pyarrow", "Result.to_arrow()", "arrow")
        name, rows = self._records(field, "to_arrow")
        columns = _columns(rows)
        arrays = []
        for c in columns:
            values = [row.get(c) for row in rows]
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, Decimal) for v in present):
                scale = max(max(0, -int(v.as_tuple().exponent)) for v in present)
                precision = arrow_precision(present, scale)
                arrays.append(pa.array(values, type=pa.decimal128(precision, scale)))
            elif present and all(
                isinstance(v, datetime.date) and not isinstance(v, datetime.datetime)
                for v in present
            ):
                arrays.append(pa.array(values, type=pa.date32()))
            else:
                arrays.append(pa.array(values))
        metadata = {f"windeep.{k}": str(v) for k, v in self._scalars().items() if v is not None}
        metadata["windeep.field"] = name
        return pa.Table.from_arrays(arrays, names=columns, metadata=metadata)


def _run(operation: str, fields: dict[str, Any]) -> Result:
    """Runs an operation on the given fields (``None`` left out) and wraps its output."""
    data = {k: _plain(v) for k, v in fields.items() if v is not None}
    return Result(call_typed(operation, data), operation)


def allocate(
    *,
    amount: Decimal,
    paid_on: datetime.date,
    dues: Sequence[Mapping[str, Any]],
    installment: int | None = None,
    policy: Mapping[str, Any] | str | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Splits one payment over a loan's dues by the allocation policy.

    Runs the core's ``allocate`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        amount: the payment.
        paid_on: the payment date.
        dues: each installment's `installment`, `due_on`, `interest`, `principal` and `fine` due.
        installment: the installment a targeted payment names.
        policy: the allocation policy or a preset name (core default when None).
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "allocate",
        {
            "amount": amount,
            "paid_on": paid_on,
            "dues": dues,
            "installment": installment,
            "policy": policy,
            "currency": currency,
        },
    )


def loan_statement(*, events: Sequence[Mapping[str, Any]], as_of: datetime.date) -> Result:
    """Replays a loan's events into its state and outcomes as of a date.

    Runs the core's ``loan_statement`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the loan's events.
        as_of: the statement date.
    """
    return _run("loan_statement", {"events": events, "as_of": as_of})


def loan_apply(
    *,
    events: Sequence[Mapping[str, Any]],
    event: Mapping[str, Any],
    as_of: datetime.date,
) -> Result:
    """Applies one new event to a loan and reports what it changed.

    Runs the core's ``loan_apply`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the loan's events so far.
        event: the new event.
        as_of: the date of the resulting state.
    """
    return _run("loan_apply", {"events": events, "event": event, "as_of": as_of})


def foreclosure_quote(
    *,
    events: Sequence[Mapping[str, Any]],
    settlement_on: datetime.date,
) -> Result:
    """Quotes what closes a loan on a settlement date.

    Runs the core's ``foreclosure_quote`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the loan's events.
        settlement_on: the settlement date.
    """
    return _run("foreclosure_quote", {"events": events, "settlement_on": settlement_on})


def topup_quote(
    *,
    events: Sequence[Mapping[str, Any]],
    on: datetime.date,
    amount: Decimal,
    restructure: str | None = None,
) -> Result:
    """Quotes a top-up loan that closes the current one.

    Runs the core's ``topup_quote`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the loan's events.
        on: the top-up date.
        amount: the new loan's principal.
        restructure: the reason of an explicit restructure, needed to top up an NPA loan.
    """
    return _run(
        "topup_quote",
        {"events": events, "on": on, "amount": amount, "restructure": restructure},
    )


def loan_topup(
    *,
    events: Sequence[Mapping[str, Any]],
    on: datetime.date,
    amount: Decimal,
    new_loan_id: str,
    terms: Mapping[str, Any],
    policy: Mapping[str, Any] | None = None,
    guarantors: Sequence[str] | None = None,
    restructure: str | None = None,
) -> Result:
    """A top-up in one step: the parent's closing event and the new loan's disbursement.

    Runs the core's ``loan_topup`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the parent loan's events.
        on: the top-up date.
        amount: the new money lent.
        new_loan_id: the new loan's id.
        terms: the new loan's rate, tenure and first due date (optional fixed due day, fee).
        policy: the new loan's account rules; the parent's by default.
        guarantors: the new loan's guarantors; the parent's by default.
        restructure: the reason of an explicit restructure, needed to top up an NPA loan.
    """
    return _run(
        "loan_topup",
        {
            "events": events,
            "on": on,
            "amount": amount,
            "new_loan_id": new_loan_id,
            "terms": terms,
            "policy": policy,
            "guarantors": guarantors,
            "restructure": restructure,
        },
    )


def verify_chain(*, events: Sequence[Mapping[str, Any]]) -> Result:
    """Checks the hash chain of a loan's stored events.

    Runs the core's ``verify_chain`` operation (see ``docs/account.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the events in stored order.
    """
    return _run("verify_chain", {"events": events})


def assess_fines(
    *,
    as_of: datetime.date,
    snapshot: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]],
) -> Result:
    """Assesses the fines of a loan's overdue installments as of a date.

    Runs the core's ``assess_fines`` operation (see ``docs/fines.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        as_of: the assessment date.
        snapshot: the loan's overdue installments and fines already levied.
        rules: every fine rule in force at any time.
    """
    return _run("assess_fines", {"as_of": as_of, "snapshot": snapshot, "rules": rules})


def approve_loan(
    *,
    application: Mapping[str, Any],
    member: Mapping[str, Any],
    product: Mapping[str, Any],
    guarantors: Sequence[Mapping[str, Any]] | None = None,
    guarantor_policy: Mapping[str, Any] | None = None,
    overrides: Sequence[Mapping[str, Any]] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Checks a loan application against the product, the member and the guarantors.

    Runs the core's ``approve_loan`` operation (see ``docs/approval.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        application: the application.
        member: the member's facts.
        product: the product's bounds.
        guarantors: the guarantors.
        guarantor_policy: the guarantor limits.
        overrides: overrides with their reasons.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "approve_loan",
        {
            "application": application,
            "member": member,
            "product": product,
            "guarantors": guarantors,
            "guarantor_policy": guarantor_policy,
            "overrides": overrides,
            "currency": currency,
        },
    )


def loan_fines(
    *,
    events: Sequence[Mapping[str, Any]],
    as_of: datetime.date,
    rules: Sequence[Mapping[str, Any]],
    product: str | None = None,
) -> Result:
    """Runs the daily fine assessment on a loan's own events.

    Runs the core's ``loan_fines`` operation (see ``docs/fines.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        events: the loan's events.
        as_of: the assessment date.
        rules: the fine rules.
        product: the loan's product, for product-specific rules.
    """
    return _run(
        "loan_fines",
        {
            "events": events,
            "as_of": as_of,
            "rules": rules,
            "product": product,
        },
    )


def bank_import(
    *,
    account_id: str,
    content: str | None = None,
    content_base64: str | None = None,
    format: str | None = None,
    import_id: str | None = None,
    preset: str | None = None,
    columns: Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    currency: Mapping[str, Any] | None = None,
    prior: Sequence[Mapping[str, Any]] | None = None,
) -> Result:
    """Reads a bank statement (CSV text or CSV/XLSX bytes in base64) into transactions.

    Runs the core's ``bank_import`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        account_id: the society's bank account.
        content: the statement as text (CSV).
        content_base64: the statement's bytes in base64 (CSV or XLSX).
        format: `csv` (default) or `xlsx`.
        import_id: this import's id.
        preset: a column preset name.
        columns: an explicit column mapping.
        delimiter: the CSV delimiter.
        sheet: the XLSX sheet name.
        currency: the account's currency (INR when None).
        prior: keys of earlier imports of the same account.
    """
    return _run(
        "bank_import",
        {
            "account_id": account_id,
            "content": content,
            "content_base64": content_base64,
            "format": format,
            "import_id": import_id,
            "preset": preset,
            "columns": columns,
            "delimiter": delimiter,
            "sheet": sheet,
            "currency": currency,
            "prior": prior,
        },
    )


def bank_match(
    *,
    transactions: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]] | None = None,
    loans: Sequence[Mapping[str, Any]] | None = None,
    savings_accounts: Sequence[Mapping[str, Any]] | None = None,
    fines: Sequence[Mapping[str, Any]] | None = None,
    policy: Mapping[str, Any] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Suggests what each bank transaction pays: members, loans, savings, fines.

    Runs the core's ``bank_match`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        transactions: the bank transactions.
        members: the members.
        loans: open loans.
        savings_accounts: savings accounts.
        fines: unpaid fines.
        policy: the matching policy.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "bank_match",
        {
            "transactions": transactions,
            "members": members,
            "loans": loans,
            "savings_accounts": savings_accounts,
            "fines": fines,
            "policy": policy,
            "currency": currency,
        },
    )


def bank_split(
    *,
    mapping: Mapping[str, Any],
    parts: Sequence[Mapping[str, Any]],
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Splits a bank transaction over several targets.

    Runs the core's ``bank_split`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        mapping: the transaction's mapping.
        parts: the parts, which must add up to the amount.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run("bank_split", {"mapping": mapping, "parts": parts, "currency": currency})


def bank_unmap(
    *,
    mapping: Mapping[str, Any],
    parts: Sequence[int] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Undoes some or all parts of a bank transaction's mapping.

    Runs the core's ``bank_unmap`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        mapping: the transaction's mapping.
        parts: the part numbers to undo (all when None).
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run("bank_unmap", {"mapping": mapping, "parts": parts, "currency": currency})


def bank_ignore(
    *,
    mapping: Mapping[str, Any],
    reason: str,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Marks a bank transaction as not the society's business.

    Runs the core's ``bank_ignore`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        mapping: the transaction's mapping.
        reason: why it is ignored.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run("bank_ignore", {"mapping": mapping, "reason": reason, "currency": currency})


def bank_reconcile(
    *,
    account_id: str,
    as_of: datetime.date,
    bank_balance: Decimal,
    book_balance: Decimal,
    bank_transactions: Sequence[Mapping[str, Any]] | None = None,
    book_entries: Sequence[Mapping[str, Any]] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Reconciles the bank balance with the books as of a date.

    Runs the core's ``bank_reconcile`` operation (see ``docs/bank.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        account_id: the bank account.
        as_of: the reconciliation date.
        bank_balance: the statement's closing balance.
        book_balance: the books' balance of the account.
        bank_transactions: the bank's transactions.
        book_entries: the books' entries.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "bank_reconcile",
        {
            "account_id": account_id,
            "as_of": as_of,
            "bank_balance": bank_balance,
            "book_balance": book_balance,
            "bank_transactions": bank_transactions,
            "book_entries": book_entries,
            "currency": currency,
        },
    )


def audit_loan(
    *,
    as_of: datetime.date,
    loan: Mapping[str, Any],
    installments: Sequence[Mapping[str, Any]] | None = None,
    payments: Sequence[Mapping[str, Any]] | None = None,
    fines: Sequence[Mapping[str, Any]] | None = None,
) -> Result:
    """Recomputes one legacy loan and lists every stored figure that breaks a rule.

    Runs the core's ``audit_loan`` operation (see ``docs/audit.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        as_of: the audit date.
        loan: the legacy `loans` row.
        installments: its `loan_installments` rows.
        payments: its `loan_payments` rows.
        fines: its `fines` rows.
    """
    return _run(
        "audit_loan",
        {
            "as_of": as_of,
            "loan": loan,
            "installments": installments,
            "payments": payments,
            "fines": fines,
        },
    )


def audit_book(
    *,
    as_of: datetime.date,
    loans: Mapping[str, Any],
    loan_installments: Mapping[str, Any],
    loan_payments: Mapping[str, Any],
    fines: Mapping[str, Any],
    tolerance: Decimal | None = None,
) -> Result:
    """Audits a whole legacy export (the four tables as raw cells): findings by cause, loan and
    row.

    Runs the core's ``audit_book`` operation (see ``docs/audit.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies. Each table is
    ``{"columns": [...], "rows": [[cell, ...], ...]}`` with every cell a string or ``None``;
    :func:`windeep.audit.audit_export` builds them from DataFrames, Arrow and files.

    Args:
        as_of: the audit date.
        loans: the `loans` table.
        loan_installments: the `loan_installments` table.
        loan_payments: the `loan_payments` table.
        fines: the `fines` table.
        tolerance: money findings with |difference| at most this are left out (default 0).
    """
    return _run(
        "audit_book",
        {
            "as_of": as_of,
            "tolerance": tolerance,
            "loans": loans,
            "loan_installments": loan_installments,
            "loan_payments": loan_payments,
            "fines": fines,
        },
    )


def audit_loan_detail(
    *,
    as_of: datetime.date,
    loan_id: int,
    loans: Mapping[str, Any],
    loan_installments: Mapping[str, Any],
    loan_payments: Mapping[str, Any],
    fines: Mapping[str, Any],
) -> Result:
    """One loan of a legacy export: its correct schedule and statement side by side with the
    stored rows.

    Runs the core's ``audit_loan_detail`` operation (see ``docs/audit.md``, "One loan side by
    side"). The tables are as for :func:`audit_book`;
    :meth:`windeep.audit.ExportAudit.loan` gives the same as DataFrames.

    Args:
        as_of: the audit date.
        loan_id: the loan's ``loans.id``.
        loans: the `loans` table.
        loan_installments: the `loan_installments` table.
        loan_payments: the `loan_payments` table.
        fines: the `fines` table.
    """
    return _run(
        "audit_loan_detail",
        {
            "as_of": as_of,
            "loan_id": loan_id,
            "loans": loans,
            "loan_installments": loan_installments,
            "loan_payments": loan_payments,
            "fines": fines,
        },
    )


def postings(*, books: Mapping[str, Any]) -> Result:
    """The journal of a books snapshot, with its basis and role mapping.

    Runs the core's ``postings`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
    """
    return _run("postings", {"books": books})


def post_event(*, books: Mapping[str, Any], account: str, event: Mapping[str, Any]) -> Result:
    """The journal entries one event of one account posts.

    Runs the core's ``post_event`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        account: the loan or savings account.
        event: the event.
    """
    return _run("post_event", {"books": books, "account": account, "event": event})


def general_ledger(
    *,
    books: Mapping[str, Any],
    account: str | None = None,
    from_: datetime.date | None = None,
    to: datetime.date | None = None,
) -> Result:
    """The general ledger: every account's opening, lines and closing.

    Runs the core's ``general_ledger`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        account: one account code (all when None).
        from_: the first day (`from` in the JSON input; the start of the books when None).
        to: the last day (the books' `as_of` when None).
    """
    return _run("general_ledger", {"books": books, "account": account, "from": from_, "to": to})


def trial_balance(*, books: Mapping[str, Any], as_of: datetime.date | None = None) -> Result:
    """The trial balance as of a date.

    Runs the core's ``trial_balance`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        as_of: the date (the books' `as_of` when None).
    """
    return _run("trial_balance", {"books": books, "as_of": as_of})


def profit_and_loss(
    *,
    books: Mapping[str, Any],
    from_: datetime.date,
    to: datetime.date | None = None,
) -> Result:
    """The profit and loss statement of a period.

    Runs the core's ``profit_and_loss`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        from_: the first day (`from` in the JSON input).
        to: the last day (the books' `as_of` when None).
    """
    return _run("profit_and_loss", {"books": books, "from": from_, "to": to})


def balance_sheet(*, books: Mapping[str, Any], as_of: datetime.date | None = None) -> Result:
    """The balance sheet as of a date.

    Runs the core's ``balance_sheet`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        as_of: the date (the books' `as_of` when None).
    """
    return _run("balance_sheet", {"books": books, "as_of": as_of})


def member_ledger(
    *,
    books: Mapping[str, Any],
    member: str,
    from_: datetime.date | None = None,
    to: datetime.date | None = None,
) -> Result:
    """One member's ledger across loans and savings.

    Runs the core's ``member_ledger`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        member: the member.
        from_: the first day (`from` in the JSON input).
        to: the last day.
    """
    return _run("member_ledger", {"books": books, "member": member, "from": from_, "to": to})


def savings_schedule(*, account: Mapping[str, Any], as_of: datetime.date) -> Result:
    """A savings account's statement as of a date.

    Runs the core's ``savings_schedule`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        account: the savings account.
        as_of: the statement date.
    """
    return _run("savings_schedule", {"account": account, "as_of": as_of})


def savings_apply(
    *,
    account: Mapping[str, Any],
    event: Mapping[str, Any],
    as_of: datetime.date,
) -> Result:
    """Applies one event to a savings account.

    Runs the core's ``savings_apply`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        account: the savings account.
        event: the event.
        as_of: the statement date.
    """
    return _run("savings_apply", {"account": account, "event": event, "as_of": as_of})


def savings_interest(*, account: Mapping[str, Any], through: datetime.date) -> Result:
    """The interest a savings account earns through a date.

    Runs the core's ``savings_interest`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        account: the savings account.
        through: the last day of interest.
    """
    return _run("savings_interest", {"account": account, "through": through})


def distribute_bonus(
    *,
    bonus_id: str,
    pool: Decimal,
    recipients: Sequence[Mapping[str, Any]],
    method: str | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Distributes a bonus pool over recipients, exactly to the minor unit.

    Runs the core's ``distribute_bonus`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        bonus_id: the bonus.
        pool: the amount to distribute.
        recipients: the recipients and their weights.
        method: the distribution method (core default when None).
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "distribute_bonus",
        {
            "bonus_id": bonus_id,
            "pool": pool,
            "recipients": recipients,
            "method": method,
            "currency": currency,
        },
    )


def member_savings(
    *,
    accounts: Sequence[Mapping[str, Any]],
    member: str,
    as_of: datetime.date,
) -> Result:
    """A member's savings balance and months across accounts.

    Runs the core's ``member_savings`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        accounts: the savings accounts.
        member: the member.
        as_of: the date.
    """
    return _run("member_savings", {"accounts": accounts, "member": member, "as_of": as_of})


def guarantor_exposure(
    *,
    loans: Sequence[Mapping[str, Any]],
    member: str,
    as_of: datetime.date,
) -> Result:
    """A member's standing guarantees on a date, as the loan approval reads them.

    Runs the core's ``guarantor_exposure`` operation (see ``docs/books.md``). An argument left
    as ``None`` is left out of the input, so the core's default applies.

    Args:
        loans: the book loans (member and events).
        member: the guarantor.
        as_of: the date.
    """
    return _run("guarantor_exposure", {"loans": loans, "member": member, "as_of": as_of})


def classify(
    *,
    loans: Sequence[Mapping[str, Any]],
    as_of: datetime.date,
    policy: Mapping[str, Any] | None = None,
    previous: Sequence[Mapping[str, Any]] | None = None,
    loss: Sequence[str] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Classifies loans (standard, SMA, NPA classes) and their provisions as of a date.

    Runs the core's ``classify`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        loans: the loans.
        as_of: the date.
        policy: the classification policy.
        previous: the previous classification.
        loss: loans marked as loss.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "classify",
        {
            "loans": loans,
            "as_of": as_of,
            "policy": policy,
            "previous": previous,
            "loss": loss,
            "currency": currency,
        },
    )


def provisions(
    *,
    books: Mapping[str, Any],
    policy: Mapping[str, Any] | None = None,
    previous: Sequence[Mapping[str, Any]] | None = None,
    loss: Sequence[str] | None = None,
) -> Result:
    """The provisioning run of the books as of their date: provisions and releases to post.

    Runs the core's ``provisions`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies. Append the returned
    ``records`` to the books' ``provisions``: a second run of the same day posts nothing.

    Args:
        books: the books snapshot.
        policy: the classification policy.
        previous: the previous classification.
        loss: loans or members identified as loss.
    """
    return _run(
        "provisions",
        {"books": books, "policy": policy, "previous": previous, "loss": loss},
    )


def portfolio_report(
    *,
    loans: Sequence[Mapping[str, Any]],
    as_of: datetime.date,
    options: Mapping[str, Any] | None = None,
    currency: Mapping[str, Any] | None = None,
) -> Result:
    """Portfolio figures: ageing, portfolio at risk, NPA ratios, collection efficiency.

    Runs the core's ``portfolio_report`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        loans: the loans.
        as_of: the date.
        options: report options.
        currency: `{"code", "minor_units"}` (INR when None).
    """
    return _run(
        "portfolio_report",
        {
            "loans": loans,
            "as_of": as_of,
            "options": options,
            "currency": currency,
        },
    )


def check_books(*, books: Mapping[str, Any], alerts: Mapping[str, Any] | None = None) -> Result:
    """Checks a books snapshot for inconsistencies and raises alerts.

    Runs the core's ``check_books`` operation (see ``docs/books.md``). An argument left as
    ``None`` is left out of the input, so the core's default applies.

    Args:
        books: the books snapshot.
        alerts: alert thresholds.
    """
    return _run("check_books", {"books": books, "alerts": alerts})


def dashboard(*, books: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> Result:
    """Every figure of the manager's dashboard from a books snapshot.

    Runs the core's ``dashboard`` operation (see ``docs/books.md``): collection efficiency,
    the NPA meter with provision coverage, PAR 1/30/60/90, overdue installments by DPD band x
    due month and by member group, the credit-score distribution, unmapped bank lines by age
    and the daily checks. An argument left as ``None`` is left out of the input, so the core's
    default applies.

    Args:
        books: the books snapshot.
        options: the portfolio options, alert thresholds, member groups and age bands.
    """
    return _run("dashboard", {"books": books, "options": options})

#: The Python function of every operation in :data:`windeep.OPERATIONS`, by name. ``schedule``
#: returns a :class:`windeep.Schedule`; every other function a :class:`Result`.
OPERATION_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType({
    "schedule": schedule,
    "allocate": allocate,
    "loan_statement": loan_statement,
    "loan_apply": loan_apply,
    "foreclosure_quote": foreclosure_quote,
    "topup_quote": topup_quote,
    "loan_topup": loan_topup,
    "verify_chain": verify_chain,
    "assess_fines": assess_fines,
    "approve_loan": approve_loan,
    "loan_fines": loan_fines,
    "bank_import": bank_import,
    "bank_match": bank_match,
    "bank_split": bank_split,
    "bank_unmap": bank_unmap,
    "bank_ignore": bank_ignore,
    "bank_reconcile": bank_reconcile,
    "audit_loan": audit_loan,
    "audit_book": audit_book,
    "audit_loan_detail": audit_loan_detail,
    "postings": postings,
    "post_event": post_event,
    "general_ledger": general_ledger,
    "trial_balance": trial_balance,
    "profit_and_loss": profit_and_loss,
    "balance_sheet": balance_sheet,
    "member_ledger": member_ledger,
    "savings_schedule": savings_schedule,
    "savings_apply": savings_apply,
    "savings_interest": savings_interest,
    "distribute_bonus": distribute_bonus,
    "member_savings": member_savings,
    "guarantor_exposure": guarantor_exposure,
    "classify": classify,
    "provisions": provisions,
    "portfolio_report": portfolio_report,
    "check_books": check_books,
    "dashboard": dashboard,
})
