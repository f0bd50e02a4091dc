"""The decision as text for a terminal: what each person receives, then findings grouped by
bearer, each with its citations.

Rendering takes a decision and a writer (a rich Console), so the command line, and any
other front end, print the same sheet; nothing here evaluates anything. Text from the case
(its name, entity ids, values) is clipped and escaped, so no input can inject terminal
control sequences or make the sheet larger than the case's structure.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..decision import Decision, Finding, FindingStatus
from ..explain import Check, Status
from ..factschema import display
from ..model import Amount, Citation
from ..safetext import clip
from ..summary import BENEFIT_MODALITIES, Benefit, BenefitSummary, Total
from .explanation import print_explanation, sections

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


STATUS_GLOSS = {
    FindingStatus.PENDING: " — not met yet, and the deadline has not passed",
    FindingStatus.APPROXIMATE: " — below a figure written with 左右 (about); the text gives no tolerance, so the gap is reported, not judged",
}

# Caseworkers read about people first; bodies and places follow (stable within a kind).
PEOPLE_FIRST = ("student", "labourer", "household", "school", "enterprise", "employer", "recruitment", "government", "region")


def _people_first(entity: str) -> int:
    return PEOPLE_FIRST.index(entity) if entity in PEOPLE_FIRST else len(PEOPLE_FIRST)


def print_decision(console: Console, decision: Decision, explain: bool) -> None:
    """The whole sheet: header, benefits per subject, findings by bearer, undetermined rules,
    and (explain) what does not apply."""
    title = clip(decision.case) if decision.case else "case"
    console.print(f"[bold]{escape(title)}[/bold]  as of {decision.as_of.isoformat()}  "
                  f"({len(decision.findings)} findings, rulebook {decision.rulebook[:12]})")
    summaries = sorted(decision.benefits, key=lambda s: _people_first(s.subject.type))
    if summaries:
        console.print("\n[bold]Benefits (each once, with every ground; totals never add one benefit twice)[/bold]")
        for summary in summaries:
            _print_benefits(console, summary)
    groups: dict[tuple[str, str, str | None], list[Finding]] = {}
    for finding in decision.findings:
        key = (finding.bearer.entity, finding.bearer.label, finding.bearer.id)
        groups.setdefault(key, []).append(finding)
    ordered = sorted(groups.items(), key=lambda item: _people_first(item[0][0]))
    for (entity, label, ident), findings in ordered:
        who = f"{label} [{entity}{' ' + clip(ident) if ident else ''}]"
        console.print(f"\n[bold underline]{escape(who)}[/bold underline]")
        for finding in findings:
            _print_finding(console, finding)
    undetermined = decision.undetermined
    if undetermined:
        console.print("\n[bold]Undetermined (a needed fact is missing)[/bold]")
        for outcome in undetermined:
            missing = ", ".join(check.condition for check in outcome.checks)
            console.print(f"  ? {escape(outcome.rule_id)} for {outcome.subject.type} {escape(clip(outcome.subject.id))}: {escape(missing)}")
    if not decision.findings and decision.explanation is not None:
        # "0 findings" alone would read as a refusal: say which documents were tried and what kept each out.
        console.print("\n[bold]Nothing applies to this case[/bold]")
        print_explanation(console, sections(decision.explanation, why_not=False, missing=False, how=False))
    if explain:
        console.print("\n[bold]Does not apply[/bold]")
        for outcome in decision.outcomes_with(Status.DOES_NOT_APPLY):
            failed = checks_text(outcome.checks)
            console.print(f"  - {escape(outcome.rule_id)} for {outcome.subject.type} {escape(clip(outcome.subject.id))}: {escape(failed)}")


def checks_text(checks: tuple[Check, ...]) -> str:
    """Each check with the value seen; a conclusion drawn by another rule shows that rule's checks."""
    parts = []
    for check in checks:
        if check.kind == "rule":
            parts.append(f"{check.rule}: {checks_text(check.because)}")
        elif check.because:
            parts.append(f"{check.condition} ({check.actual} — {checks_text(check.because)})")
        else:
            parts.append(f"{check.condition} (actual: {check.actual if check.actual is not None else 'missing'})")
    return "; ".join(parts)


