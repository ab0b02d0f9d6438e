"""The figures of BENCHMARKS.md's Python section, measured in one run (not a test).

Run from the repository root after a release install of the package (``pip install
./bindings-python``), with numpy-financial installed::

    python bindings-python/bench/bench_report.py [--loans 100000] [--tenure 24] [--json]

It measures, back to back:

1. the Rust side with criterion (``cargo bench``): ``schedule/reducing/12`` (rows only),
   ``schedule_with_apr/reducing/12`` (rows + APR, what ``windeep.schedule`` computes) and
   ``audit_loan/24_installments_12_payments`` (the core's audit of one loan);
2. the same 12-row schedule from Python: ``windeep.schedule(...)`` (typed), the same plus
   ``to_dict()`` (every amount built as a ``Decimal``) and ``windeep.call("schedule", text)``;
3. numpy-financial for the same schedule (binary floats, unrounded): ``pmt`` plus
   ``ipmt``/``ppmt`` vectorised over the rows, and one ``ipmt``/``ppmt`` call per row;
4. ``windeep.audit_loan_book`` over a generated book of ``--loans`` loans x ``--tenure``
   installments (``windeep.testing.legacy_book``, 1 % of the loans with a planted error),
   saved as Parquet and audited in a child process run under ``/usr/bin/time -v``: the wall
   time of the call and the child's peak resident memory (loading the Parquet files
   included); a second child times the call's two parts (column conversion in Python, then
   the extension).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import timeit
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("loans", "loan_installments", "loan_payments", "fines")
#: Criterion result folders (below target/criterion) of the benchmarks read.
CRITERION = {
    "schedule/reducing/12": "schedule/reducing/12",
    "schedule_with_apr/reducing/12": "schedule_with_apr/reducing/12",
    "audit_loan/24_installments_12_payments": "audit_loan_24_installments_12_payments",
}


def per_call(fn: Any, number: int, repeat: int = 7) -> float:
    """Best of `repeat` runs of `number` calls, seconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def rust_side(skip: bool) -> dict[str, float]:
    if not skip:
        for bench, pattern in (("schedule", "^schedule(_with_apr)?/reducing/12$"),
                               ("audit", "audit_loan")):
            subprocess.run(
                ["cargo", "bench", "-p", "windeep-benches", "--bench", bench, "--",
                 "--warm-up-time", "1", "--measurement-time", "5", pattern],
                cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
            )
    out = {}
    for name, folder in CRITERION.items():
        path = ROOT / "target" / "criterion" / folder / "new" / "estimates.json"
        estimates = json.loads(path.read_text())
        out[name] = estimates["median"]["point_estimate"]  # nanoseconds
    return out


def python_side() -> dict[str, float]:
    import windeep

    kwargs = dict(principal=Decimal("100000"), annual_rate=Decimal("12"), tenure=12,
                  disbursed_on=datetime.date(2026, 1, 5), first_due_on=datetime.date(2026, 2, 5))
    text = json.dumps({"principal": "100000", "annual_rate": "12", "tenure": 12,
                       "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"})
    return {
        "windeep.schedule()": per_call(lambda: windeep.schedule(**kwargs), 2000) * 1e9,
        "windeep.schedule().to_dict()": per_call(
            lambda: windeep.schedule(**kwargs).to_dict(), 2000) * 1e9,
        "windeep.call('schedule', json)": per_call(
            lambda: windeep.call("schedule", text), 2000) * 1e9,
    }


def numpy_financial() -> dict[str, Any]:
    import numpy as np
    import numpy_financial as npf

    rate, n, pv = 12.0 / 1200.0, 12, -100000.0
    per = np.arange(1, n + 1)

    def vectorised() -> Any:
        return npf.pmt(rate, n, pv), npf.ppmt(rate, per, n, pv), npf.ipmt(rate, per, n, pv)

    def per_row() -> Any:
        return [(npf.ppmt(rate, k, n, pv), npf.ipmt(rate, k, n, pv)) for k in range(1, n + 1)]

    return {
        "version": getattr(npf, "__version__", "unknown"),
        "numpy-financial pmt + ipmt/ppmt vectorised": per_call(vectorised, 2000) * 1e9,
        "numpy-financial ipmt/ppmt per row": per_call(per_row, 100) * 1e9,
    }


