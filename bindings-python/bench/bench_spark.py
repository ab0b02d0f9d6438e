"""The figures of BENCHMARKS.md's Spark section, measured in one run (not a test).

Run from the repository root after a release install of the package with its Spark extra
(``pip install './bindings-python[spark]'``) and a Java 17 runtime::

    python bindings-python/bench/bench_spark.py --loans 1000000 [--tenure 24] \
        [--masters 'local[1]' 'local[2]'] [--partitions 200] [--batch-rows 10000] \
        [--dir /tmp/windeep-spark-bench] [--skip-generate] [--skip-single]

It writes a generated book (``windeep.testing.legacy_book``, 1 % of the loans with a planted
error) as Parquet once, then, each in a fresh child process:

1. ``windeep.audit_loan_book`` on the whole book read from Parquet (single process);
2. ``windeep.spark.audit_loan_book`` on the same Parquet files, for each Spark master, the
   discrepancies written as Parquet (the wall time is that write: every partition audited),
   then counted.

Each child samples the resident memory of its process tree every 0.2 s: for Spark, the
driver's Python process, the JVM (in local mode the driver and the executor are that one
JVM) and the Python workers (the executor side that runs the core), whose sum is reported
at its peak, and the CPU time (user + system) of that tree over the measured part. Prints one
JSON object per measurement, with the 1-minute load average at its end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

TABLES = ("loans", "loan_installments", "loan_payments", "fines")
AS_OF = datetime.date(2026, 6, 30)


def _rss_tree(root: int) -> dict[str, int]:
    """Resident memory (bytes) of ``root`` and its descendants, by kind."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(pid)
        names[pid] = name
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    out = {"driver_python": rss.get(root, 0), "jvm": 0, "python_workers": 0}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        kind = "jvm" if names.get(pid) == "java" else "python_workers"
        out[kind] += rss.get(pid, 0)
    return out


