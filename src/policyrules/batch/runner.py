"""Running a registry through a rulebook: chunks, workers, and resuming after an interruption.

The registry is read in order and cut into chunks of `chunk_rows` rows. Each chunk is
decided and written as one part file in `OUTPUT.parts/` — first under a temporary name, then
renamed, so a part is either whole or absent — with a small JSON file of its counts (for a
comparison, its part of the summary) written before it. `manifest.json` there names what
the run is: the input (size and sha256), the mapping, the day, the rulebook digests, the
chunk size and the output format. When every chunk is written the parts are joined in order
into OUTPUT (again through a temporary file) and the folder is removed.

So a run killed at any moment leaves whole parts only. `resume=True` checks the manifest
against the run it is asked to do, skips every chunk whose part exists, and decides the
rest: no row is lost and none is written twice. Without `resume`, a folder of parts left
by an interrupted run stops the run rather than being overwritten.

With `workers > 1` the chunks are decided in worker processes (spawned, each loading the
rulebooks once); parts are named by chunk number and joined in order, so the output is the
same whatever the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as _dt
import hashlib
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from ..api import Rulebook, load_rulebook
from ..errors import FactError, PolicyRulesError
from . import compare as cmp
from .mapping import DEFAULT_MAP, ColumnMap, MappingError, Plan, RowError, case_id_of, located_columns, plan, row_to_case
from .readers import columns, input_format, read_rows
from .records import BATCH_COLUMNS, COMPARE_COLUMNS, batch_schema, compare_schema, decision_records, error_record

OUTPUT_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MANIFEST_FORMAT = 1


class BatchError(PolicyRulesError):
    """A run that cannot start or resume (the reason is in the message)."""


@attrs.frozen
class Job:
    """One batch run: what to read, how to map it, which rulebooks, where to write."""

    input: Path
    output: Path
    mapping: ColumnMap = DEFAULT_MAP
    as_of: _dt.date | None = None  # every case on this day; else the row's as_of column, else `today`
    rules: Path | None = None
    compare: Path | None = None  # the other rulebook: decide every case with both and write the differences
    workers: int = 1
    chunk_rows: int = 1000
    today: _dt.date = attrs.field(factory=_dt.date.today)

    @property
    def output_format(self) -> str:
        fmt = OUTPUT_FORMATS.get(self.output.suffix.lower())
        if fmt is None:
            raise BatchError(f"{self.output}: write .parquet or .jsonl")
        return fmt

    @property
    def parts(self) -> Path:
        return self.output.with_name(self.output.name + ".parts")


@attrs.frozen
class Result:
    """What a run did: rows read, records written, error rows, and the comparison summary."""

    output: Path
    rows: int
    records: int
    errors: int
    chunks: int
    resumed_chunks: int
    ignored_columns: tuple[str, ...]
    summary: dict[str, Any] | None


# ---------------------------------------------------------------- deciding one chunk

_STATE: dict[str, Any] = {}


def _setup(rules: str | Rulebook | None, other: str | Rulebook | None, the_plan: Plan, as_of: str | None, today: str) -> None:
    """Load the rulebooks once (per worker process; in this one they are loaded already)."""
    _STATE["book"] = rules if isinstance(rules, Rulebook) else load_rulebook(rules)
    _STATE["other"] = other if isinstance(other, Rulebook) or other is None else load_rulebook(other)
    _STATE["plan"] = the_plan
    _STATE["as_of"] = _dt.date.fromisoformat(as_of) if as_of else None
    _STATE["today"] = _dt.date.fromisoformat(today)


def decide_rows(
    rows: Iterable[tuple[int, Any]],
    book: Rulebook,
    other: Rulebook | None,
    the_plan: Plan,
    as_of: _dt.date | None,
    today: _dt.date,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Decide numbered registry rows; returns their output records and the counts.

    One function for every way rows are decided — a chunk here, a partition of a Dask
    DataFrame in policyrules.dask — so a row gets the same records (and a bad row the same
    error row) however the registry is run.
    """
    columns = BATCH_COLUMNS if other is None else COMPARE_COLUMNS
    records: list[dict[str, Any]] = []
    counts: dict[str, Any] = cmp.empty_summary() if other is not None else {"cases": 0, "errors": 0, "findings": 0}
    for number, row in rows:
        case_id = None
        try:
            if isinstance(row, RowError):
                raise row
            case_id, case = row_to_case(number, row, the_plan, as_of)
            day = as_of or case.get("as_of") or today
            before = book.evaluate(case, as_of=day, explain=False)
            if other is None:
                counts["cases"] += 1
                counts["findings"] += len(before.findings)
                records.extend(decision_records(case_id, number, before))
            else:
                after = other.evaluate(case, as_of=day, explain=False)
                records.extend(cmp.diff(case_id, number, before, after, counts))
        except RowError as exc:
            counts["errors"] += 1
            if case_id is None and not isinstance(row, RowError):
                case_id = case_id_of(number, row, the_plan)
            records.append(error_record(columns, case_id, number, exc.column, str(exc)))
        except PolicyRulesError as exc:
            counts["errors"] += 1
            column = located_columns(exc, the_plan) if isinstance(exc, FactError) else None
            where = f"row {number}" + (f", column {column}" if column else "")
            reason = exc.reason if isinstance(exc, FactError) else str(exc)
            records.append(error_record(columns, case_id, number, column, f"{where}: {reason}"))
    return records, counts


