"""A decision's explanation as text for a terminal and as markdown for an audit file.

Both views are written from one outline — sections of indented lines, each with a mark
(held, failed, missing) — so the terminal tree and the pasted markdown never say different
things. The HTML report (report/) walks the same Explanation values (explanation/model.py)
and reuses `step_text`. Case text is clipped and escaped where it reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs
from rich.console import Console
from rich.markup import escape

from ..explain import Status
from ..explanation import Counterfactual, Explanation, RuleNode, Step
from ..factschema import display
from ..model import SubjectRef
from ..safetext import clip

MARK = {Status.APPLIES: "✓", Status.DOES_NOT_APPLY: "✗", Status.UNDETERMINED: "?"}
STYLE = {Status.APPLIES: "green", Status.DOES_NOT_APPLY: "red", Status.UNDETERMINED: "yellow"}


@attrs.frozen
class Line:
    depth: int
    text: str
    status: Status | None = None  # a mark and colour; None for citations and notes
    quote: bool = False


@attrs.frozen
class Section:
    title: str
    lines: tuple[Line, ...]


def _who(subject: SubjectRef) -> str:
    return f"{subject.type} {clip(subject.id)}"


def _rule_lines(node: RuleNode, depth: int, subject: SubjectRef | None = None) -> Iterator[Line]:
    who = f" [{_who(subject)}]" if subject else ""
    yield Line(depth, f"{node.rule_id} {node.title}{who}", node.status)
    for citation in node.citations:
        yield Line(depth + 1, f"{citation.number or citation.title} {citation.clause}: “{citation.quote}”", quote=True)
    for step in node.conditions:
        yield from _step_lines(step, depth + 1)


def _step_lines(step: Step, depth: int) -> Iterator[Line]:
    yield Line(depth, step_text(step), step.result)
    for node in step.rules:
        yield from _rule_lines(node, depth + 1)


def step_text(step: Step) -> str:
    """`全日制 (full_time): false, expected true [condition]`: the fact's label and path, the value
    seen, what the rule asks, and for a failure what kind of condition excluded it."""
    if step.kind == "derived":
        return f"{step.condition}: {step.actual}"
    if step.kind == "in_force":
        return f"{step.condition}: as of {step.actual}" + (f" [{step.category}]" if step.result is Status.DOES_NOT_APPLY else "")
    name = f"{step.label} ({step.path})" if step.label else (step.path or step.condition)
    seen = "missing" if step.actual is None else clip(step.actual)
    tail = f" [{step.category}]" if step.result is Status.DOES_NOT_APPLY else ""
    negated = " (not)" if step.condition.startswith("not ") and not (step.expected or "").startswith("not ") else ""
    return f"{name}: {seen}, expected {step.expected}{negated}{tail}"


def sections(explanation: Explanation, why_not: bool, missing: bool, how: bool, counterfactuals: Iterable[Counterfactual] = ()) -> list[Section]:
    """The outline: how, why not, what is missing, what would change it, why nothing."""
    out: list[Section] = []
    if how:
        lines = [line for d in explanation.how for line in _rule_lines(d.rule, 0, d.subject)]
        out.append(Section("How each finding was reached", tuple(lines)))
    if why_not:
        lines = []
        for entry in explanation.why_not:
            lines.append(Line(0, f"{entry.rule.rule_id} {entry.rule.title} [{_who(entry.subject)}] — excluded by {', '.join(entry.excluded_by) or 'condition'}", entry.rule.status))
            for citation in entry.rule.citations:
                lines.append(Line(1, f"{citation.number or citation.title} {citation.clause}: “{citation.quote}”", quote=True))
            for step in entry.rule.conditions:
                lines.extend(_step_lines(step, 1))
        out.append(Section("Why not", tuple(lines)))
    if missing:
        lines = []
        for rank, fact in enumerate(explanation.missing, 1):
            holder = f" (held by {_who(fact.holder)})" if fact.holder and fact.holder != fact.subject else ""
            money = f", {display(fact.money_per_year)} CNY a year" if fact.money_per_year else ""
            lines.append(Line(0, f"{rank}. {fact.label or fact.path} — {_who(fact.subject)}: {fact.path}{holder}; decides {len(fact.rules)} rule{'s' if len(fact.rules) != 1 else ''}{money}", Status.UNDETERMINED))
            lines.extend(Line(1, rule_id) for rule_id in fact.rules)
        out.append(Section("What is missing (ask these first)", tuple(lines)))
    proposals = list(counterfactuals)
    if proposals:
        lines = []
        for proposal in proposals:
            lines.append(Line(0, f"{proposal.rule_id} [{_who(proposal.subject)}] would apply if", Status.APPLIES))
            for change in proposal.changes:
                before = "unknown" if change.before is None else change.before
                after = "unknown" if change.after is None else change.after
                lines.append(Line(1, f"{change.label or change.path} ({change.path}) were {after} instead of {before} [{change.category}]"))
        out.append(Section("What would change it", tuple(lines)))
    if explanation.not_binding:
        lines = []
        for document in explanation.not_binding:
            name = document.number or document.title
            where = ", ".join(name for _, name in document.binds) or "everywhere"
            lines.append(Line(0, f"{name} (binds {where}, dated {document.date}; {document.rules} rules tried) — {', '.join(document.excluded_by)}", Status.DOES_NOT_APPLY))
            for step in document.checks:
                lines.extend(_step_lines(step, 1))
        out.append(Section("Documents that give nothing here", tuple(lines)))
    return out


def print_explanation(console: Console, outline: list[Section]) -> None:
    """The outline as a tree on a terminal: colour when it is one (rich decides), plain when piped."""
    for section in outline:
        console.print(f"\n[bold]{escape(section.title)}[/bold]")
        if not section.lines:
            console.print("  (none)")
        for line in section.lines:
            indent = "  " * (line.depth + 1)
            if line.status is None:
                style = "dim" if line.quote else ""
                text = escape(f"{indent}{line.text}")
                console.print(f"[{style}]{text}[/{style}]" if style else text)
            else:
                colour = STYLE[line.status]
                console.print(f"{indent}[{colour}]{MARK[line.status]}[/{colour}] {escape(line.text)}")


def markdown(title: str, outline: list[Section]) -> str:
    """The outline as markdown for an audit file: a heading per section, one nested list item per line."""
    parts = [f"# {title}"]
    for section in outline:
        parts.append(f"\n## {section.title}\n")
        if not section.lines:
            parts.append("(none)")
        for line in section.lines:
            mark = f"{MARK[line.status]} " if line.status is not None else ""
            text = line.text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
            parts.append(f"{'  ' * line.depth}- {mark}{text}")
    return "\n".join(parts) + "\n"
