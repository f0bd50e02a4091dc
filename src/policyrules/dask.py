"""Deciding a Dask DataFrame of registry rows, partition by partition, on a Dask cluster.

`policyrules batch` decides a registry file on one machine. A registry that lives on a
cluster — Parquet files in an object store, a table too large for one machine — is read by
Dask as a `dask.dataframe.DataFrame`; `evaluate(frame)` turns it into another Dask
DataFrame holding exactly what `policyrules batch` writes for the same rows: one row per
(case, finding), each subject's benefit totals, a `none` row for a case where nothing
applies and an error row for a row that cannot be decided (records.py's columns and types).

Dask is the engine: reading, scheduling, retries, spilling and writing are Dask's. What is
added here is only what a partition needs to be decided as batch decides a chunk:

- the rows are read as batch reads them (mapping.py's `plan` against the rulebook's fact
  schema on the client, so a misspelt column stops the run before anything is computed;
  `row_to_case` and the record building of records.py on the workers, through the same
  `decide_rows` batch uses — nothing here decides or writes a record by itself);
- each row keeps the number it has in the registry, counted from 1 across partitions in
  order (as batch counts a file's data rows), so error rows and `row` name the same rows;
- the rulebook is loaded once per worker process, not once per partition: loading compiles
  some hundred rules (seconds), while a partition of a few thousand rows is decided in about
  as long. Workers keep loaded rulebooks in a small cache keyed by the folder and the
  rulebook's digest. The digest is the client's: a worker whose folder holds another
  rulebook (an older checkout, an amended clause) fails loudly rather than deciding the
  registry by other rules. `ship=True` sends the rulebook's files with the graph instead,
  for workers that cannot see the client's folder.

The day a case is decided on is chosen as in batch: `as_of` for every row, else the row's
`as_of` column, else `today` — fixed on the client, so every worker uses the same day.

Needs the `dask` extra: `pip install 'policyrules[dask]'`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs

from .api import Rulebook, load_rulebook
from .batch.mapping import DEFAULT_MAP, ColumnMap, Plan, plan
from .batch.records import batch_schema
from .batch.runner import decide_rows
from .errors import PolicyRulesError
from .resources import bundled_rulebook

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["RulebookMismatch", "RulebookSource", "evaluate", "meta", "worker_cache", "worker_rulebook"]

log = logging.getLogger(__name__)


class RulebookMismatch(PolicyRulesError):
    """A worker's rulebook is not the one the client planned with (the digests differ)."""


# ---------------------------------------------------------------- the rulebook on a worker


