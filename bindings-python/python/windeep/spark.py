"""The portfolio batch on Apache Spark: the audit, the end of day and the classification.

Each function takes Spark DataFrames and returns a Spark DataFrame. The rows of one loan (of
one member, for the classification) are brought to one partition by a hash shuffle on the loan
id (member), and each partition hands its rows to the Rust core as Arrow record batches
(``mapInArrow``; for the end of day and the classification the partition is sorted by key, and
each loan's or member's rows are one run of it): no per-row Python objects are made for the
legacy tables or the events, and no rule is computed in Python or in Spark. Every figure comes from the same
core operation the single-machine functions call:

* :func:`audit_loan_book`: :func:`windeep.audit_loan_book`, once on each partition's loans;
* :func:`end_of_day`: the ``loan_statement`` and ``loan_fines`` operations on each loan;
* :func:`classify`: the ``classify`` operation, once per Arrow batch of whole members (the
  member-level NPA contagion needs every loan of a member together, and nothing else).

So the result does not depend on how the book is partitioned: it is the single-machine result,
row for row (``docs/spark.md``). Needs PySpark 3.5 or later and pyarrow:
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


# --- the audit: the four tables as one narrow union ---------------------------------------------
#
# The four tables travel through the shuffle as one DataFrame. Instead of one column per table
# column (about 45, each null on three rows in four), every table column goes to a *slot*: a
# column shared by the four tables, named after its Spark type and its place among the table's
# columns of that type (``_wd_bigint_0``, ``_wd_dec18_2_3``, ...). A loan row fills its slots,
# an installment row fills the same slots with its own columns, and the partition function
# renames each table's slots back to the legacy names. Integers travel as ``bigint`` and
# decimals of more than 18 digits as ``decimal(18, scale)`` (8 bytes in Spark's rows instead of
# a variable-length big decimal), with the scale kept, so the Arrow table the audit reads holds
# the same values with the same scale.


def _slot_type(dtype: Any) -> tuple[str, Any]:
    """The slot's type name and Spark type for a column of Spark type ``dtype``."""
    t = require("pyspark.sql.types", "windeep.spark", "spark")
    if isinstance(dtype, (t.ByteType, t.ShortType, t.IntegerType, t.LongType)):
        return "bigint", t.LongType()
    if isinstance(dtype, t.DecimalType) and dtype.scale <= 18 and dtype.precision > 18:
        return f"dec18_{dtype.scale}", t.DecimalType(18, dtype.scale)
    if isinstance(dtype, t.DecimalType):
        return f"dec{dtype.precision}_{dtype.scale}", dtype
    name = "".join(ch if ch.isalnum() else "_" for ch in dtype.simpleString())
    return name, dtype


def _narrow(f: Any, t: Any, column: Any, dtype: Any, target: Any, where: str) -> Any:
    """``column`` cast to the slot type ``target``; a decimal that does not fit 18 digits stops
    the job with an error naming the column and the value (never a silent null)."""
    if not isinstance(dtype, t.DecimalType) or dtype == target:
        return column.cast(target)
    limit = Decimal(10) ** (target.precision - target.scale)
    fits = f.abs(column) < f.lit(limit)
    return (f.when(column.isNull() | fits, column.cast(target))
            .otherwise(f.raise_error(f.concat(
                f.lit(f"{where} = "), column.cast("string"),
                f.lit(f": windeep.spark carries money and rates as decimals of at most 18 "
                      f"digits ({target.scale} after the point)")))).cast(target))


