"""The command line: evaluate cases, account for the law, lint rulebooks, run casebooks.

Bad input ends with one line on stderr naming file, line and field, and a non-zero exit
code; a caseworker never sees a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from . import lint as linting
from .api import Rulebook, load_case, load_rulebook
from .casebook import casebook_coverage, load_casebook, run_case
from .decision import Decision, Finding
from .errors import EvaluationError, PolicyRulesError, suggest
from .explain import Check, Status
from .factschema import display
from .law import report
from .law.accounting import ENCODED, account

F = TypeVar("F", bound=Callable[..., Any])

MODALITY_ZH = {
    "entitlement": "权利/待遇",
    "obligation": "义务",
    "prohibition": "禁止",
    "permission": "允许",
    "encouragement": "鼓励/支持",
    "priority": "优先/倾斜",
    "target": "目标",
    "derived": "认定",
}


# Caseworkers read about people first; bodies and places follow (stable within a kind).
PEOPLE_FIRST = ("student", "labourer", "household", "school", "enterprise", "government", "region")


def _rules_option(func: F) -> F:
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Rulebook folder (holding documents.yaml). Default: the bundled rulebook.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policyrules")
def main() -> None:
    """Evaluate cases against Chinese vocational-education policy rules.

    Every finding names the document (文号), the clause and its verbatim quote.
    """


@main.command()
@click.argument("case_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", default=None, help="Evaluation date YYYY-MM-DD. Default: the case's as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Also list every rule that does not apply, with the failed conditions.")
@_rules_option
def evaluate(case_file: Path, as_of: str | None, fmt: str, explain: bool, rules_dir: Path | None) -> None:
    """Evaluate CASE_FILE (YAML or JSON) and print the findings grouped by bearer."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        decision = book.evaluate(load_case(case_file, book), as_of=as_of)
        if fmt == "json":
            click.echo(decision.to_json())
        else:
            _print_decision(decision, book, explain)

    _guard(run)


@main.command()
@_rules_option
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

    _guard(run)


@main.command()
@click.argument("entity", required=False)
@_rules_option
def fields(entity: str | None, rules_dir: Path | None) -> None:
    """List the fields a case may give (all entities, or one ENTITY), from the fact schema."""

    def run() -> None:
        schema = load_rulebook(rules_dir).schema
        chosen = schema.entities
        if entity is not None:
            spec = schema.entity(entity)
            if spec is None:
                raise EvaluationError(f"unknown entity type {entity!r}{suggest(entity, schema.entity_names())}")
            chosen = (spec,)
        console = Console(highlight=False, soft_wrap=True)
        for spec in chosen:
            console.print(f"[bold]{spec.name}[/bold] {escape(spec.label)}")
            for field in spec.fields:
                kind = f"ref → {field.entity}" if field.type == "ref" else field.type
                unit = f" [{field.unit}]" if field.unit else ""
                values = f"  one of: {', '.join(field.value_keys())}" if field.values else ""
                console.print(escape(f"  {field.name:<40} {kind}{unit}  {field.label}{values}"))

    _guard(run)


@main.command()
@click.option("--document", "document", default=None, help="Only this document (its key, e.g. anyang-2018-2), sentence by sentence.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--output-dir", "output_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --format markdown: write one page per document here (docs/law).")
@_rules_option
def coverage(document: str | None, fmt: str, output_dir: Path | None, rules_dir: Path | None) -> None:
    """Account for every sentence of every document: encoded, classified or unaccounted."""

    def run() -> None:
        data = load_rulebook(rules_dir).data
        accounts = account(data)
        if document is not None:
            keys = [a.document.key for a in accounts]
            if document not in keys:
                raise EvaluationError(f"unknown document {document!r}{suggest(document, keys)}")
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

    _guard(run)


@main.command("lint")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_rules_option
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


@main.command("test")
@click.argument("casebooks", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--coverage", "show_coverage", is_flag=True, help="Also report which rules and sentences the casebook exercises.")
@_rules_option
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

    _guard(run)


def _print_casebook_coverage(book: Rulebook, results: list[Any]) -> None:
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


def _guard(run: Callable[[], None]) -> None:
    try:
        run()
    except PolicyRulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _print_decision(decision: Decision, book: Rulebook, explain: bool) -> None:
    console = Console(highlight=False, soft_wrap=True)
    title = decision.case or "case"
    console.print(f"[bold]{escape(title)}[/bold]  as of {decision.as_of.isoformat()}  "
                  f"({len(decision.findings)} findings, rulebook {decision.rulebook[:12]})")
    groups: dict[tuple[str, str, str | None], list[Finding]] = {}
    for finding in decision.findings:
        key = (finding.bearer.entity, finding.bearer.label, finding.bearer.id)
        groups.setdefault(key, []).append(finding)
    ordered = sorted(groups.items(), key=lambda item: PEOPLE_FIRST.index(item[0][0]) if item[0][0] in PEOPLE_FIRST else len(PEOPLE_FIRST))
    for (entity, label, ident), findings in ordered:
        who = f"{label} [{entity}{' ' + ident if ident else ''}]"
        console.print(f"\n[bold underline]{escape(who)}[/bold underline]")
        for finding in findings:
            _print_finding(console, finding)
    undetermined = decision.undetermined
    if undetermined:
        console.print("\n[bold]Undetermined (a needed fact is missing)[/bold]")
        for outcome in undetermined:
            missing = ", ".join(check.condition for check in outcome.checks)
            console.print(f"  ? {escape(outcome.rule_id)} for {outcome.subject.type} {escape(outcome.subject.id)}: {escape(missing)}")
    if explain:
        console.print("\n[bold]Does not apply[/bold]")
        for outcome in decision.outcomes_with(Status.DOES_NOT_APPLY):
            failed = _checks_text(outcome.checks)
            console.print(f"  - {escape(outcome.rule_id)} for {outcome.subject.type} {escape(outcome.subject.id)}: {escape(failed)}")


def _checks_text(checks: tuple[Check, ...]) -> str:
    """Each check with the value seen; a conclusion drawn by another rule shows that rule's checks."""
    parts = []
    for check in checks:
        if check.kind == "rule":
            parts.append(f"{check.rule}: {_checks_text(check.because)}")
        elif check.because:
            parts.append(f"{check.condition} ({check.actual} — {_checks_text(check.because)})")
        else:
            parts.append(f"{check.condition} (actual: {check.actual if check.actual is not None else 'missing'})")
    return "; ".join(parts)


def _print_finding(console: Console, finding: Finding) -> None:
    line = f"  • [{MODALITY_ZH.get(finding.modality, finding.modality)}] {finding.title}"
    if finding.amount:
        amount = finding.amount
        line += f" — {'约' if amount.approximate else ''}{display(amount.value)} {amount.unit}"
        if amount.period:
            line += f" {amount.period}"
    if finding.range:
        line += f" — {display(finding.range.min)}–{display(finding.range.max)} {finding.range.unit}"
    if finding.subject.type != finding.bearer.entity or finding.bearer.id is None:
        line += f"  (for {finding.subject.type} {finding.subject.id})"
    console.print(escape(line))
    if finding.status != "applies":
        detail = _checks_text(finding.compliance)
        console.print(escape(f"      status: {finding.status} — {detail}"))
    if finding.deadline:
        due = finding.next_due.isoformat() if finding.next_due else "date unknown"
        console.print(escape(f"      deadline: {finding.deadline.text} ({due})"))
    for citation in finding.citations:
        number = citation.number or citation.title
        console.print(escape(f"      {number} {citation.clause}: “{citation.quote}”"))


if __name__ == "__main__":  # pragma: no cover
    main()
