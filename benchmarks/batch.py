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


if __name__ == "__main__":
    main()