def _audit_layout(frames: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """For each table, its (slot, legacy column) pairs, in ``TABLES`` order."""
    layout: dict[str, list[tuple[str, str]]] = {}
    for table, df in frames.items():
        types = {fld.name: fld.dataType for fld in df.schema.fields}
        used: dict[str, int] = {}
        pairs = []
        for name in TABLES[table]:
            if name not in types:
                continue
            kind, _ = _slot_type(types[name])
            k = used.get(kind, 0)
            used[kind] = k + 1
            pairs.append((f"_wd_{kind}_{k}", name))
        layout[table] = pairs
    return layout


def _audit_slots(df: Any, table: str, key: Any, pairs: list[tuple[str, str]]) -> Any:
    """``df``'s audited columns in their slots, with the table's tag and the loan key."""
    f = require("pyspark.sql.functions", "windeep.spark", "spark")
    t = require("pyspark.sql.types", "windeep.spark", "spark")
    types = {fld.name: fld.dataType for fld in df.schema.fields}
    cols = []
    for slot, name in pairs:
        _, target = _slot_type(types[name])
        cols.append(_narrow(f, t, f.col(name), types[name], target, f"{table}.{name}").alias(slot))
    return df.select(
        f.lit(_TAGS[table]).cast("tinyint").alias(_TABLE), key.cast("bigint").alias(_LOAN), *cols
    )


def _audit_partition(as_of: datetime.date, layout: Mapping[str, list[tuple[str, str]]]) -> Any:
    def untag(pc: Any, t: Any, table: str) -> Any:
        """The rows of ``table``, sorted by (loan, id), under their legacy column names."""
        pairs = layout[table]
        sub = t.filter(pc.equal(t.column(_TABLE), _TAGS[table]))
        id_slot = dict((name, slot) for slot, name in pairs)["id"]
        sub = sub.sort_by([(_LOAN, "ascending"), (id_slot, "ascending")])
        return sub.select([slot for slot, _ in pairs]).rename_columns([n for _, n in pairs])

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")

        from windeep.audit import audit_loan_book as audit

        collected = list(batches)
        if not collected:
            return
        t = pa.Table.from_batches(collected)
        del collected
        loans, rows, payments, fines = (untag(pc, t, name) for name in _TAGS)
        del t
        if loans.num_rows == 0:
            return
        found = audit(loans, rows, payments, fines, as_of=as_of).discrepancies.to_arrow()
        numbers = found.column("loan")
        where = pc.index_in(numbers, value_set=loans.column("loan_number"))
        loan_ids = pc.take(loans.column("id"), where).cast(pa.int64())
        # ``seq``: the place of each discrepancy among its loan's (the audit lists a loan's
        # discrepancies together, in its order).
        seqs: list[int] = []
        previous, seq = None, 0
        for number in numbers.to_pylist():
            seq = seq + 1 if number == previous else 0
            previous = number
            seqs.append(seq)
        out = pa.Table.from_arrays(
            [
                loan_ids,
                pa.array(seqs, pa.int32()),
                numbers,
                found.column("installment").cast(pa.int32()),
                *(found.column(c) for c in ("field", "stored", "correct", "rule", "message")),
            ],
            names=["loan_id", "seq", "loan", "installment", "field", "stored", "correct", "rule",
                   "message"],
        )
        yield from out.to_batches()

    return run


def _first_rows(df: Any) -> Any:
    """``df``'s first row as a pyarrow Table with ``df``'s schema (PySpark 3.5 and 4)."""
    pa = require("pyarrow", "windeep.spark", "spark")
    types = require("pyspark.sql.pandas.types", "windeep.spark", "spark")
    rows = [r.asDict() for r in df.limit(1).collect()]
    return pa.Table.from_pylist(rows, schema=types.to_arrow_schema(df.schema))


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
    Spark's ``spark.sql.shuffle.partitions`` when ``partitions`` is None) as one narrow union
    (the tables' columns share typed slots; decimals travel as ``decimal(18, scale)``), and
    each partition is audited by one call of :func:`windeep.audit_loan_book`. Returns a
    DataFrame with :data:`AUDIT_SCHEMA`: the single-machine discrepancy table plus ``loan_id``
    and ``seq``. Rows of a loan not in ``loans`` are not audited (as on one machine).

    The columns are checked on the driver before anything runs (the single-machine audit of
    each table's first row): a missing column or one of the wrong type raises the
    :class:`windeep.WindeepError` the single-machine audit raises; a null in a required column
    or an inexact value further down fails the Spark job with that error, and so does a
    decimal of more than 18 digits (more than 10^16 rupees of money).
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
    windeep.audit_loan_book(*(_first_rows(df) for df in frames.values()), as_of=as_of)

    owner = installments.select(
        f.col("id").cast("bigint").alias("_wd_row"), f.col("loan_id").cast("bigint").alias(_LOAN)
    )
    loan_fines = fines.filter(f.col("related_type").isin("loan", "loan_installment")).join(
        owner, f.col("related_id").cast("bigint") == f.col("_wd_row"), "inner"
    )
    layout = _audit_layout(frames)
    keys = {"loans": f.col("id"), "loan_installments": f.col("loan_id"),
            "loan_payments": f.col("loan_id"), "fines": f.col(_LOAN)}
    sources = dict(frames, fines=loan_fines)
    parts = [_audit_slots(sources[name], name, keys[name], layout[name]) for name in _TAGS]
    tagged = parts[0]
    for part in parts[1:]:
        tagged = tagged.unionByName(part, allowMissingColumns=True)
    spread = (tagged.repartition(partitions, _LOAN) if partitions is not None
              else tagged.repartition(_LOAN))
    return spread.mapInArrow(_audit_partition(as_of, layout), AUDIT_SCHEMA)


# --- grouping the rows of a sorted partition ----------------------------------------------------


def _starts(pa: Any, pc: Any, keys: Sequence[Any]) -> Any:
    """Positions ``i > 0`` where any of ``keys`` (arrays of one length) differs from row
    ``i - 1`` (two nulls are equal), as an int64 numpy array."""
    np = importlib.import_module("numpy")
    n = len(keys[0])
    if n < 2:
        return np.zeros(0, dtype=np.int64)
    changed: Any = None
    for k in keys:
        a, b = k.slice(1), k.slice(0, n - 1)
        diff = pc.or_kleene(pc.not_equal(a, b), pc.xor(pc.is_null(a), pc.is_null(b)))
        diff = pc.fill_null(diff, False)
        changed = diff if changed is None else pc.or_(changed, diff)
    return np.flatnonzero(changed.to_numpy(zero_copy_only=False)) + 1


def _group_runs(batches: Iterator[Any], key: str) -> Iterator[Any]:
    """The rows of a partition sorted by ``key``, as tables of whole groups: a group whose rows
    span several Arrow batches is held back until its last row has arrived."""
    pa = importlib.import_module("pyarrow")
    pc = importlib.import_module("pyarrow.compute")
    pending: list[Any] = []
    for batch in batches:
        if batch.num_rows == 0:
            continue
        column = batch.column(key)
        starts = _starts(pa, pc, [column])
        last = int(starts[-1]) if len(starts) else 0
        if pending and pending[-1].column(key)[-1].as_py() != column[0].as_py():
            ready, pending = pending, []
            if last:
                ready.append(batch.slice(0, last))
            yield pa.Table.from_batches(ready)
        elif last:
            yield pa.Table.from_batches([*pending, batch.slice(0, last)])
            pending = []
        pending.append(batch.slice(last))
    if pending:
        yield pa.Table.from_batches(pending)


def _joined(pa: Any, pc: Any, texts: Any, offsets: Any) -> list[str]:
    """The JSON arrays of the runs ``texts[offsets[i]:offsets[i + 1]]``, one string per run."""
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), texts)
    return ["[" + s + "]" for s in pc.binary_join(lists, ",").to_pylist()]


# --- end_of_day ---------------------------------------------------------------------------------


def _date(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text)


def _end_of_day_partition(as_of: datetime.date, extra: str) -> Any:
    def one(loan: Any, events: str) -> dict[str, Any]:
        from windeep._windeep import WindeepError, call

        head = '{"as_of":"' + as_of.isoformat() + '","events":' + events
        row: dict[str, Any] = {"loan_id": loan, "as_of": as_of}
        try:
            state = call("loan_statement", head + "}")["state"]
            fines = call("loan_fines", head + extra + "}")
        except WindeepError as exc:
            row["error"], row["error_message"] = _refusal(exc)
            return row
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
        return row

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")
        np = importlib.import_module("numpy")

        schema = _arrow_schema(pa, "end_of_day")
        for t in _group_runs(batches, "loan_id"):
            t = t.combine_chunks()
            keys, texts = t.column("loan_id").chunk(0), t.column("event").chunk(0)
            starts = _starts(pa, pc, [keys])
            offsets = np.concatenate(([0], starts, [t.num_rows]))
            loans = pc.take(keys, pa.array(offsets[:-1])).to_pylist()
            rows = [one(loan, events)
                    for loan, events in zip(loans, _joined(pa, pc, texts, offsets))]
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()

    return run


def _probe_loan(on: datetime.date) -> dict[str, Any]:
    """A loan disbursed on ``on`` with its first installment due 30 days later."""
    first = on + datetime.timedelta(days=30)
    return {"id": "probe", "sequence": 1, "value_date": on, "idempotency_key": "probe",
            "body": {"type": "disbursed", "loan_id": "probe", "guarantors": [],
                     "terms": {"principal": "1000", "annual_rate": "12", "tenure": 1,
                               "disbursed_on": on, "first_due_on": first}}}


def _sorted_by(df: Any, keys: Sequence[str], partitions: int | None) -> Any:
    """``df`` hash-partitioned by ``keys[0]`` and sorted within each partition by ``keys``
    then ``sequence`` (when there is one; nulls last), so that a group's rows are together and
    in stored order."""
    f = require("pyspark.sql.functions", "windeep.spark", "spark")
    spread = (df.repartition(partitions, keys[0]) if partitions is not None
              else df.repartition(keys[0]))
    order = [f.col(k).asc() for k in keys]
    if "sequence" in df.columns:
        order.append(f.col("sequence").asc_nulls_last())
    return spread.sortWithinPartitions(*order)


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

    The events are spread by loan (``repartition(partitions, "loan_id")``) and sorted within
    each partition by loan and ``sequence``; ``mapInArrow`` hands each partition's Arrow
    batches to Python, where each loan's rows (a run of the sorted partition) go to the core's
    ``loan_statement`` (the state at the end of ``as_of``) and ``loan_fines`` (the daily fine
    job). Returns a DataFrame with :data:`END_OF_DAY_SCHEMA`, one row per loan: the
    statement's status, days past due, outstanding principal, interest and fines due, next due
    date and overdue installments, and the fine job's ``fine_events`` (the ``fine_levied``
    events to append, as JSON) and ``fine_assessments`` (as JSON). A loan whose events the core
    refuses gets its error code in ``error`` and null figures; the other loans are not affected.
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
    spread = _sorted_by(events.select(*cols), ["loan_id"], partitions)
    return spread.mapInArrow(_end_of_day_partition(as_of, extra), END_OF_DAY_SCHEMA)


