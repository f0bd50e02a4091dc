"""Batch throughput: a generated registry through `policyrules batch` with 1 and 2 workers.

    python benchmarks/batch.py [--rows 10000] [--seed 20180104]

Generates a Parquet registry (benchmarks/make_registry.py's generator), then runs the same
job with --workers 1 and --workers 2 in one process, one after the other, and prints rows,
records and cases/s (wall time, rulebook loading and worker start-up included). Both
outputs must be equal; the run aborts otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

import policyrules
from policyrules.batch import Job, run
from policyrules.batch.generate import write_registry
from policyrules.batch.mapping import DEFAULT_MAP, RowError, plan, row_to_case
from policyrules.batch.readers import columns, read_rows
from policyrules.batch.records import decision_records
from policyrules.errors import PolicyRulesError


def stages(book: policyrules.Rulebook, registry: Path, as_of: datetime.date) -> list[tuple[str, float]]:
    """µs per row of each stage a worker runs, measured one stage at a time over every row."""
    the_plan = plan(columns(registry), DEFAULT_MAP, book.schema)
    timed: list[tuple[str, float]] = []
    start = time.perf_counter()
    rows = list(read_rows(registry))
    timed.append(("read the registry", time.perf_counter() - start))
    start = time.perf_counter()
    cases = []
    for number, row in rows:
        try:
            cases.append(row_to_case(number, row, the_plan, as_of))
        except RowError:
            pass
    timed.append(("row to case (cells read by field type)", time.perf_counter() - start))
    start = time.perf_counter()
    decisions = []
    for case_id, case in cases:
        try:
            decisions.append((case_id, book.evaluate(case, as_of=as_of, explain=False)))
        except PolicyRulesError:
            pass
    timed.append(("evaluate (facts checked, engine, findings)", time.perf_counter() - start))
    start = time.perf_counter()
    for number, (case_id, decision) in enumerate(decisions):
        decision_records(case_id, number, decision)
    timed.append(("output records (findings, citations, totals)", time.perf_counter() - start))
    return [(label, seconds / len(rows) * 1e6) for label, seconds in timed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20180104)
    args = parser.parse_args()
    book = policyrules.load_rulebook()
    with tempfile.TemporaryDirectory() as folder:
        registry = Path(folder) / "registry.parquet"
        write_registry(book.schema, registry, args.rows, args.seed)
        print(f"policyrules batch benchmark: {args.rows} generated rows (seed {args.seed}), full bundled rulebook "
              f"({len(book.rules)} rules), as of 2019-09-01")
        print(f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs")
        outputs = []
        for workers in (1, 2):
            out = Path(folder) / f"out-{workers}.parquet"
            start = time.perf_counter()
            result = run(Job(registry, out, as_of=datetime.date(2019, 9, 1), workers=workers))
            seconds = time.perf_counter() - start
            outputs.append(pq.read_table(out))
            print(f"  workers={workers}: {result.rows} rows → {result.records} records ({result.errors} error rows) "
                  f"in {seconds:.1f} s = {result.rows / seconds:,.0f} cases/s")
        if not outputs[0].equals(outputs[1]):
            raise SystemExit("workers=1 and workers=2 wrote different outputs")
        print("  outputs of workers=1 and workers=2 are equal")
        print("where a worker's time goes (this process, one stage at a time over every row), µs per row:")
        split = stages(book, registry, datetime.date(2019, 9, 1))
        for label, micros in split:
            print(f"  {label:48s} {micros:8.1f}")
        total = sum(micros for _, micros in split)
        print(f"  {'together':48s} {total:8.1f}   = {1e6 / total:,.0f} rows/s (writing the parts and joining them not included)")


if __name__ == "__main__":
    main()