def _print_benefits(console: Console, summary: BenefitSummary) -> None:
    """One subject's lines: each benefit once with its worth and grounds, then the totals."""
    console.print(escape(f"  {summary.subject.type} {clip(summary.subject.id)}"))
    for benefit in summary.benefits:
        worth = "; ".join(_total_text(value) for value in benefit.values) or "no amount given"
        console.print(escape(f"    • [{MODALITY_ZH.get(benefit.modality, benefit.modality)}] {benefit.label} — {worth}"))
        for line in _grounds(benefit):
            console.print(escape(f"        {line}"))
    for total in summary.totals:
        console.print(escape(f"    total: {_total_text(total)}  ({', '.join(total.benefits)})"))


def _grounds(benefit: Benefit) -> list[str]:
    """The citations of a line; where its rules give different amounts (or some give none),
    which citations give which amount, and which amount a prevailing rule sets aside."""
    if len(benefit.amounts) <= 1 and all(given.citations == benefit.citations for given in benefit.amounts):
        return [f"grounds: {_citations_text(benefit.citations)}"]
    lines = [
        f"{_amount_text(given.amount)}: {_citations_text(given.citations)}"
        + (f" — not counted: {', '.join(given.superseded_by)} prevails" if given.superseded_by else "")
        for given in benefit.amounts
    ]
    with_amount = {citation for given in benefit.amounts for citation in given.citations}
    rest = tuple(citation for citation in benefit.citations if citation not in with_amount)
    if rest:
        lines.append(f"no amount: {_citations_text(rest)}")
    return lines


def _citations_text(citations: tuple[Citation, ...]) -> str:
    return "; ".join(f"{citation.number or citation.title} {citation.clause}" for citation in citations)


def _total_text(total: Total) -> str:
    figure = display(total.low) if total.low == total.high else f"{display(total.low)}–{display(total.high)}"
    return f"{'约' if total.approximate else ''}{figure} {total.unit}{' ' + total.period if total.period else ''}"


def _amount_text(amount: Amount) -> str:
    return f"{'约' if amount.approximate else ''}{display(amount.value)} {amount.unit}{' ' + amount.period if amount.period else ''}"


def _print_finding(console: Console, finding: Finding) -> None:
    line = f"  • [{MODALITY_ZH.get(finding.modality, finding.modality)}] {finding.title}"
    if finding.amount:
        line += f" — {_amount_text(finding.amount)}"
    if finding.range:
        line += f" — {display(finding.range.min)}–{display(finding.range.max)} {finding.range.unit}"
    if finding.subject.type != finding.bearer.entity or finding.bearer.id is None:
        line += f"  (for {finding.subject.type} {clip(finding.subject.id)})"
    console.print(escape(line))
    if finding.status is not FindingStatus.APPLIES:
        detail = checks_text(finding.compliance)
        console.print(escape(f"      status: {finding.status.value} — {detail}{STATUS_GLOSS.get(finding.status, '')}"))
    if finding.deadline:
        deadline = finding.deadline
        due = finding.next_due.isoformat() if finding.next_due else "date unknown"
        if deadline.window:
            due = f"between {deadline.window[0].isoformat()} and {deadline.window[1].isoformat()}"
        passed = {True: ", passed", False: ", not yet passed", None: ""}[finding.deadline_passed]
        # A benefit's date is when it was to be provided by; the finding says it still applies.
        kept = " — the date it was to be provided by; the benefit still applies" if finding.deadline_passed and finding.modality in BENEFIT_MODALITIES else ""
        console.print(escape(f"      deadline: {deadline.text} ({due}{passed}){kept}"))
    for citation in finding.citations:
        number = citation.number or citation.title
        console.print(escape(f"      {number} {citation.clause}: “{citation.quote}”"))