def _decide_chunk(index: int, rows: list[tuple[int, Any]], part: str, fmt: str) -> tuple[int, int, int, dict[str, Any]]:
    """Decide the rows of one chunk and write its part; returns (index, rows, records, counts)."""
    other: Rulebook | None = _STATE["other"]
    records, counts = decide_rows(rows, _STATE["book"], other, _STATE["plan"], _STATE["as_of"], _STATE["today"])
    _write_part(Path(part), records, other is not None, fmt, counts)
    return index, len(rows), len(records), counts


def _write_part(path: Path, records: list[dict[str, Any]], compared: bool, fmt: str, counts: dict[str, Any]) -> None:
    counts_path = path.with_suffix(".json")
    _atomic_write_text(counts_path, json.dumps({"records": len(records), "counts": counts}, ensure_ascii=False))
    tmp = path.with_name("." + path.name + ".tmp")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = compare_schema() if compared else batch_schema()
        pq.write_table(pa.Table.from_pylist(records, schema=schema), tmp)
    else:
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- the run


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunks(path: Path, size: int) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
    chunk: list[tuple[int, Any]] = []
    index = 0
    for item in read_rows(path):
        chunk.append(item)
        if len(chunk) == size:
            yield index, chunk
            index, chunk = index + 1, []
    if chunk:
        yield index, chunk


def _manifest(job: Job, the_plan: Plan, digests: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "input": str(job.input.resolve()),
        "input_size": job.input.stat().st_size,
        "input_sha256": _sha256(job.input),
        "mapping": job.mapping.to_dict(),
        "as_of": job.as_of.isoformat() if job.as_of else None,
        "today": job.today.isoformat(),
        "rulebook": digests[0],
        "compare_rulebook": digests[1],
        "chunk_rows": job.chunk_rows,
        "output_format": job.output_format,
    }


Progress = Callable[[int], None]


