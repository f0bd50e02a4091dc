"""policyrules check and lint: a rulebook validated (check) and reviewed as an auditor would (lint)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import lint as linting
from ..api import load_rulebook
from .base import guard, main, rules_option


@main.command()
@rules_option
def check(rules_dir: Path | None) -> None:
    """Validate the rulebook (schemas, field paths, quotes against the source texts)."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        counts: dict[str, int] = {}
        for rule in book.rules:
            counts[rule.modality] = counts.get(rule.modality, 0) + 1
        summary = ", ".join(f"{n} {m}" for m, n in sorted(counts.items()))
        click.echo(f"rulebook OK: {len(book.documents)} documents, {len(book.rules)} rules ({summary}), "
                   f"{sum(len(c.sentences) for c in book.data.classifications)} sentences classified")

    guard(run)


@main.command("lint")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_option
def lint_command(fmt: str, rules_dir: Path | None) -> None:
    """Check a rulebook as an auditor would; exit 1 on any error.

    Everything `check` does, plus: every sentence accounted for, rules that can never apply,
    conflicting rules. Each message names file, line, rule, clause and field.
    """
    messages = linting.lint_path(rules_dir)
    errors = sum(1 for m in messages if m.severity == linting.ERROR)
    if fmt == "json":
        click.echo(json.dumps([m.to_dict() for m in messages], ensure_ascii=False, indent=2))
    else:
        for message in messages:
            click.echo(message.render())
        click.echo(f"{errors} errors, {len(messages) - errors} warnings")
    sys.exit(1 if errors else 0)
