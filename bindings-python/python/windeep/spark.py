"""The portfolio batch on Apache Spark: the audit, the end of day and the classification.

Each function takes Spark DataFrames and returns a Spark DataFrame. The rows of one loan (of
one member, for the classification) are brought to one partition by a hash shuffle on the loan
id (member), and each partition hands its rows to the Rust core as Arrow record batches
(``mapInArrow`` / ``groupBy(...).applyInArrow``): no per-row Python objects are made for the
legacy tables, and no rule is computed in Python or in Spark. Every figure comes from the same
core operation the single-machine functions call:

* :func:`audit_loan_book`: :func:`windeep.audit_loan_book` on each partition's loans;
* :func:`end_of_day`: the ``loan_statement`` and ``loan_fines`` operations on each loan;
* :func:`classify`: the ``classify`` operation on each member's loans (the member-level NPA
  contagion needs every loan of a member together, and nothing else).

So the result does not depend on how the book is partitioned: it is the single-machine result,
row for row (``docs/spark.md``). Needs PySpark 4.0 or later (for ``applyInArrow``) and pyarrow:
``pip install 'windeep[spark]'``. The executors need the ``windeep`` wheel too
(``docs/spark.md`` says how to ship it).

>>> import datetime, windeep.spark                                    # doctest: +SKIP
>>> found = windeep.spark.audit_loan_book(loans, installments, payments, fines,
...                                       as_of=datetime.date(2026, 6, 30))  # doctest: +SKIP
>>> found.groupBy("rule").count().show()                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import importlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import windeep
from windeep import _windeep
from windeep._frames import require
from windeep.audit import TABLES, _error

__all__ = [
    "AUDIT_SCHEMA",
    "CLASSIFY_SCHEMA",
    "END_OF_DAY_SCHEMA",
    "audit_loan_book",
    "classify",
    "end_of_day",
]

#: The columns of :func:`audit_loan_book`'s result, as a Spark DDL schema: the key columns
#: (``loan_id`` from ``loans.id``, ``seq`` the discrepancy's place among its loan's) and the
#: single-machine discrepancy table's columns. ``orderBy("loan_id", "seq")`` gives the rows in
#: the single-machine order when ``loans`` is ordered by ``id``.
AUDIT_SCHEMA = (
    "loan_id bigint, seq int, loan string, installment int, field string, stored string, "
    "correct string, rule string, message string"
)

#: The columns of :func:`end_of_day`'s result (one row per loan), as a Spark DDL schema. Money
#: is text exactly as the core writes it; ``error`` is the core's error code when the loan's
#: events were refused (the other figures are then null).
END_OF_DAY_SCHEMA = (
    "loan_id string, as_of date, status string, days_past_due int, "
    "outstanding_principal string, interest_due string, fines_due string, next_due_on date, "
    "overdue_installments array<struct<number: int, due_on: date, unpaid: string, "
    "fines_due: string, days_past_due: int>>, "
    "fine_events array<string>, fine_assessments array<string>, "
    "error string, error_message string"
)

#: The columns of :func:`classify`'s result (one row per loan active on the date), as a Spark
#: DDL schema: the ``classify`` operation's per-loan record, money and percentages as text.
CLASSIFY_SCHEMA = (
    "member string, loan_id string, days_past_due int, sma string, asset_class string, "
    "npa boolean, contagion boolean, npa_since date, months_in_npa int, "
    "outstanding_principal string, overdue string, provision_pct string, secured string, "
    "unsecured string, provision string, member_upgraded boolean, "
    "error string, error_message string"
)

_TAGS = {"loans": 0, "loan_installments": 1, "loan_payments": 2, "fines": 3}
_PREFIX = {"loans": "l_", "loan_installments": "i_", "loan_payments": "p_", "fines": "f_"}
_TABLE = "_wd_table"
_LOAN = "_wd_loan"


def _check_date(name: str, value: Any) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise _error(_windeep.InvalidDateError, f"{name} must be a datetime.date")


def _check_partitions(partitions: int | None) -> None:
    if partitions is not None and (
        isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1
    ):
        raise _error(_windeep.InvalidInputError,
                     f"partitions must be a positive int or None, not {partitions!r}")


def _check_columns(df: Any, name: str, required: Iterable[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise _error(_windeep.InvalidInputError,
                     f"{name} has no column {', '.join(repr(c) for c in missing)}")


def _wire(value: Any) -> Any:
    """``Decimal`` and ``date`` as the core's JSON text, containers walked."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _json(value: Any) -> str:
    return json.dumps(_wire(value), separators=(",", ":"))


