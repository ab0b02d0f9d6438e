#!/usr/bin/env python3
"""Baseline timings for the `schedule` operation in plain Python.

Measures, for 12, 60 and 360 installments:

* reference.schedule (docs/schedule.md in plain Python `decimal`) for each method;
* numpy-financial computing the same reducing schedule's per-row interest and
  principal with npf.ipmt / npf.ppmt (binary floats, no rounding), once with one
  call per row and once vectorised over all rows, for comparison.

Prints nanoseconds per installment as a table, or as JSON with --json.
Needs numpy-financial (`pip install numpy-financial`). Runs in well under 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402

try:
    import numpy as np
    import numpy_financial as npf
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("numpy-financial is missing: pip install numpy-financial")

TENURES = (12, 60, 360)
METHODS = ("reducing", "flat", "equal_principal", "bullet")
PRINCIPAL = "100000"
RATE = "12"
REPEAT = 3
MIN_SECONDS = 0.2


def loan(method: str, tenure: int) -> dict:
    return {
        "principal": PRINCIPAL,
        "annual_rate": RATE,
        "tenure": tenure,
        "disbursed_on": "2026-01-05",
        "first_due_on": "2026-02-05",
        "method": method,
    }


def npf_per_row(tenure: int):
    rate = float(RATE) / 1200.0
    pv = -float(PRINCIPAL)

    def run():
        rows = []
        for per in range(1, tenure + 1):
            rows.append((float(npf.ppmt(rate, per, tenure, pv)),
                         float(npf.ipmt(rate, per, tenure, pv))))
        return rows

    return run


def npf_vectorised(tenure: int):
    rate = float(RATE) / 1200.0
    pv = -float(PRINCIPAL)
    per = np.arange(1, tenure + 1)

    def run():
        return npf.ppmt(rate, per, tenure, pv), npf.ipmt(rate, per, tenure, pv)

    return run


def ns_per_installment(func, tenure: int) -> float:
    timer = timeit.Timer(func)
    number, elapsed = timer.autorange()
    if elapsed < MIN_SECONDS:
        number = max(1, int(number * MIN_SECONDS / max(elapsed, 1e-9)))
    best = min(timer.repeat(repeat=REPEAT, number=number))
    return best / number / tenure * 1e9


def run_benchmarks() -> list[dict]:
    results = []
    for tenure in TENURES:
        for method in METHODS:
            inp = loan(method, tenure)
            reference.schedule(inp)  # warm-up and sanity check
            results.append({
                "implementation": "reference (python decimal)",
                "method": method,
                "installments": tenure,
                "ns_per_installment": ns_per_installment(lambda i=inp: reference.schedule(i),
                                                         tenure),
            })
        for name, factory in (("numpy-financial ipmt/ppmt per row", npf_per_row),
                              ("numpy-financial ipmt/ppmt vectorised", npf_vectorised)):
            results.append({
                "implementation": name,
                "method": "reducing",
                "installments": tenure,
                "ns_per_installment": ns_per_installment(factory(tenure), tenure),
            })
    return results


def print_table(results: list[dict]) -> None:
    keys = []
    for r in results:
        key = (r["implementation"], r["method"])
        if key not in keys:
            keys.append(key)
    cell = {(r["implementation"], r["method"], r["installments"]): r["ns_per_installment"]
            for r in results}
    width = max(len(f"{impl} / {method}") for impl, method in keys)
    header = f"{'implementation / method':<{width}}" + "".join(
        f"{f'n={n}':>14}" for n in TENURES)
    print("ns per installment (best of %d)" % REPEAT)
    print(header)
    print("-" * len(header))
    for impl, method in keys:
        line = f"{impl + ' / ' + method:<{width}}"
        for n in TENURES:
            line += f"{cell[(impl, method, n)]:>14,.0f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = run_benchmarks()
    if args.json:
        print(json.dumps({
            "unit": "ns_per_installment",
            "python": platform.python_version(),
            "numpy_financial": getattr(npf, "__version__", "unknown"),
            "loan": {"principal": PRINCIPAL, "annual_rate": RATE, "frequency": "monthly",
                     "interest_basis": "30_360"},
            "results": [dict(r, ns_per_installment=round(r["ns_per_installment"], 1))
                        for r in results],
        }, indent=1))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
