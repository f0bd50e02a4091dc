"""policyrules batch: a registry (CSV, JSONL, Parquet, Excel) through the rulebook, or two.

Writes one row per (case, finding) and each subject's totals, or with --compare the
findings each case gains, loses or sees changed and a summary. Bad rows become error rows;
a bad header, mapping or option stops the run with exit status 2 before anything is decided.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import click

from .base import guard, main, rules_option


@main.command("batch", epilog="Exit status: 0 done (error rows included); 2 bad input, mapping or options.")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write: .parquet or .jsonl.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Decide every case on this day (default: the row's as_of column, else today).")
@click.option("--map", "mapping_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Mapping file: registry columns to fact fields (docs/batch-mapping.md).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--compare", "compare_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Another rulebook: write what each case gains, loses or sees changed under it.")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --compare: where to write the summary as JSON (default: OUTPUT.summary.json).")
@click.option("--resume", is_flag=True, help="Finish an interrupted run of the same command.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Rows per chunk (the unit of work, of parallelism and of resuming).")
@rules_option
def batch_command(input_path: Path, output: Path, as_of: _dt.datetime | None, mapping_path: Path | None, workers: int,
                  compare_dir: Path | None, summary_path: Path | None, resume: bool, chunk_rows: int, rules_dir: Path | None) -> None:
    """Decide every row of INPUT (.csv, .jsonl, .parquet, .xlsx), one student per row.

    Columns are named by field (student.full_time, household.poverty_registered,
    school.kind, school.region.city, household.region.county, …) or renamed by --map.
    """

    # Imported here, not with the CLI: batch needs pyarrow, which every other command can do
    # without (it costs start-up time and starts native threads).
    from ..batch import DEFAULT_MAP, Job, load_mapping, run
    from ..batch import compare as cmp
    from ..batch.readers import count_rows

    def go() -> None:
        job = Job(
            input=input_path,
            output=output,
            mapping=load_mapping(mapping_path) if mapping_path else DEFAULT_MAP,
            as_of=as_of.date() if as_of else None,
            rules=rules_dir,
            compare=compare_dir,
            workers=workers,
            chunk_rows=chunk_rows,
        )
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            from rich.console import Console

            with Progress(TextColumn("deciding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("rows", total=count_rows(input_path))
                result = run(job, resume=resume, progress=lambda n: bar.advance(task, n))
        else:
            result = run(job, resume=resume)
        if result.ignored_columns:
            click.echo(f"ignored columns (no field): {', '.join(result.ignored_columns)}", err=True)
        resumed = f", {result.resumed_chunks} of {result.chunks} chunks from the interrupted run" if result.resumed_chunks else ""
        click.echo(f"{result.rows} rows → {result.records} records in {result.output} ({result.errors} error rows{resumed})")
        if result.summary is not None:
            target = summary_path or output.with_name(output.name + ".summary.json")
            target.write_text(json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            for line in cmp.render(result.summary):
                click.echo(line)
            click.echo(f"summary: {target}")
        sys.stdout.flush()

    guard(go)
