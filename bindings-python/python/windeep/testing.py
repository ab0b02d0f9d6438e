"""A generator of legacy-style loan books with planted errors, for tests, demos and benchmarks.

:func:`legacy_book` writes the four legacy tables (``loans``, ``loan_installments``,
``loan_payments``, ``fines``) of ``n_loans`` loans as a correct legacy system would have kept
them on the audit date, then plants known errors in some of them and says exactly which
discrepancies each one must produce. An audit of the book (:func:`windeep.audit_loan_book`)
must find exactly :attr:`LegacyBook.planted` and nothing else.

* Loans: principal 25,000–500,000, rate 10–15 % p.a., reducing (about 9 in 10) or flat,
  ``tenure`` months (24 by default), disbursed on a day 1–27 of 2025 (so due dates never need
  clamping and no first due date is a month end, which would anchor every due date to its
  month's last day), first due a month later. Row amounts come from :func:`windeep.schedule`, one call
  per distinct (principal, rate, method).
* Every installment due before ``as_of`` is paid on its due date by one ``emi`` payment
  targeted at it, except on about one loan in 8, whose latest due installment is left overdue;
  on half of those the payment was received and reversed, and the overdue installment carries
  a pending fine of 100.00.
* Planted errors (one per chosen loan, cycling through :data:`KINDS`): wrong header totals,
  EMI, last EMI date, row due date, principal, interest, EMI, paid amounts and status; wrong
  outstanding figures; the legacy flat remainder; a missing row; a payment whose components
  exceed its cash; a wrong fine balance, a duplicate fine, a negative fine amount.

Needs numpy and pyarrow (``pip install 'windeep[arrow]'``); :meth:`LegacyBook.to_pandas` also
needs pandas.
"""

from __future__ import annotations

import datetime
import importlib
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from windeep._windeep import schedule

__all__ = ["KINDS", "LegacyBook", "Planted", "legacy_book"]

#: The kinds of planted error, in the order they are dealt out.
KINDS = (
    "header_total_interest",
    "header_total_payable",
    "emi",
    "last_emi_date",
    "row_due_date",
    "row_principal",
    "row_interest",
    "row_emi",
    "principal_paid",
    "status",
    "outstanding_principal",
    "outstanding_interest",
    "flat_remainder",
    "missing_row",
    "payment_components",
    "fine_balance",
    "duplicate_fine",
    "negative_fine",
)

_PRINCIPALS = (25_000, 50_000, 100_000, 150_000, 250_000, 500_000)
_RATES = ("10", "11.5", "12", "13.5", "15")
_EPOCH = datetime.date(1970, 1, 1)


class Planted(NamedTuple):
    """A discrepancy the audit must report: the key columns of the discrepancy table."""

    loan: str
    installment: int | None
    field: str
    rule: str


@dataclass(frozen=True)
class LegacyBook:
    """The four legacy tables as pyarrow Tables, the audit date and the planted errors."""

    loans: Any
    installments: Any
    payments: Any
    fines: Any
    as_of: datetime.date
    planted: tuple[Planted, ...] = field(default=())

    def tables(self) -> tuple[Any, Any, Any, Any]:
        """``(loans, installments, payments, fines)``, as :func:`audit_loan_book` takes them."""
        return (self.loans, self.installments, self.payments, self.fines)

    def to_pandas(self) -> tuple[Any, Any, Any, Any]:
        """The four tables as DataFrames (money as ``decimal.Decimal``, dates as
        ``datetime.date``)."""
        loans, installments, payments, fines = (
            t.to_pandas(date_as_object=True) for t in self.tables()
        )
        return loans, installments, payments, fines


def _months(d: datetime.date, k: int) -> datetime.date:
    y, m = divmod(d.month - 1 + k, 12)
    return d.replace(year=d.year + y, month=m + 1)


