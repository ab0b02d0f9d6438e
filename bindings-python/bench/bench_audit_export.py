"""Speed and memory of ``windeep.audit.audit_export`` (the core's ``audit_book`` over typed
columns) on ``legacy_book(100_000, tenure=24, errors=1_000, seed=1)``.

Usage: python bindings-python/bench/bench_audit_export.py [--before PYTHON] [--kinds K,K]
                                                           [--pairs N] [--one-core]
                                                           [--book FOLDER]
Writes the book as Parquet to a temporary folder once (or reads the one ``--book FOLDER``
holds, as an earlier run wrote it), then runs one child process per input
(``arrow``: ``audit_export`` of the Arrow tables read from Parquet; ``pandas-float``:
``audit_export`` of pandas frames with float64 money columns; ``loan-book``: the typed
``audit_loan_book`` of the Arrow tables) that reads the files and makes the call once; prints
the call's wall time and CPU time (user + system, every thread of the process), the child's
peak resident memory and the load average when the call began. ``--before PYTHON`` runs the
same children under another interpreter (an installed earlier build) alternately with this
one (before, after, before, after, ...: ``--pairs`` pairs per input), for a before/after
from one run. ``--one-core`` pins each child to one CPU, so the audit runs on one thread.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = ("loans", "loan_installments", "loan_payments", "fines")


def worker(folder: str, kind: str, one_core: bool = False) -> None:
    if one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import pyarrow.parquet as pq

    from windeep.audit import audit_export
    from windeep.testing import legacy_book  # noqa: F401  (imported as the bench does)

    tables = [pq.read_table(Path(folder) / f"{t}.parquet") for t in TABLES]
    as_of = tables[0].schema.metadata[b"as_of"].decode()
    import datetime

    as_of_date = datetime.date.fromisoformat(as_of)
    if kind == "pandas-float":
        import pyarrow as pa

        frames = []
        for t in tables:
            frame = t.to_pandas()
            for name, field in zip(t.column_names, t.schema):
                if pa.types.is_decimal(field.type):
                    frame[name] = frame[name].map(lambda v: None if v is None else float(v))
            frames.append(frame)
        inputs = frames
    else:
        inputs = tables
    load = os.getloadavg()[0]
    start = time.perf_counter()
    cpu = time.process_time()
    if kind == "loan-book":
        from windeep import audit_loan_book

        book = audit_loan_book(*inputs, as_of=as_of_date)
        took = time.perf_counter() - start
        cpu = time.process_time() - cpu
        what = f"{book.summary.discrepancies} discrepancies, {book.summary.loans_audited} loans"
    else:
        result = audit_export(*inputs, as_of=as_of_date)
        took = time.perf_counter() - start
        cpu = time.process_time() - cpu
        what = f"{result.summary['findings']} findings, {result.summary['loans']} loans"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{kind}: {took:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak:,.0f} MiB, "
          f"load {load:.1f}, {what}", flush=True)


def main() -> None:
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4:] == ["--one-core"])
        return
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="an interpreter with an earlier build installed")
    parser.add_argument("--kinds", default="arrow,pandas-float,loan-book")
    parser.add_argument("--pairs", type=int, default=1, help="alternating runs per input")
    parser.add_argument("--one-core", action="store_true", help="pin each child to one CPU")
    parser.add_argument("--book", help="a folder holding the book's Parquet files already")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    if args.book:
        folder = args.book
    else:
        import pyarrow.parquet as pq

        from windeep.testing import legacy_book

        book = legacy_book(100_000, tenure=24, errors=1_000, seed=1)
        folder = tempfile.mkdtemp(prefix="audit-export-bench-")
        for name, table in zip(TABLES, book.tables()):
            meta = dict(table.schema.metadata or {})
            meta[b"as_of"] = book.as_of.isoformat().encode()
            pq.write_table(table.replace_schema_metadata(meta), Path(folder) / f"{name}.parquet")
    runs = ([("before", args.before)] if args.before else []) + [("after", sys.executable)]
    extra = ["--one-core"] if args.one_core else []
    for kind in kinds:
        for _ in range(args.pairs):
            for label, python in runs:
                print(f"{label} ", end="", flush=True)
                subprocess.run([python, __file__, "--worker", folder, kind, *extra], check=True)


if __name__ == "__main__":
    main()
