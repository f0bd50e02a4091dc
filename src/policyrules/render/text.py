"""The decision as text for a terminal: the caseworker's sheet (per person what they get and
what others owe them; institutions' duties by bearer), then every finding with its quotes.

Rendering takes a decision and a writer (a rich Console), so the command line, and any
other front end, print the same sheet; nothing here evaluates anything. The sheet's lines are
built once (render/sheet.py) in the reader's language (Chinese by default) and only laid out
here. Text from the case (its name, entity ids, values) is clipped and escaped, so no input
can inject terminal control sequences or make the sheet larger than the case's structure.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..decision import Decision, Finding, FindingStatus
from ..explain import Status
from ..safetext import clip
from ..summary import BENEFIT_MODALITIES
from .explanation import print_explanation, sections
from .labels import Labels
from .sheet import SheetLine, SubjectBlock, build_sheet, checks_text, cite, deadline_text, people_first, worth

__all__ = ["checks_text", "print_decision"]


def print_decision(console: Console, decision: Decision, explain: bool, lang: str = "zh") -> None:
    """The whole sheet: header, per person, institutions, duties by bearer, every finding by
    bearer, undetermined rules, why nothing applies, and (explain) what does not apply."""
    sheet = build_sheet(decision, lang)
    words = sheet.labels
    if lang == "zh":
        head = f"{sheet.title}  {words.as_of} {sheet.as_of}（{sheet.findings}{words.title_findings}，规则库 {sheet.rulebook}）"
    else:
        head = f"{sheet.title}  as of {sheet.as_of}  ({sheet.findings} findings, rulebook {sheet.rulebook})"
    console.print(f"[bold]{escape(head)}[/bold]")
    if sheet.people:
        _heading(console, words.people)
        for block in sheet.people:
            _print_block(console, block, words)
    if sheet.institutions:
        _heading(console, words.institutions_receive)
        for block in sheet.institutions:
            _print_block(console, block, words)
    if sheet.bearers:
        _heading(console, words.institutions_owe)
        for bearer in sheet.bearers:
            console.print(escape(f"  {bearer.title}"))
            for line in bearer.duties + bearer.targets:
                _print_line(console, line, words, depth=2)
    if decision.findings:
        _heading(console, words.findings)
        groups: dict[tuple[str, str, str | None], list[Finding]] = {}
        for finding in decision.findings:
            groups.setdefault((finding.bearer.entity, finding.bearer.label, finding.bearer.id), []).append(finding)
        for (entity, label, ident), findings in sorted(groups.items(), key=lambda item: people_first(item[0][0])):
            kind = words.entity.get(entity, entity)
            console.print(f"\n[bold underline]{escape(f'{label} [{kind}' + (' ' + clip(ident) if ident else '') + ']')}[/bold underline]")
            for finding in findings:
                _print_finding(console, finding, words)
    undetermined = decision.undetermined
    if undetermined:
        _heading(console, words.undetermined)
        for outcome in undetermined:
            missing = ", ".join(check.condition for check in outcome.checks)
            console.print(f"  ? {escape(outcome.rule_id)} {words.for_subject} {outcome.subject.type} {escape(clip(outcome.subject.id))}: {escape(missing)}")
    if not decision.findings and decision.explanation is not None:
        # "0 findings" alone would read as a refusal: say which documents were tried and what kept each out.
        _heading(console, words.nothing)
        print_explanation(console, sections(decision.explanation, why_not=False, missing=False, how=False))
    if explain:
        _heading(console, words.does_not_apply)
        for outcome in decision.outcomes_with(Status.DOES_NOT_APPLY):
            failed = checks_text(outcome.checks)
            console.print(f"  - {escape(outcome.rule_id)} {words.for_subject} {outcome.subject.type} {escape(clip(outcome.subject.id))}: {escape(failed)}")


def _heading(console: Console, text: str) -> None:
    console.print(f"\n[bold]{escape(text)}[/bold]")


def _print_block(console: Console, block: SubjectBlock, words: Labels) -> None:
    """One subject: money with the total, benefits without amount, priorities, duties owed."""
    console.print(escape(f"  {block.title}"))
    for title, lines in ((words.money, block.money), (words.no_amount, block.no_amount), (words.priorities, block.priorities), (words.owed, block.owed)):
        if not lines:
            continue
        console.print(escape(f"    {title}"))
        for line in lines:
            _print_line(console, line, words, depth=3)
        if lines is block.money:
            for total in block.totals:
                console.print(escape(f"      {total}"))


def _print_line(console: Console, line: SheetLine, words: Labels, depth: int) -> None:
    pad = "  " * depth
    text = f"{pad}• [{line.modality_text}] {line.text}"
    if line.worth:
        text += f" — {line.worth}"
    if line.status_text:
        text += f" — {line.status_text}"
    console.print(escape(text))
    colon = words.colon
    if line.deadline:
        console.print(escape(f"{pad}    {words.deadline}{colon}{line.deadline}"))
    for note in line.notes:
        console.print(escape(f"{pad}    {note}"))
    console.print(escape(f"{pad}    {words.grounds}{colon}{line.grounds(words.sep)}"))


def _print_finding(console: Console, finding: Finding, words: Labels) -> None:
    line = f"  • [{words.modality.get(finding.modality, finding.modality)}] {finding.title}"
    given = worth(finding, words.lang)
    if given:
        line += f" — {given}"
    if finding.subject.type != finding.bearer.entity or finding.bearer.id is None:
        line += f"  ({words.for_subject} {finding.subject.type} {clip(finding.subject.id)})"
    console.print(escape(line))
    if finding.status is not FindingStatus.APPLIES:
        detail = checks_text(finding.compliance, words)
        gloss = words.glosses.get(finding.status.value)
        status = words.status.get(finding.status.value, finding.status.value) if words.lang == "zh" else finding.status.value
        console.print(escape(f"      status: {status} — {detail}{' — ' + gloss if gloss else ''}" if words.lang != "zh" else f"      状态：{status} — {detail}{'（' + gloss + '）' if gloss else ''}"))
    if finding.deadline:
        # A benefit's date is when it was to be provided by; the finding says it still applies.
        kept = f" — {words.benefit_kept}" if finding.deadline_passed and finding.modality in BENEFIT_MODALITIES else ""
        console.print(escape(f"      {words.deadline}{words.colon}{deadline_text(finding, words)}{kept}"))
    for citation in finding.citations:
        console.print(escape(f"      {cite(citation)}: “{citation.quote}”"))