def _refusal(exc: _windeep.WindeepError) -> tuple[str, str]:
    return (str(getattr(exc, "code", "E_INTERNAL")), str(getattr(exc, "message", exc)))


# --- audit_loan_book ----------------------------------------------------------------------------


def _audit_tagged(df: Any, table: str, key: Any) -> Any:
    """``df``'s audited columns under the table's prefix, with the tag and the loan key."""
    f = require("pyspark.sql.functions", "windeep.spark", "spark")
    prefix = _PREFIX[table]
    cols = [f.col(c).alias(prefix + c) for c in TABLES[table] if c in df.columns]
    return df.select(
        f.lit(_TAGS[table]).cast("tinyint").alias(_TABLE), key.cast("bigint").alias(_LOAN), *cols
    )


def _untag(pa: Any, pc: Any, t: Any, table: str) -> Any:
    """The rows of ``table`` in a partition's tagged batch, sorted by (loan, id), with their
    legacy column names."""
    prefix = _PREFIX[table]
    sub = t.filter(pc.equal(t.column(_TABLE), _TAGS[table]))
    sub = sub.sort_by([(_LOAN, "ascending"), (prefix + "id", "ascending")])
    names = [n for n in sub.column_names if n.startswith(prefix)]
    sub = sub.select(names)
    return sub.rename_columns([n[len(prefix):] for n in names])


def _audit_partition(as_of: datetime.date) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")

        from windeep.audit import audit_loan_book as audit

        collected = list(batches)
        if not collected:
            return
        t = pa.Table.from_batches(collected)
        loans, rows, payments, fines = (_untag(pa, pc, t, name) for name in _TAGS)
        if loans.num_rows == 0:
            return
        found = audit(loans, rows, payments, fines, as_of=as_of).discrepancies.to_arrow()
        ids = dict(zip(loans.column("loan_number").to_pylist(), loans.column("id").to_pylist()))
        loan_ids: list[int] = []
        seqs: list[int] = []
        previous, seq = None, 0
        for number in found.column("loan").to_pylist():
            seq = seq + 1 if number == previous else 0
            previous = number
            loan_ids.append(ids[number])
            seqs.append(seq)
        out = pa.Table.from_arrays(
            [
                pa.array(loan_ids, pa.int64()),
                pa.array(seqs, pa.int32()),
                found.column("loan"),
                found.column("installment").cast(pa.int32()),
                *(found.column(c) for c in ("field", "stored", "correct", "rule", "message")),
            ],
            names=["loan_id", "seq", "loan", "installment", "field", "stored", "correct", "rule",
                   "message"],
        )
        yield from out.to_batches()

    return run


