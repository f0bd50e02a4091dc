"""policyrules evaluate: one case file, what each subject receives, and its findings grouped by bearer with their citations."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ..api import load_case, load_rulebook
from ..render.text import print_decision
from .base import guard, main, rules_option


@main.command()
@click.argument("case_file", type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", default=None, help="Evaluation date YYYY-MM-DD. Default: the case's as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Also list every rule that does not apply, with the failed conditions.")
@rules_option
def evaluate(case_file: Path, as_of: str | None, fmt: str, explain: bool, rules_dir: Path | None) -> None:
    """Evaluate CASE_FILE (YAML or JSON): benefits per subject, then the findings grouped by bearer."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        decision = book.evaluate(load_case(case_file, book), as_of=as_of)
        if fmt == "json":
            click.echo(decision.to_json())
        else:
            print_decision(Console(highlight=False, soft_wrap=True), decision, explain)

    guard(run)