def _cpu_tree(root: int) -> float:
    """CPU seconds (user + system) of ``root`` and its descendants, the reaped ones included
    (they are counted in their parent's ``cutime``/``cstime``)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


class Sampler:
    """Peak resident memory of this process tree, sampled in a thread."""

    def __init__(self) -> None:
        self.peak: dict[str, int] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = _rss_tree(os.getpid())
            for k, v in sample.items():
                self.peak[k] = max(self.peak.get(k, 0), v)
            self.peak_total = max(self.peak_total, sum(sample.values()))
            time.sleep(0.2)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> dict[str, float]:
        mib = 1024 * 1024
        out = {f"peak_{k}_mib": round(v / mib, 1) for k, v in self.peak.items()}
        out["peak_total_mib"] = round(self.peak_total / mib, 1)
        return out


#: Loans per generated chunk: the book is written chunk by chunk, so that generating a
#: million loans needs the memory of one chunk only.
CHUNK = 100_000
#: Row ids (installments, payments, fines) of chunk k start above k * ROW_ID_STRIDE.
ROW_ID_STRIDE = 1_000_000_000


def _chunk(k: int, n: int, tenure: int) -> tuple[list[Any], int]:
    """Chunk ``k`` of the book: ``legacy_book(n, seed=k)`` with its ids moved past the earlier
    chunks' (loan ids by ``k * CHUNK``, row ids by ``k * ROW_ID_STRIDE``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from windeep.testing import legacy_book

    book = legacy_book(n, tenure=tenure, errors=max(1, n // 100), seed=k, as_of=AS_OF)
    loan_shift, row_shift = k * CHUNK, k * ROW_ID_STRIDE

    def shift(t: Any, name: str, by: int) -> Any:
        i = t.column_names.index(name)
        return t.set_column(i, name, pc.add(t.column(name), pa.scalar(by, pa.int64())))

    loans, rows, payments, fines = book.tables()
    loans = shift(loans, "id", loan_shift)
    numbers = [f"LN{2025 + i // 1_000_000:04d}{i % 1_000_000:06d}"
               for i in loans.column("id").to_pylist()]
    loans = loans.set_column(loans.column_names.index("loan_number"), "loan_number",
                             pa.array(numbers, pa.string()))
    rows = shift(shift(rows, "id", row_shift), "loan_id", loan_shift)
    payments = shift(shift(shift(payments, "id", row_shift), "loan_id", loan_shift),
                     "installment_id", row_shift)
    fines = shift(shift(fines, "id", row_shift), "related_id", row_shift)
    return [loans, rows, payments, fines], len(book.planted)


def generate(n: int, tenure: int, folder: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    rows = dict.fromkeys(TABLES, 0)
    planted = 0
    for name in TABLES:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for k in range((n + CHUNK - 1) // CHUNK):
        tables, found = _chunk(k, min(CHUNK, n - k * CHUNK), tenure)
        planted += found
        for name, table in zip(TABLES, tables):
            pq.write_table(table, folder / name / f"part-{k:04d}.parquet")
            rows[name] += table.num_rows
    return {"step": "generate", "loans": n, "tenure": tenure, "rows": rows,
            "generate_s": round(time.perf_counter() - t0, 1), "planted": planted}


def single(folder: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    import windeep

    with Sampler() as s:
        tables = [pq.read_table(folder / name) for name in TABLES]
        t0, c0 = time.perf_counter(), _cpu_tree(os.getpid())
        result = windeep.audit_loan_book(*tables, as_of=AS_OF)
        wall = time.perf_counter() - t0
        cpu = _cpu_tree(os.getpid()) - c0
    rows = sum(t.num_rows for t in tables)
    return {"step": "single", "wall_s": round(wall, 2), "cpu_s": round(cpu, 1),
            "load_1min": os.getloadavg()[0], "rows": rows,
            "rows_per_s": round(rows / wall), "discrepancies": len(result.discrepancies),
            **s.report()}


def spark(folder: Path, master: str, partitions: int, memory: str,
          batch_rows: int) -> dict[str, Any]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import windeep.spark as ws

    with Sampler() as s:
        session = (
            SparkSession.builder.master(master).appName("windeep-spark-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        frames = [session.read.parquet(str(folder / name)) for name in TABLES]
        rows = sum(df.count() for df in frames)
        out = folder / ("_found-" + "".join(c for c in master if c.isalnum()))
        t0, c0 = time.perf_counter(), _cpu_tree(os.getpid())
        found = ws.audit_loan_book(*frames, as_of=AS_OF, partitions=partitions)
        found.write.mode("overwrite").parquet(str(out))
        wall = time.perf_counter() - t0
        cpu = _cpu_tree(os.getpid()) - c0
        load = os.getloadavg()[0]
        count = session.read.parquet(str(out)).count()
        session.stop()
    return {"step": "spark", "master": master, "partitions": partitions,
            "batch_rows": batch_rows, "rows": rows, "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "load_1min": load, "rows_per_s": round(rows / wall),
            "discrepancies": count, **s.report()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--loans", type=int, default=1_000_000)
    p.add_argument("--tenure", type=int, default=24)
    p.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    p.add_argument("--partitions", type=int, default=200)
    p.add_argument("--memory", default="4g", help="spark.driver.memory (the local JVM's heap)")
    p.add_argument("--batch-rows", type=int, default=10_000,
                   help="spark.sql.execution.arrow.maxRecordsPerBatch")
    p.add_argument("--dir", default="/tmp/windeep-spark-bench")
    p.add_argument("--child", choices=["generate", "single", "spark"])
    p.add_argument("--master")
    p.add_argument("--skip-generate", action="store_true")
    p.add_argument("--skip-single", action="store_true")
    a = p.parse_args()
    folder = Path(a.dir) / f"book-{a.loans}x{a.tenure}"
    if a.child == "generate":
        print(json.dumps(generate(a.loans, a.tenure, folder)))
        return
    if a.child == "single":
        print(json.dumps(single(folder)))
        return
    if a.child == "spark":
        print(json.dumps(spark(folder, a.master, a.partitions, a.memory, a.batch_rows)))
        return
    base = [sys.executable, __file__, "--loans", str(a.loans), "--tenure", str(a.tenure),
            "--dir", a.dir, "--partitions", str(a.partitions), "--memory", a.memory,
            "--batch-rows", str(a.batch_rows)]
    steps = [] if a.skip_generate else [["--child", "generate"]]
    if not a.skip_single:
        steps.append(["--child", "single"])
    steps += [["--child", "spark", "--master", m] for m in a.masters]
    for step in steps:
        t0 = time.perf_counter()
        out = subprocess.run(base + step, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{' '.join(step)} failed:\n{out.stderr[-5000:]}")
        line = out.stdout.strip().splitlines()[-1]
        print(line, f"(child {time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
