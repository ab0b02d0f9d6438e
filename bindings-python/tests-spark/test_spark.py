"""``windeep.spark`` gives the single-machine results, whatever the number of partitions.

Each Spark function is compared with the same book run on one machine through the public
Python API: :func:`windeep.audit_loan_book` on the whole book, the ``loan_statement`` and
``loan_fines`` operations loan by loan, the ``classify`` operation on every loan at once.
"""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import windeep
import windeep.spark as ws
from windeep.audit import TABLES
from windeep.testing import legacy_book

AS_OF = datetime.date(2026, 6, 30)
EOD_AS_OF = datetime.date(2026, 3, 31)
PARTITIONS = (1, 3, 8)

RULES = [{"id": 1, "applies_to": "loan", "grace_days": 5, "max_days": 60,
          "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]


# --- the legacy book and the audit ---------------------------------------------------------------


@pytest.fixture(scope="module")
def book() -> Any:
    return legacy_book(240, errors=60, tenure=24, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def frames(spark: Any, book: Any) -> tuple[Any, Any, Any, Any]:
    loans, rows, payments, fines = (_frame(spark, t) for t in book.tables())
    return loans, rows, payments, fines


def _frame(spark: Any, table: Any) -> Any:
    """A Spark DataFrame of a pyarrow Table, with the Table's types (PySpark 3.5 and 4)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame(table.to_pylist(), from_arrow_schema(table.schema))


def _single_machine(book: Any) -> list[tuple[Any, ...]]:
    found = windeep.audit_loan_book(*book.tables(), as_of=book.as_of).discrepancies
    return [tuple(d) for d in found]


def _spark_rows(df: Any) -> list[tuple[Any, ...]]:
    rows = df.orderBy("loan_id", "seq").collect()
    return [(r["loan"], r["installment"], r["field"], r["stored"], r["correct"], r["rule"],
             r["message"]) for r in rows]


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_audit_is_the_single_machine_audit(frames: Any, book: Any, partitions: int) -> None:
    expected = _single_machine(book)
    assert len(expected) >= 60  # every planted error is found by the single-machine audit
    got = ws.audit_loan_book(*frames, as_of=book.as_of, partitions=partitions)
    assert got.rdd.getNumPartitions() == partitions
    assert _spark_rows(got) == expected


def test_audit_finds_exactly_the_planted_errors(frames: Any, book: Any) -> None:
    got = ws.audit_loan_book(*frames, as_of=book.as_of).collect()
    assert {(r["loan"], r["installment"], r["field"], r["rule"]) for r in got} == {
        tuple(p) for p in book.planted
    }


def test_audit_keys_name_the_loan_and_its_order(frames: Any, book: Any) -> None:
    got = ws.audit_loan_book(*frames, as_of=book.as_of, partitions=3).collect()
    numbers = dict(zip(book.loans.column("id").to_pylist(),
                       book.loans.column("loan_number").to_pylist()))
    by_loan: dict[int, list[int]] = {}
    for r in got:
        assert numbers[r["loan_id"]] == r["loan"]
        by_loan.setdefault(r["loan_id"], []).append(r["seq"])
    for seqs in by_loan.values():
        assert sorted(seqs) == list(range(len(seqs)))


def test_audit_of_shuffled_input_is_the_same(spark: Any, book: Any) -> None:
    """Rows delivered in another order give the same result (the partitions sort by loan, id)."""
    rnd = random.Random(3)
    shuffled = []
    for t in book.tables():
        order = list(range(t.num_rows))
        rnd.shuffle(order)
        shuffled.append(_frame(spark, t.take(pa.array(order))))
    got = ws.audit_loan_book(*shuffled, as_of=book.as_of, partitions=3)
    assert _spark_rows(got) == _single_machine(book)


def test_audit_leaves_out_rows_of_unknown_loans_and_other_fines(spark: Any, book: Any) -> None:
    loans, rows, payments, fines = book.tables()
    keep = pa.array([i % 2 == 0 for i in range(loans.num_rows)])
    half = loans.filter(keep)
    expected = [tuple(d) for d in windeep.audit_loan_book(
        half, rows, payments, fines, as_of=book.as_of).discrepancies]
    savings_fine = fines.slice(0, 1).set_column(
        fines.column_names.index("related_type"), "related_type",
        pa.array(["savings"], pa.string()))
    more_fines = pa.concat_tables([fines, savings_fine])
    got = ws.audit_loan_book(*(_frame(spark, t) for t in (half, rows, payments, more_fines)),
                             as_of=book.as_of, partitions=3)
    assert _spark_rows(got) == expected


def test_audit_refuses_a_missing_column_on_the_driver(frames: Any, book: Any) -> None:
    loans, rows, payments, fines = frames
    with pytest.raises(windeep.InvalidInputError, match="emi_amount"):
        ws.audit_loan_book(loans.drop("emi_amount"), rows, payments, fines, as_of=book.as_of)


def test_audit_refuses_float_money_on_the_driver(frames: Any, book: Any) -> None:
    loans, rows, payments, fines = frames
    floats = loans.withColumn("emi_amount", loans["emi_amount"].cast("double"))
    with pytest.raises(windeep.InvalidAmountError):
        ws.audit_loan_book(floats, rows, payments, fines, as_of=book.as_of)


def test_audit_refuses_bad_arguments(frames: Any, book: Any) -> None:
    with pytest.raises(windeep.InvalidDateError):
        ws.audit_loan_book(*frames, as_of=datetime.datetime(2026, 6, 30))  # type: ignore[arg-type]
    for bad in (0, -1, True, 2.0):
        with pytest.raises(windeep.InvalidInputError):
            ws.audit_loan_book(*frames, as_of=book.as_of, partitions=bad)  # type: ignore[arg-type]


def _cast(df: Any, kinds: dict[str, str]) -> Any:
    from pyspark.sql import functions as F

    return df.select(*(F.col(c).cast(kinds[c]).alias(c) if c in kinds else F.col(c)
                       for c in df.columns))


def test_audit_of_narrow_and_int_columns_is_the_same(frames: Any, book: Any) -> None:
    """Money as decimal(12, 2), rates as decimal(10, 8) and ids as int (the types a database
    export often has) travel in other slots and give the same discrepancies."""
    loans, rows, payments, fines = frames
    money = {c: "decimal(12,2)" for c, kind in TABLES["loans"].items() if kind == "money"}
    loans = _cast(loans, {**money, "interest_rate": "decimal(10,8)", "id": "int",
                          "tenure_months": "int"})
    rows = _cast(rows, {"id": "int", "loan_id": "int", "installment_number": "int",
                        "principal_amount": "decimal(12,2)", "emi_amount": "decimal(14,2)"})
    got = ws.audit_loan_book(loans, rows, payments, fines, as_of=book.as_of, partitions=3)
    assert _spark_rows(got) == _single_machine(book)


def test_audit_stops_on_money_beyond_18_digits(spark: Any, book: Any) -> None:
    """A decimal(38, 2) amount of 10^16 or more does not fit the shuffle's decimal(18, 2):
    the job fails naming the column and the value instead of carrying a null."""
    from pyspark.sql import functions as F

    loans, rows, payments, fines = (_frame(spark, t) for t in book.tables())
    first = book.loans.column("id")[0].as_py()
    huge = F.lit(Decimal("12345678901234567.00")).cast("decimal(38,2)")
    loans = loans.withColumn("outstanding_fine", F.when(F.col("id") == first, huge)
                             .otherwise(F.col("outstanding_fine")))
    got = ws.audit_loan_book(loans, rows, payments, fines, as_of=book.as_of, partitions=2)
    with pytest.raises(Exception, match="loans.outstanding_fine = 12345678901234567.00"):
        got.collect()


# --- event logs: the end of day and the classification ------------------------------------------


def _months(d: datetime.date, k: int) -> datetime.date:
    y, m = divmod(d.month - 1 + k, 12)
    return d.replace(year=d.year + y, month=m + 1)


def _event(loan: str, seq: int, on: datetime.date, body: dict[str, Any]) -> dict[str, Any]:
    key = f"{loan}-{seq}"
    return {"id": key, "sequence": seq, "value_date": on.isoformat(), "idempotency_key": key,
            "body": body}


def _event_book(n_loans: int, seed: int) -> list[tuple[str, str, int, str, str | None]]:
    """(member, loan_id, sequence, event JSON, security_value) rows of generated loans.

    Two or three loans per member; each loan pays its first k installments on their due
    dates, k chosen so that some loans are current, some a little late and some NPA (so that
    a member's other loans are NPA by contagion). One loan's log is refused by the core (a
    payment before the disbursement).
    """
    rnd = random.Random(seed)
    rows = []
    emis: dict[tuple[int, str, int], Decimal] = {}
    for k in range(n_loans):
        member = f"M{k // 3 if k % 7 else k // 2:05d}"
        loan = f"LN{k:06d}"
        principal = rnd.choice((25_000, 50_000, 100_000))
        rate = rnd.choice(("10", "12", "13.5"))
        tenure = 24
        disbursed = datetime.date(2025, rnd.randint(1, 9), rnd.randint(1, 27))
        first = _months(disbursed, 1)
        terms = {"principal": str(principal), "annual_rate": rate, "tenure": tenure,
                 "disbursed_on": disbursed.isoformat(), "first_due_on": first.isoformat()}
        key = (principal, rate, tenure)
        if key not in emis:
            emis[key] = windeep.schedule(
                principal=Decimal(principal), annual_rate=Decimal(rate), tenure=tenure,
                disbursed_on=disbursed, first_due_on=first).emi
        due = sum(1 for i in range(tenure) if _months(first, i) <= EOD_AS_OF)
        paid = max(0, due - rnd.choice((0, 0, 0, 1, 2, 5)))
        security = str(principal // 2) if rnd.random() < 0.3 else None
        events = [_event(loan, 1, disbursed, {"type": "disbursed", "loan_id": loan,
                                              "terms": terms, "guarantors": []})]
        for i in range(paid):
            events.append(_event(loan, i + 2, _months(first, i),
                                 {"type": "payment_received", "amount": str(emis[key])}))
        if k == 5:
            events.append(_event(loan, 99, datetime.date(2024, 1, 1),
                                 {"type": "payment_received", "amount": "10.00"}))
        for e in events:
            rows.append((member, loan, e["sequence"], json.dumps(e), security))
    rnd.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def event_rows() -> list[tuple[str, str, int, str, str | None]]:
    return _event_book(150, seed=5)


@pytest.fixture(scope="module")
def events(spark: Any, event_rows: Any) -> Any:
    return spark.createDataFrame(
        event_rows, "member string, loan_id string, sequence bigint, event string, "
                    "security_value string")


def _logs(event_rows: Any) -> dict[str, tuple[str, list[dict[str, Any]], str | None]]:
    logs: dict[str, tuple[str, list[tuple[int, dict[str, Any]]], str | None]] = {}
    for member, loan, seq, event, security in event_rows:
        logs.setdefault(loan, (member, [], security))[1].append((seq, json.loads(event)))
    return {loan: (m, [e for _, e in sorted(es, key=lambda x: x[0])], s)
            for loan, (m, es, s) in logs.items()}


def _eod_expected(event_rows: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for loan, (_, events, _) in _logs(event_rows).items():
        try:
            state = windeep.call("loan_statement", {"events": events, "as_of": EOD_AS_OF})["state"]
            fines = windeep.call("loan_fines", {"events": events, "as_of": EOD_AS_OF,
                                                "rules": RULES})
        except windeep.WindeepError as exc:
            out[loan] = {"error": exc.code}
            continue
        out[loan] = {
            "error": None, "status": state["status"], "days_past_due": state["days_past_due"],
            "outstanding_principal": state["outstanding_principal"],
            "interest_due": state["interest_due"], "fines_due": state["fines_due"],
            "next_due_on": state["next_due_on"],
            "overdue": [(i["number"], i["due_on"], i["unpaid"]) for i in state["installments"]
                        if i["status"] == "overdue"],
            "fine_events": fines["events"], "fine_assessments": fines["assessments"],
        }
    return out


def _eod_got(row: Any) -> dict[str, Any]:
    if row["error"] is not None:
        return {"error": row["error"]}
    return {
        "error": None, "status": row["status"], "days_past_due": row["days_past_due"],
        "outstanding_principal": row["outstanding_principal"],
        "interest_due": row["interest_due"], "fines_due": row["fines_due"],
        "next_due_on": None if row["next_due_on"] is None else row["next_due_on"].isoformat(),
        "overdue": [(i["number"], i["due_on"].isoformat(), i["unpaid"])
                    for i in row["overdue_installments"]],
        "fine_events": [json.loads(e) for e in row["fine_events"]],
        "fine_assessments": [json.loads(a) for a in row["fine_assessments"]],
    }


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_end_of_day_is_the_loan_by_loan_result(events: Any, event_rows: Any,
                                               partitions: int) -> None:
    expected = _eod_expected(event_rows)
    got = ws.end_of_day(events, EOD_AS_OF, rules=RULES, partitions=partitions)
    rows = got.collect()
    assert {r["loan_id"]: _eod_got(r) for r in rows} == expected
    assert len(rows) == len(expected)
    assert all(r["as_of"] == EOD_AS_OF for r in rows)
    # The book has what the comparison needs to mean something.
    assert sum(1 for e in expected.values() if e["error"] == "E_INVALID_EVENT") == 1
    assert sum(1 for e in expected.values() if e.get("fine_events")) >= 5
    assert any(e.get("days_past_due", 0) > 90 for e in expected.values())


@pytest.fixture
def small_batches(spark: Any) -> Any:
    """Arrow batches of 7 rows, so that most loans and members span two or more batches."""
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(key)
    spark.conf.set(key, "7")
    yield
    spark.conf.set(key, before)


def test_end_of_day_of_loans_across_arrow_batches(events: Any, event_rows: Any,
                                                 small_batches: Any) -> None:
    got = ws.end_of_day(events, EOD_AS_OF, rules=RULES, partitions=3).collect()
    assert {r["loan_id"]: _eod_got(r) for r in got} == _eod_expected(event_rows)
    assert len(got) == len({r["loan_id"] for r in got})


def test_end_of_day_without_sequence_uses_the_delivered_order(spark: Any,
                                                              event_rows: Any) -> None:
    """Without ``sequence`` a loan's events are taken in the order Spark delivers them; a
    book stored in order and read in one partition gives the loan-by-loan result."""
    ordered = sorted(event_rows, key=lambda r: (r[1], r[2]))
    df = spark.createDataFrame([(loan, e) for _, loan, _, e, _ in ordered],
                               "loan_id string, event string").coalesce(1)
    got = ws.end_of_day(df, EOD_AS_OF, rules=RULES, partitions=1).collect()
    assert {r["loan_id"]: _eod_got(r) for r in got} == _eod_expected(event_rows)


def test_end_of_day_refuses_bad_rules_on_the_driver(events: Any) -> None:
    bad = [{"id": 1, "applies_to": "loan", "formula": {"kind": "per_day", "per_day": "-1"}}]
    with pytest.raises(windeep.WindeepError) as err:
        ws.end_of_day(events, EOD_AS_OF, rules=bad)
    assert err.value.code in ("E_INVALID_FINE_RULE", "E_INVALID_INPUT", "E_INVALID_AMOUNT")


def test_end_of_day_needs_its_columns(events: Any) -> None:
    with pytest.raises(windeep.InvalidInputError, match="event"):
        ws.end_of_day(events.drop("event"), EOD_AS_OF)


CLASSIFY_FIELDS = ("member", "loan_id", "days_past_due", "sma", "asset_class", "npa",
                   "contagion", "npa_since", "months_in_npa", "outstanding_principal",
                   "overdue", "provision_pct", "secured", "unsecured", "provision")


def _classify_input(event_rows: Any, skip: set[str]) -> list[dict[str, Any]]:
    loans = []
    for loan, (member, events, security) in sorted(_logs(event_rows).items()):
        if loan in skip:
            continue
        entry: dict[str, Any] = {"member": member, "events": events}
        if security is not None:
            entry["security_value"] = security
        loans.append(entry)
    return loans


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_classify_is_the_whole_book_classification(events: Any, event_rows: Any,
                                                   partitions: int) -> None:
    previous = [{"member": "M00003", "npa_since": "2025-01-31"}]
    loss = ["M00010", "LN000020"]
    # The refused loan (LN000005) is classified alone on one machine too: its member's row
    # carries the error in Spark; the rest of the book is compared with the whole-book run.
    whole = windeep.call("classify", {"loans": _classify_input(event_rows, {"LN000005"}),
                                      "as_of": EOD_AS_OF, "previous": previous, "loss": loss})
    expected = sorted(tuple(r[k] for k in CLASSIFY_FIELDS) for r in whole["loans"])
    upgraded = {m["member"]: m["upgraded"] for m in whole["members"]}
    rows = ws.classify(events, EOD_AS_OF, previous=previous, loss=loss,
                       partitions=partitions).collect()
    refused_member = next(r["member"] for r in rows if r["loan_id"] == "LN000005")
    ok = [r for r in rows if r["member"] != refused_member]
    assert all(r["error"] is None for r in ok)
    got = sorted(
        tuple(None if r[k] is None else (r[k].isoformat() if k == "npa_since" else r[k])
              for k in CLASSIFY_FIELDS)
        for r in ok
    )
    assert got == [e for e in expected if e[0] != refused_member]
    assert all(r["member_upgraded"] == upgraded[r["member"]] for r in ok)
    refused = [r for r in rows if r["member"] == refused_member]
    assert refused and all(r["error"] == "E_INVALID_EVENT" for r in refused)
    # The comparison covers contagion, the loss list and secured provisions.
    assert any(e[6] for e in expected)  # contagion
    assert any(e[4] == "loss" for e in expected)
    assert any(e[10] != "0.00" for e in expected)  # secured


def test_classify_of_members_across_arrow_batches(events: Any, event_rows: Any,
                                                  small_batches: Any) -> None:
    previous = [{"member": "M00003", "npa_since": "2025-01-31"}]
    loss = ["M00010", "LN000020"]
    with_batches = ws.classify(events, EOD_AS_OF, previous=previous, loss=loss,
                               partitions=2).collect()
    # Each member classified alone (one call per member) gives the same rows.
    expected = []
    for member in sorted({r[0] for r in event_rows}):
        mine = [r for r in event_rows if r[0] == member]
        try:
            out = windeep.call("classify", {"loans": _classify_input(mine, set()),
                                            "as_of": EOD_AS_OF, "previous": [
                                                p for p in previous if p["member"] == member],
                                            "loss": loss})
        except windeep.WindeepError as exc:
            expected += [(member, loan, exc.code) for loan in sorted({r[1] for r in mine})]
            continue
        expected += [(member, r["loan_id"], r["provision"], r["asset_class"], r["contagion"])
                     for r in out["loans"]]
    got = [(r["member"], r["loan_id"], r["error"]) if r["error"] else
           (r["member"], r["loan_id"], r["provision"], r["asset_class"], r["contagion"])
           for r in with_batches]
    assert sorted(got) == sorted(expected)


def test_classify_reads_decimal_security_values(spark: Any, event_rows: Any) -> None:
    rows = [r for r in event_rows if r[1] in ("LN000001", "LN000002", "LN000003")]
    as_text = spark.createDataFrame(
        [(m, loan, seq, e, "30000.00") for m, loan, seq, e, _ in rows],
        "member string, loan_id string, sequence bigint, event string, security_value string")
    as_decimal = as_text.withColumn("security_value",
                                    as_text["security_value"].cast("decimal(18,2)"))
    key = ("loan_id", "secured", "unsecured", "provision")
    text_rows = sorted(tuple(r[k] for k in key) for r in ws.classify(as_text, EOD_AS_OF).collect())
    dec_rows = sorted(tuple(r[k] for k in key) for r in ws.classify(as_decimal, EOD_AS_OF).collect())
    assert text_rows == dec_rows
    assert any(r[1] != "0.00" for r in text_rows)


def test_classify_refuses_a_bad_policy_on_the_driver(events: Any) -> None:
    with pytest.raises(windeep.InvalidPolicyError):
        ws.classify(events, EOD_AS_OF, policy={"sma_0_max": 70, "sma_1_max": 60})


def test_classify_refuses_two_security_values_for_one_loan(spark: Any,
                                                           event_rows: Any) -> None:
    rows = [r for r in event_rows if r[1] == "LN000001"]
    twice = [(m, loan, seq, e, str(seq)) for m, loan, seq, e, _ in rows]
    df = spark.createDataFrame(twice, "member string, loan_id string, sequence bigint, "
                                      "event string, security_value string")
    with pytest.raises(Exception, match="more than one security_value"):
        ws.classify(df, EOD_AS_OF).collect()
