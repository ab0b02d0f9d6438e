"""Timing of the Python binding (not a test: prints numbers, gates nothing).

Run after a release build (``maturin develop --release``)::

    python bindings-python/bench/bench_schedule.py

Compare ``schedule()`` with the Rust-only cost of ``windeep_ops::schedule`` from the
criterion benches; the typed call should stay within a small factor of it.
"""

from __future__ import annotations

import datetime
import json
import timeit
from decimal import Decimal

import windeep

TERMS = dict(
    principal=Decimal("100000"),
    annual_rate=Decimal("12"),
    disbursed_on=datetime.date(2026, 1, 5),
    first_due_on=datetime.date(2026, 2, 5),
)


def per_call(fn: object, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number  # type: ignore[arg-type]


def main() -> None:
    for tenure, number in ((12, 2000), (60, 500), (360, 100)):
        kwargs = {**TERMS, "tenure": tenure}
        text = json.dumps(
            {
                "principal": "100000",
                "annual_rate": "12",
                "tenure": tenure,
                "disbursed_on": "2026-01-05",
                "first_due_on": "2026-02-05",
            }
        )
        typed = per_call(lambda: windeep.schedule(**kwargs), number)
        as_dict = per_call(lambda: windeep.schedule(**kwargs).to_dict(), number)
        generic = per_call(lambda: windeep.call("schedule", text), number)
        print(
            f"{tenure:>3} installments: schedule() {typed * 1e6:9.1f} us   "
            f"schedule().to_dict() {as_dict * 1e6:9.1f} us   call(json) {generic * 1e6:9.1f} us"
        )


if __name__ == "__main__":
    main()