def audit_loan_book(
    loans: Any,
    installments: Any,
    payments: Any,
    fines: Any,
    *,
    as_of: datetime.date,
    partitions: int | None = None,
) -> Any:
    """Audits a legacy loan book held in Spark: every stored figure that differs from the rules.

    ``loans``, ``installments``, ``payments`` and ``fines`` are Spark DataFrames of the legacy
    ``loans``, ``loan_installments``, ``loan_payments`` and ``fines`` tables with the columns
    :func:`windeep.audit_loan_book` reads (``windeep.audit.TABLES``; money as ``decimal(p, 2)``,
    rates ``decimal(p, 8)`` at most, dates ``date``, ids ``bigint`` or ``int``). A loan
    installment's fine is found through its installment (``fines.related_id`` =
    ``loan_installments.id``); fines of other types are not part of a loan audit.

    The four tables are brought together by loan (``repartition(partitions, loan id)``;
    Spark's ``spark.sql.shuffle.partitions`` when ``partitions`` is None) and each partition is
    audited by :func:`windeep.audit_loan_book`. Returns a DataFrame with :data:`AUDIT_SCHEMA`:
    the single-machine discrepancy table plus ``loan_id`` and ``seq``. Rows of a loan not in
    ``loans`` are not audited (as on one machine).

    The columns are checked on the driver before anything runs (the single-machine audit of
    each table's first row): a missing column or one of the wrong type raises the
    :class:`windeep.WindeepError` the single-machine audit raises; a null in a required column
    or an inexact value further down fails the Spark job with that error.
    """
    _check_date("as_of", as_of)
    _check_partitions(partitions)
    f = require("pyspark.sql.functions", "windeep.spark.audit_loan_book()", "spark")
    require("pyarrow", "windeep.spark.audit_loan_book()", "spark")
    frames = {"loans": loans, "loan_installments": installments, "loan_payments": payments,
              "fines": fines}
    for name, df in frames.items():
        _check_columns(df, name, TABLES[name])
    # The single-machine audit of each table's first row checks the columns and their types
    # (the audit reads the columns of an empty table whatever their types).
    windeep.audit_loan_book(*(df.limit(1).toArrow() for df in frames.values()), as_of=as_of)

    owner = installments.select(
        f.col("id").cast("bigint").alias("_wd_row"), f.col("loan_id").cast("bigint").alias(_LOAN)
    )
    loan_fines = fines.filter(f.col("related_type").isin("loan", "loan_installment")).join(
        owner, f.col("related_id").cast("bigint") == f.col("_wd_row"), "inner"
    )
    tagged = (
        _audit_tagged(loans, "loans", f.col("id"))
        .unionByName(_audit_tagged(installments, "loan_installments", f.col("loan_id")),
                     allowMissingColumns=True)
        .unionByName(_audit_tagged(payments, "loan_payments", f.col("loan_id")),
                     allowMissingColumns=True)
        .unionByName(_audit_tagged(loan_fines, "fines", f.col(_LOAN)), allowMissingColumns=True)
    )
    spread = (tagged.repartition(partitions, _LOAN) if partitions is not None
              else tagged.repartition(_LOAN))
    return spread.mapInArrow(_audit_partition(as_of), AUDIT_SCHEMA)


# --- end_of_day ---------------------------------------------------------------------------------


def _events_text(pa: Any, t: Any) -> str:
    """The JSON array of a group's events, in stored order (``sequence`` when given)."""
    if "sequence" in t.column_names:
        t = t.sort_by([("sequence", "ascending")])
    return "[" + ",".join(t.column("event").to_pylist()) + "]"


def _date(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text)


def _end_of_day_group(as_of: datetime.date, extra: str) -> Any:
    def run(t: Any) -> Any:
        pa = importlib.import_module("pyarrow")

        from windeep._windeep import WindeepError, call

        loan = t.column("loan_id")[0].as_py()
        events = _events_text(pa, t)
        head = '{"as_of":"' + as_of.isoformat() + '","events":' + events
        row: dict[str, Any] = {"loan_id": loan, "as_of": as_of}
        try:
            state = call("loan_statement", head + "}")["state"]
            fines = call("loan_fines", head + extra + "}")
        except WindeepError as exc:
            row["error"], row["error_message"] = _refusal(exc)
        else:
            row.update(
                status=state["status"],
                days_past_due=state["days_past_due"],
                outstanding_principal=state["outstanding_principal"],
                interest_due=state["interest_due"],
                fines_due=state["fines_due"],
                next_due_on=_date(state["next_due_on"]),
                overdue_installments=[
                    {"number": i["number"], "due_on": _date(i["due_on"]), "unpaid": i["unpaid"],
                     "fines_due": i["fines_due"], "days_past_due": i["days_past_due"]}
                    for i in state["installments"] if i["status"] == "overdue"
                ],
                fine_events=[_json(e) for e in fines["events"]],
                fine_assessments=[_json(a) for a in fines["assessments"]],
            )
        return pa.Table.from_pylist([row], schema=_arrow_schema(pa, "end_of_day"))

    return run


def _probe_loan(on: datetime.date) -> dict[str, Any]:
    """A loan disbursed on ``on`` with its first installment due 30 days later."""
    first = on + datetime.timedelta(days=30)
    return {"id": "probe", "sequence": 1, "value_date": on, "idempotency_key": "probe",
            "body": {"type": "disbursed", "loan_id": "probe", "guarantors": [],
                     "terms": {"principal": "1000", "annual_rate": "12", "tenure": 1,
                               "disbursed_on": on, "first_due_on": first}}}


