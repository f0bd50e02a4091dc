"""Registries: many cases from one file, decided in chunks, resumable, in parallel.

`run(Job(...))` reads a registry (CSV, JSON Lines, Parquet or Excel; readers.py), turns
each row into a case (mapping.py), decides it, and writes one row per finding plus each
subject's benefit totals (records.py) as Parquet or JSON Lines; with `compare=` it decides
every case under two rulebooks and writes what changes (compare.py). generate.py makes
realistic registries for tests and benchmarks. The command is `policyrules batch`.
"""

from .mapping import DEFAULT_MAP, ColumnMap, MappingError, RowError, load_mapping
from .runner import BatchError, Job, Result, run

__all__ = ["DEFAULT_MAP", "BatchError", "ColumnMap", "Job", "MappingError", "Result", "RowError", "load_mapping", "run"]