# --- classify -----------------------------------------------------------------------------------


def _classify_partition(head: str, previous: Mapping[str, list[Any]],
                        loss: frozenset[str]) -> Any:
    def call_members(members: list[str], entries: Mapping[str, list[str]],
                     ids: Mapping[str, list[str]]) -> Any:
        from windeep._windeep import call

        loans = [e for m in members for e in entries[m]]
        named = set(members).union(*(ids[m] for m in members))
        wanted = sorted(x for x in loss if x in named)
        before = [p for m in members for p in previous.get(m, [])]
        return call("classify", head + ',"loans":[' + ",".join(loans) + '],"previous":'
                    + _json(before) + ',"loss":' + json.dumps(wanted) + "}")

    def records(out: Any) -> list[dict[str, Any]]:
        upgraded = {m["member"]: m["upgraded"] for m in out["members"]}
        return [{
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
        } for r in out["loans"]]

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")
        np = importlib.import_module("numpy")

        from windeep._windeep import WindeepError

        schema = _arrow_schema(pa, "classify")
        for t in _group_runs(batches, "member"):
            t = t.combine_chunks()
            member_col, loan_col = t.column("member").chunk(0), t.column("loan_id").chunk(0)
            # One run per loan (the partition is sorted by member, then loan).
            starts = _starts(pa, pc, [member_col, loan_col])
            offsets = np.concatenate(([0], starts, [t.num_rows]))
            firsts = pa.array(offsets[:-1])
            members = pc.take(member_col, firsts).to_pylist()
            ids = pc.take(loan_col, firsts).to_pylist()
            texts = _joined(pa, pc, t.column("event").chunk(0), offsets)
            security: list[Any] = [None] * len(ids)
            if "security_value" in t.column_names:
                runs = pa.array(np.repeat(np.arange(len(ids)), np.diff(offsets)))
                spans = pa.table({"run": runs, "value": t.column("security_value")}).group_by(
                    "run").aggregate([("value", "min"), ("value", "max")]).sort_by("run")
                lows = spans.column("value_min").to_pylist()
                highs = spans.column("value_max").to_pylist()
                for i, (low, high) in enumerate(zip(lows, highs)):
                    if low != high:
                        raise _error(_windeep.InvalidInputError,
                                     f"loan {ids[i]!r} has more than one security_value")
                    security[i] = low
            entries: dict[str, list[str]] = {}
            loan_ids: dict[str, list[str]] = {}
            for member, loan, text, value in zip(members, ids, texts, security):
                entry = '{"member":' + json.dumps(member) + ',"events":' + text
                if value is not None:
                    entry += ',"security_value":' + json.dumps(str(value))
                entries.setdefault(member, []).append(entry + "}")
                loan_ids.setdefault(member, []).append(loan)
            order = list(entries)
            rows: list[dict[str, Any]] = []
            try:
                # One call for every member of the run; a refusal is then narrowed down to
                # its member by classifying each member alone.
                rows = records(call_members(order, entries, loan_ids))
            except WindeepError:
                for member in order:
                    try:
                        rows += records(call_members([member], entries, loan_ids))
                    except WindeepError as exc:
                        code, message = _refusal(exc)
                        rows += [{"member": member, "loan_id": loan, "error": code,
                                  "error_message": message} for loan in loan_ids[member]]
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()

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

    The rows are spread by member (``repartition(partitions, "member")``) and sorted within
    each partition by member, loan and ``sequence``; ``mapInArrow`` hands each partition's
    Arrow batches to Python, where the members whose rows are complete in a batch are
    classified together by one call of the core's ``classify`` (a member's loans are always
    in one call, which is what its contagion and upgrade rules need and all they need).
    Returns a DataFrame with :data:`CLASSIFY_SCHEMA`, one row per loan active on ``as_of``
    (the operation's per-loan record, with the member's ``upgraded`` flag). A member whose
    events the core refuses gets one row per loan with the error code in ``error``; the other
    members of the call are classified without it.

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
    by_member: dict[str, list[Any]] = {}
    for p in previous:
        by_member.setdefault(str(p["member"]), []).append(p)
    cols = [c for c in ("member", "loan_id", "event", "sequence", "security_value")
            if c in loans.columns]
    spread = _sorted_by(loans.select(*cols), ["member", "loan_id"], partitions)
    return spread.mapInArrow(
        _classify_partition(head, by_member, frozenset(map(str, loss))), CLASSIFY_SCHEMA
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