def end_of_day(
    events: Any,
    as_of: datetime.date,
    *,
    rules: Sequence[Mapping[str, Any]] = (),
    product: Mapping[str, Any] | None = None,
    partitions: int | None = None,
) -> Any:
    """The end of day of every loan held in Spark: status, days past due, dues, fines to levy.

    ``events`` is a Spark DataFrame of the loans' event logs, one event per row: ``loan_id``
    (string), ``event`` (the event's JSON text, ``docs/account.md``) and optionally
    ``sequence`` (the stored order; without it, the order Spark delivers the rows, which only
    the hash chain cares about). ``rules`` and ``product`` are the ``loan_fines`` operation's
    fine rules and product (``docs/fines.md``).

    Each loan's events go to one group (``groupBy("loan_id").applyInArrow`` after
    ``repartition(partitions, "loan_id")``), where the core's ``loan_statement`` (the state at
    the end of ``as_of``) and ``loan_fines`` (the daily fine job) run on them. Returns a
    DataFrame with :data:`END_OF_DAY_SCHEMA`, one row per loan: the statement's status, days
    past due, outstanding principal, interest and fines due, next due date and overdue
    installments, and the fine job's ``fine_events`` (the ``fine_levied`` events to append, as
    JSON) and ``fine_assessments`` (as JSON). A loan whose events the core refuses gets its
    error code in ``error`` and null figures; the other loans are not affected.
    """
    _check_date("as_of", as_of)
    _check_partitions(partitions)
    require("pyarrow", "windeep.spark.end_of_day()", "spark")
    _check_columns(events, "events", ("loan_id", "event"))
    extra = ',"rules":' + _json(list(rules))
    if product is not None:
        extra += ',"product":' + _json(product)
    # The rules and the product are checked once, on the driver, on a loan of one
    # disbursement (nothing due, so nothing but the rules and the product can be refused).
    _windeep.call("loan_fines", '{"as_of":"' + as_of.isoformat() + '","events":['
                  + _json(_probe_loan(as_of)) + "]" + extra + "}")
    cols = ["loan_id", "event"] + (["sequence"] if "sequence" in events.columns else [])
    spread = events.select(*cols)
    spread = (spread.repartition(partitions, "loan_id") if partitions is not None
              else spread.repartition("loan_id"))
    return spread.groupBy("loan_id").applyInArrow(_end_of_day_group(as_of, extra),
                                                  END_OF_DAY_SCHEMA)


# --- classify -----------------------------------------------------------------------------------


def _classify_group(head: str, tail: str, previous: Mapping[str, list[Any]],
                    loss: frozenset[str]) -> Any:
    def run(t: Any) -> Any:
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")

        from windeep._windeep import WindeepError, call

        member = t.column("member")[0].as_py()
        ids = sorted(set(t.column("loan_id").to_pylist()))
        loans = []
        for loan in ids:
            mine = t.filter(pc.equal(t.column("loan_id"), loan))
            entry = '{"member":' + json.dumps(member) + ',"events":' + _events_text(pa, mine)
            if "security_value" in mine.column_names:
                values = set(mine.column("security_value").to_pylist()) - {None}
                if len(values) > 1:
                    raise _error(_windeep.InvalidInputError,
                                 f"loan {loan!r} has more than one security_value")
                if values:
                    entry += ',"security_value":' + json.dumps(str(values.pop()))
            loans.append(entry + "}")
        wanted = sorted(x for x in loss if x == member or x in ids)
        text = (head + ',"loans":[' + ",".join(loans) + '],"previous":'
                + _json(previous.get(member, [])) + ',"loss":' + json.dumps(wanted) + tail)
        rows: list[dict[str, Any]] = []
        try:
            out = call("classify", text)
        except WindeepError as exc:
            code, message = _refusal(exc)
            rows = [{"member": member, "loan_id": loan, "error": code, "error_message": message}
                    for loan in ids]
        else:
            upgraded = {m["member"]: m["upgraded"] for m in out["members"]}
            for r in out["loans"]:
                rows.append({
                    "member": r["member"], "loan_id": r["loan_id"],
                    "days_past_due": r["days_past_due"], "sma": r["sma"],
                    "asset_class": r["asset_class"], "npa": r["npa"],
                    "contagion": r["contagion"], "npa_since": _date(r["npa_since"]),
                    "months_in_npa": r["months_in_npa"],
                    "outstanding_principal": r["outstanding_principal"],
                    "overdue": r["overdue"], "provision_pct": r["provision_pct"],
                    "secured": r["secured"], "unsecured": r["unsecured"],
                    "provision": r["provision"],
                    "member_upgraded": upgraded.get(r["member"]),
                })
        return pa.Table.from_pylist(rows, schema=_arrow_schema(pa, "classify"))

    return run


