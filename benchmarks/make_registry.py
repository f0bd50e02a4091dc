"""Write a generated registry for tests and benchmarks (see policyrules.batch.generate).

    python benchmarks/make_registry.py --rows 100000 -o registry.parquet [--seed 7]

The format follows the suffix: .csv, .jsonl, .parquet or .xlsx. Same seed, same file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import policyrules
from policyrules.batch.generate import write_registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20180104)
    args = parser.parse_args()
    start = time.perf_counter()
    write_registry(policyrules.load_rulebook().schema, args.output, args.rows, args.seed)
    print(f"{args.rows} rows → {args.output} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
