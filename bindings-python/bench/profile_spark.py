"""Where the time of ``windeep.spark.audit_loan_book`` goes (BENCHMARKS.md; not a test).

Runs the Spark audit of a book written by ``bench_spark.py`` in one Spark session, step by
step, each step a fresh plan written to Spark's ``noop`` sink:

* ``project``: the four tables read and put in the union's columns (no shuffle, no Python);
* ``shuffle``: the same, repartitioned by loan (the shuffle, still no Python);
* ``full``: the whole audit (the shuffle, the Arrow batches to Python, the core).

For ``full`` the partition function is timed inside the Python workers: the time spent
waiting for the next Arrow batch (the JVM reading the shuffle and writing Arrow) and the rest
(the Python side: the partition's tables and the core's audit). Every step prints wall time,
CPU time (user + system) of the whole process tree (driver, JVM, Python workers) and the load
average. The first step of a session also pays for the JVM's warm-up: give it twice.

Compare two implementations in one run (alternate them, the machine may be shared)::

    git show <commit>:bindings-python/python/windeep/spark.py > /tmp/spark_before.py
    for impl in /tmp/spark_before.py bindings-python/python/windeep/spark.py; do
      STEPS=shuffle,full,full python bindings-python/bench/profile_spark.py "$impl" \\
          /tmp/windeep-spark-bench/book-100000x24 'local[1]' 8
    done
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

TABLES = ("loans", "loan_installments", "loan_payments", "fines")
AS_OF = datetime.date(2026, 6, 30)


def cpu_tree(root: int) -> float:
    """CPU seconds of ``root`` and its descendants (reaped children included)."""
    tick = os.sysconf("SC_CLK_TCK")
    kids: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(e))
        cpu[int(e)] = sum(int(x) for x in fields[11:15]) / tick
    total, stack = 0.0, [root]
    while stack:
        p = stack.pop()
        total += cpu.get(p, 0.0)
        stack += kids.get(p, [])
    return total


def timed(fn: Any, path: str) -> Any:
    """``fn`` (a ``mapInArrow`` function) with timers; one JSON line per task to ``path``."""
    def run(batches: Any) -> Any:
        import json as j
        import time as t

        wait = [0.0]
        count = [0, 0]

        def feed() -> Any:
            it = iter(batches)
            while True:
                t0 = t.perf_counter()
                try:
                    b = next(it)
                except StopIteration:
                    wait[0] += t.perf_counter() - t0
                    return
                wait[0] += t.perf_counter() - t0
                count[0] += 1
                count[1] += b.num_rows
                yield b

        t0, c0 = t.perf_counter(), t.process_time()
        out = list(fn(feed()))
        total = t.perf_counter() - t0
        with open(path, "a") as fh:
            fh.write(j.dumps({"total_s": total, "wait_for_arrow_s": wait[0],
                              "python_s": total - wait[0],
                              "worker_cpu_s": t.process_time() - c0,
                              "batches": count[0], "rows": count[1]}) + "\n")
        yield from out
    return run


def main() -> None:
    impl, folder, master, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    batch_rows = sys.argv[5] if len(sys.argv) > 5 else "10000"
    spec = importlib.util.spec_from_file_location("windeep_spark_profiled", impl)
    assert spec is not None and spec.loader is not None
    ws = importlib.util.module_from_spec(spec)
    sys.modules["windeep_spark_profiled"] = ws
    spec.loader.exec_module(ws)
    from pyspark import cloudpickle
    from pyspark.sql import SparkSession

    cloudpickle.register_pickle_by_value(ws)
    timing = os.path.join(tempfile.gettempdir(), f"windeep-spark-timing-{os.getpid()}.jsonl")
    session = (SparkSession.builder.master(master).config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "4g")
               .config("spark.sql.shuffle.partitions", str(parts))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", batch_rows)
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    frames = [session.read.parquet(f"{folder}/{t}") for t in TABLES]
    for df in frames:
        df.count()
    mode = {"m": "full"}
    cls = type(frames[0])
    map_in_arrow, repartition = cls.mapInArrow, cls.repartition

    def patched_map(self: Any, fn: Any, schema: Any, *a: Any, **k: Any) -> Any:
        if mode["m"] != "full":
            return self
        return map_in_arrow(self, timed(fn, timing), schema, *a, **k)

    def patched_repartition(self: Any, *a: Any, **k: Any) -> Any:
        return self if mode["m"] == "project" else repartition(self, *a, **k)

    cls.mapInArrow, cls.repartition = patched_map, patched_repartition
    for step in os.environ.get("STEPS", "shuffle,full,full").split(","):
        mode["m"] = step
        if os.path.exists(timing):
            os.remove(timing)
        c0, t0 = cpu_tree(os.getpid()), time.perf_counter()
        ws.audit_loan_book(*frames, as_of=AS_OF, partitions=parts).write.format(
            "noop").mode("overwrite").save()
        out: dict[str, Any] = {
            "impl": impl, "step": step, "master": master, "partitions": parts,
            "batch_rows": int(batch_rows), "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(cpu_tree(os.getpid()) - c0, 1), "load_1min": os.getloadavg()[0]}
        if step == "full" and os.path.exists(timing):
            with open(timing) as fh:
                tasks = [json.loads(line) for line in fh]
            out["workers"] = {k: round(sum(t[k] for t in tasks), 2) for k in tasks[0]}
            out["tasks"] = len(tasks)
            os.remove(timing)
        print(json.dumps(out), flush=True)
    session.stop()


if __name__ == "__main__":
    main()
