"""policyrules coverage: what became of every sentence of every document."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..api import load_rulebook
from ..errors import EvaluationError, suggest
from ..law import report
from ..law.accounting import account
from .base import guard, main, rules_option
from ..safetext import show


@main.command()
@click.option("--document", "document", default=None, help="Only this document (its key, e.g. anyang-2018-2), sentence by sentence.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--output-dir", "output_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --format markdown: write one page per document here (docs/law).")
@rules_option
def coverage(document: str | None, fmt: str, output_dir: Path | None, rules_dir: Path | None) -> None:
    """Account for every sentence of every document: encoded, classified or unaccounted."""

    def run() -> None:
        data = load_rulebook(rules_dir).data
        accounts = account(data)
        if document is not None:
            keys = [a.document.key for a in accounts]
            if document not in keys:
                raise EvaluationError(f"unknown document {show(document)}{suggest(document, keys)}")
            accounts = tuple(a for a in accounts if a.document.key == document)
        if fmt == "json":
            click.echo(json.dumps(report.to_dict(accounts), ensure_ascii=False, indent=2))
        elif fmt == "markdown":
            if output_dir is None:
                click.echo("\n".join(report.markdown(a, data) for a in accounts), nl=False)
                return
            output_dir.mkdir(parents=True, exist_ok=True)
            for a in accounts:
                (output_dir / f"{a.document.key}.md").write_text(report.markdown(a, data), encoding="utf-8")
                click.echo(f"wrote {output_dir / (a.document.key + '.md')}")
        else:
            lines = report.summary_lines(accounts)
            if document is not None:
                lines += [""] + report.detail_lines(accounts[0], data.kinds)
            click.echo("\n".join(lines))

    guard(run)