def audit_worker(folder: Path, parts: bool) -> None:
    """Child process: load the Parquet book, audit it, print timings as JSON.

    With ``parts``, time the call's two parts instead (column conversion in Python, then the
    extension), so that the first child's peak memory is that of one plain call.
    """
    import pyarrow.parquet as pq

    import windeep
    from windeep import _windeep, audit

    meta = json.loads((folder / "meta.json").read_text())
    t0 = time.perf_counter()
    tables = [pq.read_table(folder / f"{t}.parquet") for t in TABLES]
    t1 = time.perf_counter()
    as_of = datetime.date.fromisoformat(meta["as_of"])
    if parts:
        args = [audit._columns(name, t, strict=True) for name, t in zip(TABLES, tables)]
        t2 = time.perf_counter()
        _windeep._audit_book_columns(*args, as_of, "0", True)
        t3 = time.perf_counter()
        print(json.dumps({"convert_columns_s": t2 - t1, "extension_s": t3 - t2}))
        return
    result = windeep.audit_loan_book(*tables, as_of=as_of)
    t2 = time.perf_counter()
    found = sorted((d.loan, d.installment, d.field, d.rule) for d in result.discrepancies)
    planted = sorted(tuple(p) for p in meta["planted"])
    print(json.dumps({
        "load_parquet_s": t1 - t0,
        "audit_loan_book_s": t2 - t1,
        "loans_audited": result.summary.loans_audited,
        "discrepancies": result.summary.discrepancies,
        "exactly_the_planted_errors": [list(x) for x in found] == [list(x) for x in planted],
    }))


def batch_audit(loans: int, tenure: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from windeep.testing import legacy_book

    with tempfile.TemporaryDirectory(prefix="windeep-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        book = legacy_book(loans, tenure=tenure, errors=loans // 100, seed=1)
        generate_s = time.perf_counter() - t0
        for name, table in zip(TABLES, book.tables()):
            pq.write_table(table, folder / f"{name}.parquet")
        (folder / "meta.json").write_text(json.dumps(
            {"as_of": book.as_of.isoformat(), "planted": [list(p) for p in book.planted]}))
        rows = {name: t.num_rows for name, t in zip(TABLES, book.tables())}
        del book
        command = [sys.executable, __file__, "--audit-worker", str(folder)]
        child = subprocess.run(["/usr/bin/time", "-v", *command],
                               check=True, capture_output=True, text=True)
        split = subprocess.run([*command, "--parts"], check=True, capture_output=True,
                               text=True)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", child.stderr)[1])
    return {"loans": loans, "tenure": tenure, "rows": rows, "generate_s": generate_s,
            **json.loads(child.stdout), **json.loads(split.stdout),
            "peak_rss_mib": peak_kb / 1024}


def machine() -> dict[str, Any]:
    import numpy
    import pyarrow

    import windeep

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "rustc": rustc, "windeep": windeep.__version__, "numpy": numpy.__version__,
            "pyarrow": pyarrow.__version__,
            "date": datetime.date.today().isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--tenure", type=int, default=24)
    parser.add_argument("--skip-cargo", action="store_true",
                        help="read the last criterion results instead of running cargo bench")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--audit-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.audit_worker:
        audit_worker(args.audit_worker, args.parts)
        return
    report: dict[str, Any] = {"machine": machine()}
    report["rust_ns"] = rust_side(args.skip_cargo)
    report["python_ns"] = python_side()
    report["numpy_financial_ns"] = numpy_financial()
    report["batch_audit"] = batch_audit(args.loans, args.tenure)
    with_apr = report["rust_ns"]["schedule_with_apr/reducing/12"]
    report["ratio_python_schedule_to_rust_with_apr"] = (
        report["python_ns"]["windeep.schedule()"] / with_apr)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(json.dumps(report["machine"]))
    print("\n12-row reducing schedule, per call (ns):")
    for k, v in {**report["rust_ns"], **report["python_ns"]}.items():
        print(f"  {k:45s} {v:12,.0f}")
    for k, v in report["numpy_financial_ns"].items():
        if k != "version":
            print(f"  {k:45s} {v:12,.0f}")
    print(f"  Python schedule() / Rust schedule_with_apr: "
          f"{report['ratio_python_schedule_to_rust_with_apr']:.2f}x")
    b = report["batch_audit"]
    print(f"\nbatch audit of {b['loans']:,} loans x {b['tenure']} installments ({b['rows']}):")
    for k in ("audit_loan_book_s", "convert_columns_s", "extension_s", "load_parquet_s",
              "peak_rss_mib", "discrepancies", "exactly_the_planted_errors", "generate_s"):
        print(f"  {k:28s} {b[k]}")


if __name__ == "__main__":
    main()