@attrs.frozen
class RulebookSource:
    """Where a worker finds the rulebook, and which rulebook it must be.

    `path` is a folder as the worker sees it (None: the rulebook bundled with the worker's
    installed policyrules). `files` holds the folder's files when the rulebook is shipped;
    a worker then writes them to a local folder named by the digest and loads that.
    """

    path: str | None
    digest: str
    files: tuple[tuple[str, bytes], ...] = attrs.field(default=(), repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return ("shipped" if self.files else self.path or "bundled", self.digest)

    def load(self) -> Rulebook:
        """Load the rulebook (on a worker), and check it is the client's."""
        folder = self._unpack() if self.files else self.path
        book = load_rulebook(folder)
        if book.digest != self.digest:
            where = folder or "the bundled rulebook"
            raise RulebookMismatch(
                f"{where} on this worker is rulebook {book.digest[:12]}, the client planned with {self.digest[:12]}: "
                "make the same rulebook available at that path on every worker, or pass ship=True"
            )
        return book

    def _unpack(self) -> str:
        """Write the shipped files once per worker, under a name the digest makes unique.

        They go to the worker's own local directory (removed when the worker closes), else
        the temporary directory. Written to a fresh folder and renamed into place, so
        another process or thread either finds the whole folder or none (and writes its own).
        """
        target = _unpack_root() / f"policyrules-rulebook-{self.digest[:24]}"
        if (target / "documents.yaml").is_file():
            return str(target)
        staging = Path(tempfile.mkdtemp(prefix=".policyrules-rulebook-", dir=target.parent))
        for relative, data in self.files:
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            os.rename(staging, target)
        except OSError:  # another process put it there first
            shutil.rmtree(staging, ignore_errors=True)
        return str(target)


def _unpack_root() -> Path:
    try:
        from distributed import get_worker

        return Path(get_worker().local_directory)
    except (ImportError, ValueError):  # not on a distributed worker (a local scheduler)
        return Path(tempfile.gettempdir())


def _pack(folder: Path) -> tuple[tuple[str, bytes], ...]:
    """Every file of a rulebook folder (no caches, no hidden files), by relative path."""
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            files.append((relative.as_posix(), path.read_bytes()))
    return tuple(files)


# A worker process keeps a few rulebooks: a long-lived worker may serve runs under an
# amended rulebook too, and each one compiled holds some memory.
_CACHE_SIZE = 4
_BOOKS: OrderedDict[tuple[str, str], Rulebook] = OrderedDict()
_BOOKS_LOCK = threading.Lock()
_LOADS = [0]  # rulebooks this process has loaded (see worker_cache)


def worker_rulebook(source: RulebookSource) -> Rulebook:
    """The rulebook `source` names, loaded at most once per process (a worker's threads share
    it: a Rulebook is safe to share between threads)."""
    with _BOOKS_LOCK:
        book = _BOOKS.get(source.key)
        if book is None:
            book = source.load()
            _LOADS[0] += 1
            _BOOKS[source.key] = book
            while len(_BOOKS) > _CACHE_SIZE:
                _BOOKS.popitem(last=False)
        else:
            _BOOKS.move_to_end(source.key)
        return book


def worker_cache() -> dict[str, Any]:
    """What this process has loaded: how many times, and the rulebooks it keeps (folder, digest).

    `client.run(policyrules.dask.worker_cache)` asks every worker, to see that each loaded
    the rulebook once however many partitions it decided.
    """
    with _BOOKS_LOCK:
        return {"loads": _LOADS[0], "rulebooks": [list(key) for key in _BOOKS]}


# ---------------------------------------------------------------- one partition


def meta() -> pd.DataFrame:
    """The empty output frame: records.py's columns, as Arrow-backed pandas columns, so a
    partition holds the very types `policyrules batch` writes (list<string> citations too)."""
    import pandas as pd

    return batch_schema().empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def _plain(cell: Any) -> Any:
    """A pandas cell as the plain Python value a Parquet row holds (what batch reads).

    Pandas stores missing values as NaN, NaT or NA, numbers as numpy scalars, dates as
    Timestamps and lists as arrays; `row_to_case` reads plain values, so a partition's cells
    are brought back to them: None, int, float, bool, str, datetime, list.
    """
    import numpy as np
    import pandas as pd

    if cell is None or cell is pd.NA or cell is pd.NaT:
        return None
    if isinstance(cell, np.datetime64):
        return None if np.isnat(cell) else pd.Timestamp(cell).to_pydatetime()
    if isinstance(cell, pd.Timestamp):
        return cell.to_pydatetime()
    if isinstance(cell, np.generic):
        return cell.item()
    if isinstance(cell, np.ndarray):
        return [_plain(item) for item in cell.tolist()]
    if isinstance(cell, (list, tuple)):
        return [_plain(item) for item in cell]
    return cell


def _rows(part: pd.DataFrame, first: int, numbers: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    columns = [str(name) for name in part.columns]
    cells = [part[name].tolist() for name in part.columns]
    given = part[numbers].tolist() if numbers is not None else None
    for index in range(len(part)):
        row = {name: _plain(values[index]) for name, values in zip(columns, cells)}
        yield (int(given[index]) if given is not None else first + index), row


def decide_partition(
    part: pd.DataFrame,
    source: RulebookSource,
    the_plan: Plan,
    as_of: _dt.date | None,
    today: _dt.date,
    offsets: Sequence[int] | None,
    numbers: str | None,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Decide one partition on a worker: its rows' records as an Arrow-backed pandas frame."""
    import pandas as pd
    import pyarrow as pa

    if offsets is not None:
        if partition_info is None:
            raise PolicyRulesError("a partition without its number cannot count its rows: pass row_numbers=")
        first = offsets[partition_info["number"]] + 1
    else:
        first = 1
    book = worker_rulebook(source)
    records, _ = decide_rows(_rows(part, first, numbers), book, None, the_plan, as_of, today)
    return pa.Table.from_pylist(records, schema=batch_schema()).to_pandas(types_mapper=pd.ArrowDtype)


# ---------------------------------------------------------------- the client


def evaluate(
    frame: dd.DataFrame,
    *,
    rules: str | Path | None = None,
    mapping: ColumnMap = DEFAULT_MAP,
    as_of: _dt.date | None = None,
    today: _dt.date | None = None,
    ship: bool = False,
    row_numbers: str | None = None,
) -> dd.DataFrame:
    """Decide every row of a Dask DataFrame of registry rows; returns the findings as a Dask DataFrame.

    `frame` has a registry's columns (`student.full_time`, … or a mapping's names; see
    docs/batch-mapping.md). `rules` is the rulebook folder as the workers see it (default:
    the bundled one); with `ship=True` the client reads the folder and sends its files with
    the graph, for workers without it. The result has records.py's columns and is lazy:
    `.compute()`, `.to_parquet(...)` or any Dask operation runs it on the current scheduler
    (a `distributed.Client` if one is active).

    Rows are numbered from 1 across partitions in order, as batch numbers a file's rows;
    that needs each partition's length, so the frame's lengths are computed here first (one
    pass over the input) unless `row_numbers` names a column already holding the numbers.

    A column meant as a field but misspelt raises MappingError here, before anything runs.
    """
    from dask.delayed import delayed

    book = load_rulebook(rules)
    the_plan = plan([str(name) for name in frame.columns], mapping, book.schema)
    if the_plan.ignored:
        log.warning("columns ignored (not fields): %s", ", ".join(the_plan.ignored))
    if ship:
        folder = Path(rules) if rules is not None else bundled_rulebook()
        source = RulebookSource(None, book.digest, _pack(folder))
    else:
        source = RulebookSource(str(Path(rules).resolve()) if rules is not None else None, book.digest)
    offsets: tuple[int, ...] | None = None
    if row_numbers is None:
        lengths = [int(n) for n in frame.map_partitions(len).compute()]
        offsets = (0, *itertools.accumulate(lengths[:-1]))
    elif row_numbers not in frame.columns:
        raise PolicyRulesError(f"row_numbers: the frame has no column {row_numbers!r}")
    # Shipped files travel as one task of the graph, sent to each worker once, rather than
    # inside every partition's task.
    source_arg: Any = delayed(source, pure=True) if ship else source
    decided = frame.map_partitions(
        decide_partition,
        source_arg,
        the_plan,
        as_of,
        today or _dt.date.today(),
        offsets,
        row_numbers,
        meta=meta(),
        enforce_metadata=False,
        align_dataframes=False,
    )
    return cast("dd.DataFrame", decided)