def classify(
    loans: Any,
    as_of: datetime.date,
    *,
    policy: Mapping[str, Any] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    loss: Sequence[str] = (),
    currency: Mapping[str, Any] | None = None,
    partitions: int | None = None,
) -> Any:
    """Asset classes and provisions of every loan held in Spark, with member-level contagion.

    ``loans`` is a Spark DataFrame of the loans' event logs, one event per row: ``member``,
    ``loan_id`` (the loan's id, as in its ``disbursed`` event), ``event`` (JSON text),
    optionally ``sequence`` (stored order) and ``security_value`` (the loan's security, the
    same on each of its rows, or null: unsecured). ``policy``, ``previous`` (``[{member,
    npa_since}]``), ``loss`` (member or loan ids) and ``currency`` are the ``classify``
    operation's (``docs/books.md``).

    A member's loans go to one group (``groupBy("member").applyInArrow`` after
    ``repartition(partitions, "member")``), classified together by the core's ``classify``,
    which is what its contagion and upgrade rules need and all they need. Returns a DataFrame
    with :data:`CLASSIFY_SCHEMA`, one row per loan active on ``as_of`` (the operation's
    per-loan record, with the member's ``upgraded`` flag). A member whose events the core
    refuses gets one row per loan with the error code in ``error``.

    The policy, ``previous``, ``loss`` and ``currency`` are checked once on the driver.
    """
    _check_date("as_of", as_of)
    _check_partitions(partitions)
    require("pyarrow", "windeep.spark.classify()", "spark")
    _check_columns(loans, "loans", ("member", "loan_id", "event"))
    settings: dict[str, Any] = {"as_of": as_of}
    if policy is not None:
        settings["policy"] = policy
    if currency is not None:
        settings["currency"] = currency
    _windeep.call("classify", {**_wire(settings), "loans": [], "previous": _wire(list(previous)),
                               "loss": list(loss)})
    head = "{" + _json(settings)[1:-1]
    tail = "}"
    by_member: dict[str, list[Any]] = {}
    for p in previous:
        by_member.setdefault(str(p["member"]), []).append(p)
    cols = [c for c in ("member", "loan_id", "event", "sequence", "security_value")
            if c in loans.columns]
    spread = loans.select(*cols)
    spread = (spread.repartition(partitions, "member") if partitions is not None
              else spread.repartition("member"))
    return spread.groupBy("member").applyInArrow(
        _classify_group(head, tail, by_member, frozenset(map(str, loss))), CLASSIFY_SCHEMA
    )


_SCHEMAS: dict[str, Any] = {}


def _arrow_schema(pa: Any, name: str) -> Any:
    """The Arrow schema of a result (built once per worker process)."""
    if name not in _SCHEMAS:
        money = pa.string()
        if name == "end_of_day":
            overdue = pa.struct([("number", pa.int32()), ("due_on", pa.date32()),
                                 ("unpaid", money), ("fines_due", money),
                                 ("days_past_due", pa.int32())])
            _SCHEMAS[name] = pa.schema([
                ("loan_id", pa.string()), ("as_of", pa.date32()), ("status", pa.string()),
                ("days_past_due", pa.int32()), ("outstanding_principal", money),
                ("interest_due", money), ("fines_due", money), ("next_due_on", pa.date32()),
                ("overdue_installments", pa.list_(overdue)),
                ("fine_events", pa.list_(pa.string())),
                ("fine_assessments", pa.list_(pa.string())),
                ("error", pa.string()), ("error_message", pa.string()),
            ])
        else:
            _SCHEMAS[name] = pa.schema([
                ("member", pa.string()), ("loan_id", pa.string()), ("days_past_due", pa.int32()),
                ("sma", pa.string()), ("asset_class", pa.string()), ("npa", pa.bool_()),
                ("contagion", pa.bool_()), ("npa_since", pa.date32()),
                ("months_in_npa", pa.int32()), ("outstanding_principal", money),
                ("overdue", money), ("provision_pct", money), ("secured", money),
                ("unsecured", money), ("provision", money), ("member_upgraded", pa.bool_()),
                ("error", pa.string()), ("error_message", pa.string()),
            ])
    return _SCHEMAS[name]
