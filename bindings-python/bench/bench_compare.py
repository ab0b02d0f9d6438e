"""Side-by-side timing of a repayment schedule from Python (not a test: prints numbers).

Compares, in one run and one process, at 12, 60 and 360 monthly installments:

* ``windeep.schedule()``: the exact schedule with its APR (the default);
* ``windeep.schedule(..., apr=False)``: the same schedule without the APR;
* a plain Python ``decimal`` EMI loop (no APR), rounding each row to the paisa;
* numpy-financial vectorised (``pmt``, ``ipmt``, ``ppmt`` over the whole tenure; floats,
  no APR).

``windeep.schedule()`` returns an immutable ``Schedule`` whose amounts become ``Decimal``
objects when read. The third windeep column therefore also reads, for every row, the four
amounts the ``decimal`` loop builds (installment, principal, interest, closing balance), so
that the lazy result pays for the conversion it defers. Run after a release build::

    maturin develop --release -m bindings-python/Cargo.toml
    pip install numpy-financial
    python bindings-python/bench/bench_compare.py
"""

from __future__ import annotations

import datetime
import platform
import sys
import timeit
from decimal import ROUND_HALF_UP, Decimal, getcontext
from importlib.metadata import version

import numpy as np
import numpy_financial as npf

import windeep

PRINCIPAL = Decimal("100000")
RATE = Decimal("12")
DISBURSED = datetime.date(2026, 1, 5)
FIRST_DUE = datetime.date(2026, 2, 5)
CENT = Decimal("0.01")


def windeep_schedule(tenure: int, apr: bool) -> windeep.Schedule:
    return windeep.schedule(
        principal=PRINCIPAL,
        annual_rate=RATE,
        tenure=tenure,
        disbursed_on=DISBURSED,
        first_due_on=FIRST_DUE,
        apr=apr,
    )


def windeep_read(tenure: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    s = windeep_schedule(tenure, True)
    assert s.apr is not None
    return [
        (row.installment, row.principal, row.interest, row.closing_balance)
        for row in s.installments
    ]


def decimal_loop(tenure: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """A textbook EMI schedule in Python's decimal, monthly rate, 30/360, no APR."""
    r = RATE / Decimal(1200)
    f = (1 + r) ** tenure
    emi = (PRINCIPAL * r * f / (f - 1)).quantize(CENT, ROUND_HALF_UP)
    balance = PRINCIPAL
    rows = []
    for n in range(1, tenure + 1):
        interest = (balance * r).quantize(CENT, ROUND_HALF_UP)
        principal = balance if n == tenure else emi - interest
        balance -= principal
        rows.append((principal + interest, principal, interest, balance))
    return rows


def numpy_financial(tenure: int) -> tuple[np.ndarray, np.ndarray]:
    r = 0.12 / 12
    per = np.arange(1, tenure + 1)
    interest = -npf.ipmt(r, per, tenure, 100000.0)
    principal = -npf.ppmt(r, per, tenure, 100000.0)
    return interest, principal


def per_call_us(fn: object, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    getcontext().prec = 28
    print(f"python {platform.python_version()} ({sys.implementation.name}), "
          f"windeep {windeep.__version__}, numpy {np.__version__}, "
          f"numpy-financial {version('numpy-financial')}, {platform.machine()}")
    print()
    # The same answer from windeep and the loop (30/360, half-up to the paisa, no fee).
    assert [r[:3] for r in windeep_read(12)] == [r[:3] for r in decimal_loop(12)]
    print("| installments | windeep `schedule()` (with APR) | windeep `apr=False` "
          "| windeep with APR, reading 4 amounts of every row "
          "| Python `decimal` loop (no APR) | numpy-financial vectorised (no APR) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for tenure, number in ((12, 2000), (60, 500), (360, 100)):
        with_apr = per_call_us(lambda: windeep_schedule(tenure, True), number)
        no_apr = per_call_us(lambda: windeep_schedule(tenure, False), number)
        read = per_call_us(lambda: windeep_read(tenure), number)
        loop = per_call_us(lambda: decimal_loop(tenure), number)
        vec = per_call_us(lambda: numpy_financial(tenure), number)
        print(f"| {tenure} | {with_apr:.1f} µs | {no_apr:.1f} µs | {read:.1f} µs "
              f"| {loop:.1f} µs | {vec:.1f} µs |")


if __name__ == "__main__":
    main()