class _Columns:
    """Column lists of one table; money in paise, dates in days since 1970-01-01."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.data: dict[str, list[Any]] = {name: [] for name in kinds}

    def add(self, **row: Any) -> int:
        for name, values in self.data.items():
            values.append(row[name])
        return len(self.data["id"]) - 1

    def table(self, pa: Any, np: Any) -> Any:
        arrays = []
        for name, kind in self.kinds.items():
            values = self.data[name]
            if kind == "money":
                minor = np.asarray(values, dtype=np.int64)
                # decimal128 is a 16-byte little-endian two's complement integer.
                words = np.empty((len(minor), 2), dtype="<i8")
                words[:, 0] = minor
                words[:, 1] = minor >> 63
                arrays.append(pa.Array.from_buffers(
                    pa.decimal128(38, 2), len(minor), [None, pa.py_buffer(words.tobytes())]))
            elif kind == "date":
                arrays.append(pa.array(values, pa.int32()).cast(pa.date32()))
            elif kind == "rate":
                arrays.append(pa.array([Decimal(v) for v in values], pa.decimal128(38, 8)))
            elif kind == "bool":
                arrays.append(pa.array(values, pa.bool_()))
            elif kind == "str":
                arrays.append(pa.array(values, pa.string()))
            else:
                arrays.append(pa.array(values, pa.int64()))
        return pa.Table.from_arrays(arrays, names=list(self.kinds))


def _paise(d: Decimal) -> int:
    return int(d * 100)


def _day(d: datetime.date) -> int:
    return (d - _EPOCH).days


def legacy_book(
    n_loans: int,
    *,
    tenure: int = 24,
    errors: int = 0,
    seed: int = 0,
    as_of: datetime.date = datetime.date(2026, 6, 30),
) -> LegacyBook:
    """A legacy loan book of ``n_loans`` loans with errors planted in ``errors`` of them.

    Deterministic for a given ``seed``. See the module documentation for what it contains.
    """
    if errors > n_loans:
        raise ValueError("errors cannot exceed n_loans")
    if tenure < 3:
        raise ValueError("tenure must be at least 3")
    pa = importlib.import_module("pyarrow")
    np = importlib.import_module("numpy")
    rnd = random.Random(seed)
    loans = _Columns({
        "id": "int", "loan_number": "str", "principal_amount": "money", "interest_rate": "rate",
        "interest_type": "str", "tenure_months": "int", "disbursement_date": "date",
        "first_emi_date": "date", "last_emi_date": "date", "emi_amount": "money",
        "total_interest": "money", "total_payable": "money", "outstanding_principal": "money",
        "outstanding_interest": "money", "outstanding_fine": "money",
    })
    rows = _Columns({
        "id": "int", "loan_id": "int", "installment_number": "int", "due_date": "date",
        "principal_amount": "money", "interest_amount": "money", "emi_amount": "money",
        "principal_paid": "money", "interest_paid": "money", "status": "str",
    })
    pays = _Columns({
        "id": "int", "loan_id": "int", "installment_id": "int", "payment_date": "date",
        "payment_type": "str", "total_amount": "money", "principal_component": "money",
        "interest_component": "money", "fine_component": "money", "excess_amount": "money",
        "is_reversed": "bool",
    })
    fines = _Columns({
        "id": "int", "related_type": "str", "related_id": "int", "fine_rule_id": "int",
        "fine_date": "date", "fine_amount": "money", "paid_amount": "money",
        "waived_amount": "money", "balance_amount": "money", "status": "str",
    })
    cache: dict[tuple[int, str, str], Any] = {}
    planted: list[Planted] = []
    chosen = set(rnd.sample(range(n_loans), errors))
    next_kind = 0

    for n in range(n_loans):
        loan_id = n + 1
        number = f"LN{2025 + loan_id // 1_000_000:04d}{loan_id % 1_000_000:06d}"
        principal = rnd.choice(_PRINCIPALS)
        rate = rnd.choice(_RATES)
        kind = KINDS[next_kind % len(KINDS)] if n in chosen else None
        method: Literal["flat", "reducing"] = (
            "flat" if kind == "flat_remainder" or rnd.random() < 0.1 else "reducing")
        disbursed = datetime.date(2025, rnd.randint(1, 12), rnd.randint(1, 27))
        first = _months(disbursed, 1)
        key = (principal, rate, method)
        if key not in cache:
            s = schedule(principal=principal, annual_rate=Decimal(rate), tenure=tenure,
                         disbursed_on=datetime.date(2025, 1, 5),
                         first_due_on=datetime.date(2025, 2, 5), method=method)
            cache[key] = (
                s.emi, s.totals.interest, s.totals.payable,
                [(_paise(i.principal), _paise(i.interest), _paise(i.installment))
                 for i in s.installments],
            )
        emi, total_interest, total_payable, amounts = cache[key]
        dues = [_months(first, k) for k in range(tenure)]
        due_before = sum(1 for d in dues if d < as_of)
        overdue = due_before > 0 and rnd.random() < 0.125
        reversed_ = overdue and rnd.random() < 0.5
        paid = due_before - 1 if overdue else due_before

        header: dict[str, Any] = dict(
            id=loan_id, loan_number=number, principal_amount=principal * 100,
            interest_rate=rate, interest_type=method, tenure_months=tenure,
            disbursement_date=_day(disbursed), first_emi_date=_day(first),
            last_emi_date=_day(dues[-1]), emi_amount=_paise(emi),
            total_interest=_paise(total_interest), total_payable=_paise(total_payable),
            outstanding_principal=principal * 100 - sum(a[0] for a in amounts[:paid]),
            outstanding_interest=_paise(total_interest) - sum(a[1] for a in amounts[:paid]),
            outstanding_fine=0,
        )
        row_ids: list[int] = []
        row_at: list[int] = []
        pay_at: dict[int, int] = {}
        for k, ((p, i, e), due) in enumerate(zip(amounts, dues), start=1):
            is_paid = k <= paid
            status = ("paid" if is_paid else "overdue" if due < as_of
                      else "pending" if due == as_of else "upcoming")
            at = rows.add(id=len(rows.data["id"]) + 1, loan_id=loan_id, installment_number=k,
                          due_date=_day(due), principal_amount=p, interest_amount=i,
                          emi_amount=e, principal_paid=p if is_paid else 0,
                          interest_paid=i if is_paid else 0, status=status)
            row_at.append(at)
            row_ids.append(rows.data["id"][at])
            if is_paid or (reversed_ and k == paid + 1):
                pay_at[k] = pays.add(
                    id=len(pays.data["id"]) + 1, loan_id=loan_id, installment_id=row_ids[-1],
                    payment_date=_day(due), payment_type="emi", total_amount=e,
                    principal_component=p, interest_component=i, fine_component=0,
                    excess_amount=0, is_reversed=not is_paid)
        fine_at = None
        if overdue and reversed_:
            fine_at = fines.add(
                id=len(fines.data["id"]) + 1, related_type="loan", related_id=row_ids[paid],
                fine_rule_id=1, fine_date=_day(dues[paid] + datetime.timedelta(days=6)),
                fine_amount=10_000, paid_amount=0, waived_amount=0, balance_amount=10_000,
                status="pending")
            header["outstanding_fine"] = 10_000

        if kind is not None:
            next_kind += 1
            planted.extend(_plant(kind, rnd, number, header, rows, row_at, pays, pay_at,
                                  fines, fine_at, row_ids, paid, tenure))
        loans.add(**header)

    return LegacyBook(
        loans=loans.table(pa, np), installments=rows.table(pa, np),
        payments=pays.table(pa, np), fines=fines.table(pa, np), as_of=as_of,
        planted=tuple(planted),
    )


def _plant(kind: str, rnd: random.Random, number: str, header: dict[str, Any],
           rows: _Columns, row_at: list[int], pays: _Columns, pay_at: dict[int, int],
           fines: _Columns, fine_at: int | None, row_ids: list[int], paid: int,
           tenure: int) -> list[Planted]:
    """Plants one error of `kind` in a loan and returns the discrepancies it must produce."""
    r = rows.data
    # A row that is neither the first (whose due date the audit takes as the agreed first due
    # date) nor the last.
    k = rnd.randint(2, tenure - 1)
    at = row_at[k - 1]

    def one(installment: int | None, field: str, rule: str) -> list[Planted]:
        return [Planted(number, installment, field, rule)]

    if kind == "header_total_interest":
        header["total_interest"] += 2  # the legacy header from the unrounded EMI (§2.1)
        return one(None, "loans.total_interest", "R_HEADER_TOTAL_INTEREST")
    if kind == "header_total_payable":
        header["total_payable"] += 2
        return one(None, "loans.total_payable", "R_HEADER_TOTAL_PAYABLE")
    if kind == "emi":
        header["emi_amount"] += 1
        return one(None, "loans.emi_amount", "R_EMI")
    if kind == "last_emi_date":
        header["last_emi_date"] += 3  # §1.3: first + (n − 1) months against a drifted schedule
        return one(None, "loans.last_emi_date", "R_LAST_EMI_DATE")
    if kind == "row_due_date":
        r["due_date"][at] += 2
        return one(k, "loan_installments.due_date", "R_ROW_DUE_DATE")
    if kind == "row_principal":
        r["principal_amount"][at] += 1
        return one(k, "loan_installments.principal_amount", "R_ROW_PRINCIPAL")
    if kind == "row_interest":
        r["interest_amount"][at] -= 1
        return one(k, "loan_installments.interest_amount", "R_ROW_INTEREST")
    if kind == "row_emi":
        r["emi_amount"][at] += 1
        return one(k, "loan_installments.emi_amount", "R_ROW_EMI")
    if kind == "principal_paid" and paid > 0:
        r["principal_paid"][row_at[0]] -= 100
        return one(1, "loan_installments.principal_paid", "R_ROW_PRINCIPAL_PAID")
    if kind == "status" and paid > 0:
        r["status"][row_at[0]] = "pending"  # a label a job forgot to move on (§0.5)
        return one(1, "loan_installments.status", "R_ROW_STATUS")
    if kind == "outstanding_principal":
        header["outstanding_principal"] += 10_000
        return one(None, "loans.outstanding_principal", "R_OUTSTANDING_PRINCIPAL")
    if kind == "outstanding_interest":
        header["outstanding_interest"] += 2
        return one(None, "loans.outstanding_interest", "R_OUTSTANDING_INTEREST")
    if kind == "flat_remainder":
        # The legacy flat rows: R2(I / n) on every row and the remainder I − (n − 1)·R2(I / n)
        # on the last (§2.3). The correct rows split I by cumulative rounding, so they differ
        # from R2(I / n) by a paisa on some rows, and the last row's legacy remainder differs
        # from the last cumulative share whenever R2(I / n) is not exact: those rows, when not
        # yet paid, get the legacy value.
        total = sum(r["interest_amount"][at_k] for at_k in row_at)
        ip = (2 * total + tenure) // (2 * tenure)  # R2(I / n), half-up, in paise
        planted: list[Planted] = []
        for k_row in range(paid + 1, tenure + 1):
            at_k = row_at[k_row - 1]
            legacy = total - (tenure - 1) * ip if k_row == tenure else ip
            if (k_row in pay_at) or r["interest_amount"][at_k] == legacy:
                continue
            r["emi_amount"][at_k] += legacy - r["interest_amount"][at_k]
            r["interest_amount"][at_k] = legacy
            rule = "R_FLAT_REMAINDER" if k_row == tenure else "R_ROW_INTEREST"
            planted += (one(k_row, "loan_installments.interest_amount", rule)
                        + one(k_row, "loan_installments.emi_amount", "R_ROW_EMI"))
        if not planted:
            return _plant("row_emi", rnd, number, header, rows, row_at, pays, pay_at, fines,
                          fine_at, row_ids, paid, tenure)
        return planted
    if kind == "missing_row" and tenure not in pay_at:
        # A row not yet due, so no payment refers to it.
        k = tenure
        for name in r:
            del r[name][row_at[-1]]
        return one(k, "loan_installments.installment_number", "R_ROW_MISSING")
    received = [(k, p) for k, p in sorted(pay_at.items()) if not pays.data["is_reversed"][p]]
    if kind == "payment_components" and received:
        k, p = received[0]
        pays.data["total_amount"][p] -= 1_000  # topped up from savings (§3.4)
        return one(k, f"loan_payments[{pays.data['id'][p]}].total_amount",
                   "R_PAYMENT_COMPONENTS")
    if kind in ("fine_balance", "duplicate_fine") and fine_at is None and paid > 0:
        # A fine levied on installment 1 and paid in full: clean, until the error below.
        fine_at = fines.add(
            id=len(fines.data["id"]) + 1, related_type="loan", related_id=row_ids[0],
            fine_rule_id=1, fine_date=r["due_date"][row_at[0]] + 6, fine_amount=10_000,
            paid_amount=10_000, waived_amount=0, balance_amount=0, status="paid")
    if fine_at is not None:
        f = fines.data
        fined = row_ids.index(f["related_id"][fine_at]) + 1
        if kind == "fine_balance":
            f["balance_amount"][fine_at] += 1_000  # a payment or waiver not taken off
            return one(fined, f"fines[{f['id'][fine_at]}].balance_amount", "R_FINE_BALANCE")
        if kind == "duplicate_fine":
            # The next run levied a new full fine for the same installment and rule (bug #7).
            dup = fines.add(**{name: values[fine_at] for name, values in f.items()})
            f["id"][dup] = len(f["id"])
            f["fine_date"][dup] += 1
            f["paid_amount"][dup] = 0
            f["balance_amount"][dup] = f["fine_amount"][dup]
            f["status"][dup] = "pending"
            header["outstanding_fine"] += f["fine_amount"][dup]
            return one(fined, f"fines[{f['id'][dup]}].fine_rule_id", "R_FINE_DUPLICATE")
    if kind == "negative_fine":
        f = fines.data
        neg = fines.add(id=len(f["id"]) + 1, related_type="loan", related_id=row_ids[0],
                        fine_rule_id=2, fine_date=r["due_date"][row_at[0]] + 10,
                        fine_amount=-1_000, paid_amount=0, waived_amount=0, balance_amount=0,
                        status="pending")
        return one(1, f"fines[{f['id'][neg]}].fine_amount", "R_NEGATIVE_AMOUNT")
    # The loan has no paid row, payment or fine for this kind: plant a header error instead.
    return _plant("outstanding_interest", rnd, number, header, rows, row_at, pays, pay_at,
                  fines, fine_at, row_ids, paid, tenure)