def run(job: Job, *, resume: bool = False, progress: Progress | None = None) -> Result:
    """Decide every row of `job.input` and write `job.output` (see the module's docstring)."""
    input_format(job.input)
    fmt = job.output_format
    if job.chunk_rows < 1 or job.workers < 1:
        raise BatchError("--chunk-rows and --workers take a whole number of at least 1")
    if not job.input.is_file():
        raise BatchError(f"{job.input}: no such file")
    book = load_rulebook(job.rules)
    other = load_rulebook(job.compare) if job.compare else None
    the_plan = plan(columns(job.input), job.mapping, book.schema)
    digests = (book.digest, other.digest if other else None)
    manifest = _manifest(job, the_plan, digests)
    parts = job.parts
    manifest_path = parts / "manifest.json"
    if parts.exists():
        if not resume:
            raise BatchError(f"{parts} holds the parts of an interrupted run: add --resume to finish it, or delete the folder")
        try:
            recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise BatchError(f"{manifest_path}: missing or unreadable; delete {parts} and run again") from None
        job = attrs.evolve(job, today=_dt.date.fromisoformat(recorded.get("today", job.today.isoformat())))
        manifest["today"] = job.today.isoformat()
        differing = sorted(key for key in manifest if recorded.get(key) != manifest[key])
        if differing:
            raise BatchError(f"{parts} is from another run (differs in {', '.join(differing)}): delete it to start afresh")
    else:
        parts.mkdir(parents=True)
        _atomic_write_text(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2))

    suffix = ".parquet" if fmt == "parquet" else ".jsonl"

    def part_path(index: int) -> Path:
        return parts / f"part-{index:06d}{suffix}"

    args = (str(job.rules) if job.rules else None, str(job.compare) if job.compare else None, the_plan,
            job.as_of.isoformat() if job.as_of else None, job.today.isoformat())
    done = 0
    total_chunks = 0
    rows_read = 0

    def pending() -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        nonlocal done, total_chunks, rows_read
        for index, chunk in _chunks(job.input, job.chunk_rows):
            total_chunks += 1
            rows_read += len(chunk)
            if part_path(index).exists() and part_path(index).with_suffix(".json").exists():
                done += 1
                if progress:
                    progress(len(chunk))
                continue
            yield index, chunk

    if job.workers == 1:
        _setup(book, other, *args[2:])
        for index, chunk in pending():
            _decide_chunk(index, chunk, str(part_path(index)), fmt)
            if progress:
                progress(len(chunk))
    else:
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=job.workers, mp_context=context, initializer=_setup, initargs=args) as pool:
            in_flight: set[cf.Future[Any]] = set()
            for index, chunk in pending():
                in_flight.add(pool.submit(_decide_chunk, index, chunk, str(part_path(index)), fmt))
                if len(in_flight) >= 2 * job.workers:
                    finished, in_flight = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                    for future in finished:
                        _, n, _, _ = future.result()
                        if progress:
                            progress(n)
            for future in cf.as_completed(in_flight):
                _, n, _, _ = future.result()
                if progress:
                    progress(n)

    records, errors, summary = _join(job, total_chunks, part_path, fmt)
    shutil.rmtree(parts)
    return Result(job.output, rows_read, records, errors, total_chunks, done, the_plan.ignored, summary)


def _join(job: Job, chunks: int, part_path: Callable[[int], Path], fmt: str) -> tuple[int, int, dict[str, Any] | None]:
    """Join the parts in order into the output (through a temporary file), and add up their counts."""
    tmp = job.output.with_name("." + job.output.name + ".tmp")
    records = errors = 0
    summary = cmp.empty_summary() if job.compare else None
    if fmt == "parquet":
        import pyarrow.parquet as pq

        schema = compare_schema() if job.compare else batch_schema()
        with pq.ParquetWriter(tmp, schema) as writer:
            for index in range(chunks):
                writer.write_table(pq.read_table(part_path(index), schema=schema))
    else:
        with tmp.open("wb") as out:
            for index in range(chunks):
                with part_path(index).open("rb") as handle:
                    shutil.copyfileobj(handle, out)
    for index in range(chunks):
        meta = json.loads(part_path(index).with_suffix(".json").read_text(encoding="utf-8"))
        records += meta["records"]
        errors += meta["counts"]["errors"]
        if summary is not None:
            cmp.merge(summary, meta["counts"])
    os.replace(tmp, job.output)
    return records, errors, None if summary is None else cmp.finish(summary)


__all__ = ["BatchError", "Job", "MappingError", "Result", "run"]
