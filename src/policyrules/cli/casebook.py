"""policyrules test: casebooks run against a rulebook, every difference shown."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..api import Rulebook, load_rulebook
from ..casebook import CaseResult, casebook_coverage, load_casebook, run_case
from ..law.accounting import ENCODED, account
from .base import guard, main, rules_option


@main.command("test")
@click.argument("casebooks", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--coverage", "show_coverage", is_flag=True, help="Also report which rules and sentences the casebook exercises.")
@rules_option
def test_command(casebooks: tuple[Path, ...], show_coverage: bool, rules_dir: Path | None) -> None:
    """Run casebook files (or folders of them) against the rulebook; exit 1 if any case fails."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        results = [run_case(book, entry) for entry in load_casebook(casebooks)]
        for result in results:
            click.echo(f"{'PASS' if result.passed else 'FAIL'} {result.entry.label}")
            for difference in result.differences:
                click.echo(f"     {difference}")
        failed = sum(1 for r in results if not r.passed)
        if show_coverage:
            _print_casebook_coverage(book, results)
        click.echo(f"{len(results) - failed} passed, {failed} failed")
        if failed:
            sys.exit(1)

    guard(run)


def _print_casebook_coverage(book: Rulebook, results: list[CaseResult]) -> None:
    covered = casebook_coverage(book, results)
    rules = len(covered.rules)
    click.echo(f"\nrules shown applying: {rules - len(covered.never_applying)}/{rules}; "
               f"shown not applying or undetermined: {rules - len(covered.never_negative)}/{rules}")
    for rule_id in covered.never_applying:
        click.echo(f"  never applies in the casebook: {rule_id}")
    for rule_id in covered.never_negative:
        click.echo(f"  never shown not applying: {rule_id}")
    for doc in account(book.data):
        encoded = [s for s in doc.sentences() if s.state == ENCODED]
        if not encoded:
            continue
        untested = [s for s in encoded if not covered.applying.intersection(s.rules)]
        click.echo(f"sentences of {doc.document.key} exercised: {len(encoded) - len(untested)}/{len(encoded)} encoded sentences")
        for item in untested:
            click.echo(f"  not exercised: {item.sentence.id} ({', '.join(item.rules)})")
