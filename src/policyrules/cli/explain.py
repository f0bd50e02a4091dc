"""policyrules explain: the trail of a decision — how, why not, what is missing, why nothing.

`--format html -o report.html` writes the whole report (report/): the facts, the sheet, every
finding with its clause and quote, the derivation graph, why not and what is missing, in one
self-contained file to file or mail.

For one rule (`--rule`) that is a benefit and does not apply, it also searches for the
smallest change of facts that would make it apply (re-evaluating the case: only on request).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from ..api import load_case, load_rulebook
from ..errors import EvaluationError, suggest
from ..explain import Status
from ..render.explanation import markdown, print_explanation, sections
from ..render.labels import LANGS
from ..report import render_html
from ..safetext import clip, show
from ..summary import BENEFIT_MODALITIES
from .base import console_to, emit, guard, main, rules_option


@main.command("explain")
@click.argument("case_file", type=click.Path(path_type=Path))
@click.option("--rule", "rule_id", default=None, help="Only this rule's trail (and, for a benefit that does not apply, what would change it).")
@click.option("--why-not", "why_not", is_flag=True, help="Only why rules do not apply: every failed condition, its value, clause and category.")
@click.option("--missing", is_flag=True, help="Only the missing facts, ranked by how many rules (and how much money a year) they decide.")
@click.option("--as-of", "as_of", default=None, help="Evaluation date YYYY-MM-DD. Default: the case's as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True,
              help="html: the whole report as one self-contained page (use with -o).")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True, help="Labels of the html report: zh (Chinese) or en.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file instead of stdout.")
@rules_option
def explain_command(
    case_file: Path,
    rule_id: str | None,
    why_not: bool,
    missing: bool,
    as_of: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    rules_dir: Path | None,
) -> None:
    """Explain the decision on CASE_FILE: without --why-not or --missing, how each finding was
    reached, what is missing and which documents give nothing (with --rule: everything about
    that rule)."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        decision = book.evaluate(load_case(case_file, book), as_of=as_of)
        explanation = decision.explanation
        assert explanation is not None  # evaluate explains by default
        proposals = []
        if rule_id is not None:
            known = [rule.id for rule in book.rules]
            if rule_id not in known:
                raise EvaluationError(f"unknown rule {show(rule_id)}{suggest(rule_id, known)}")
            explanation = explanation.for_rule(rule_id)
            rule = book.rule(rule_id)
            if rule.modality in BENEFIT_MODALITIES:
                for outcome in decision.why_not(rule_id):
                    if outcome.status is not Status.APPLIES:
                        found = book.counterfactual(decision, rule_id, subject=outcome.subject.id)
                        if found is not None:
                            proposals.append(found)
        only = why_not or missing
        outline = sections(
            explanation,
            why_not=why_not or (rule_id is not None and not only),
            missing=missing or not only,
            how=not only,
            counterfactuals=proposals,
        )
        title = f"{clip(decision.case or case_file.name)} — as of {decision.as_of.isoformat()}"
        if fmt == "json":
            data = explanation.to_dict()
            if proposals:
                data["counterfactuals"] = [p.to_dict() for p in proposals]
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        elif fmt == "html":
            text = render_html(decision, book, lang)
        elif fmt == "markdown":
            text = markdown(title, outline)
        else:
            with console_to(output) as console:
                console.print(f"[bold]{escape(title)}[/bold]")
                print_explanation(console, outline)
            return
        emit(text, output)

    guard(run)
