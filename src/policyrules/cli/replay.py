"""policyrules replay: decide a recorded case again and say whether the answer still holds.

Exit status: 0 identical, 1 differs, 2 bad input (one located line, never a traceback).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..api import load_rulebook
from ..replay import as_dict, read_record, replay
from .base import guard, main, rules_option


@main.command("replay", epilog="Exit status: 0 identical; 1 differs; 2 bad input.")
@click.argument("record", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_option
def replay_command(record: Path, fmt: str, rules_dir: Path | None) -> None:
    """Re-evaluate the case of RECORD (what `evaluate --format json` writes) on its as_of.

    Prints `identical` or `differs`, then one line per finding gained, lost or changed (and
    per outcome whose status moved), by rule and subject; and says when the rulebook or a
    document is not the version the record names.
    """

    def run() -> None:
        recorded = read_record(record)
        report = replay(recorded, load_rulebook(rules_dir), str(record))
        if fmt == "json":
            click.echo(json.dumps(as_dict(report), ensure_ascii=False, indent=2))
        else:
            verdict = "identical" if report.identical else f"differs ({len(report.changes)} change{'s' if len(report.changes) > 1 else ''})"
            click.echo(f"{verdict}: {recorded.case or 'case'} as of {recorded.as_of.isoformat()}, "
                       f"facts {(recorded.facts_digest or '')[:12]}, {len(recorded.findings)} findings recorded")
            for note in report.versions:
                click.echo(f"  note: {note}")
            if not report.versions:
                click.echo(f"  rulebook {recorded.rulebook[:12]} and every document as recorded")
            for change in report.changes:
                click.echo(f"  {change.line()}")
        if not report.identical:
            sys.exit(1)

    guard(run)
