"""A decision as one self-contained HTML file: the report a caseworker files or mails.

The terminal sheet serves the person at the desk; a file serves whoever reads it later — a
family, a supervisor, an auditor — on any machine, offline. So the report is one HTML file
with its CSS and its graph inline (SVG, no script, no font or image fetched), in Chinese by
default, holding the case's facts, the sheet (render/sheet.py: the same lines as the
terminal), every finding with the clause it rests on and the quote highlighted in it, the
derivation drawn as a graph (report/graph.py), why the other rules do not apply and what is
missing.

The page is a Jinja2 template shipped in the package (templates/report.html.j2): markup stays
markup, and Jinja2 escapes every value, so no text from a case can inject HTML. The rulebook
is needed beside the decision only for what a record does not hold: the clause texts and the
Chinese labels of the case's fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import jinja2

from ..decision import Decision, Finding
from ..explanation import WhyNot
from ..factschema import display
from ..model import Citation
from ..render.explanation import step_text
from ..render.labels import labels
from ..render.sheet import build_sheet, checks_text, cite, deadline_text, worth
from .graph import NODE_HEIGHT, NODE_WIDTH, derivation_graph

if TYPE_CHECKING:
    from ..api import Rulebook

__all__ = ["render_html"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("policyrules.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a misspelt name in the template fails the tests, not the reader
    trim_blocks=True,
    lstrip_blocks=True,
)

GRAPH_COLUMNS = {"zh": ("案件事实", "认定（推导出的事实）", "结论"), "en": ("Facts of the case", "Derived facts", "Findings")}


@attrs.frozen
class ClauseText:
    """A citation with the text of its clause, split around the quote so the template can mark it."""

    citation: Citation
    before: str
    quote: str
    after: str
    found: bool  # the quote was located in the clause text (else it is shown on its own)


@attrs.frozen
class FindingView:
    finding: Finding
    modality: str
    worth: str | None
    status: str | None
    compliance: str | None
    deadline: str | None
    clauses: tuple[ClauseText, ...]


@attrs.frozen
class FactRow:
    entity: str
    id: str
    fields: tuple[tuple[str, str, str], ...]  # (label, field, value)


def render_html(decision: Decision, book: "Rulebook | None" = None, lang: str = "zh") -> str:
    """The report of `decision` as one HTML document. With `book` (the rulebook it was decided
    with) findings show their clause's full text and fields their Chinese labels; without it,
    the quotes alone and the field names."""
    words = labels(lang)
    explanation = decision.explanation
    graph = None if explanation is None else derivation_graph(explanation, GRAPH_COLUMNS.get(lang, GRAPH_COLUMNS["en"]))
    why_not: dict[str, list[WhyNot]] = {}
    for entry in explanation.why_not if explanation else ():
        document = entry.rule.citations[0].number or entry.rule.citations[0].title if entry.rule.citations else "—"
        why_not.setdefault(document, []).append(entry)
    return _ENV.get_template("report.html.j2").render(
        lang=lang,
        words=words,
        zh=lang == "zh",
        sheet=build_sheet(decision, lang),
        decision=decision,
        facts=_facts(decision, book, lang),
        findings=[_finding_view(f, book, lang) for f in decision.findings],
        explanation=explanation,
        graph=graph,
        node_width=NODE_WIDTH,
        node_height=NODE_HEIGHT,
        why_not=why_not,
        step_text=step_text,
        checks_text=checks_text,
        cite=cite,
        display=display,
    )


def _facts(decision: Decision, book: "Rulebook | None", lang: str) -> list[FactRow]:
    """The normalised facts by entity, each field with its Chinese label where the schema has one."""
    rows = []
    for entity, items in (decision.facts or {}).items():
        spec = book.schema.entity(entity) if book else None
        for item in items if isinstance(items, list) else [items]:
            fields = []
            for name, value in item.items():
                if name == "id":
                    continue
                field = spec.field(name) if spec else None
                fields.append((field.label if field else name, name, _value(value)))
            kind = spec.label if spec and lang == "zh" else labels(lang).entity.get(entity, entity)
            rows.append(FactRow(entity=kind, id=str(item.get("id", "")), fields=tuple(fields)))
    return rows


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return display(value)


def _finding_view(finding: Finding, book: "Rulebook | None", lang: str) -> FindingView:
    words = labels(lang)
    return FindingView(
        finding=finding,
        modality=words.modality.get(finding.modality, finding.modality),
        worth=worth(finding, lang),
        status=words.status.get(finding.status.value, finding.status.value),
        compliance=checks_text(finding.compliance, words) if finding.compliance else None,
        deadline=deadline_text(finding, words) if finding.deadline else None,
        clauses=tuple(_clause_text(citation, book) for citation in finding.citations),
    )


def _clause_text(citation: Citation, book: "Rulebook | None") -> ClauseText:
    """The cited clause's text (its sentences and its sub-clauses') with the quote located in it."""
    tree = book.data.trees.get(citation.document) if book else None
    clauses = tree.descendants(citation.clause) if tree and tree.clause(citation.clause) else []
    text = "".join(sentence.text for clause in clauses for sentence in clause.sentences)
    at = text.find(citation.quote)
    if at < 0:
        return ClauseText(citation, text, citation.quote, "", False)
    return ClauseText(citation, text[:at], citation.quote, text[at + len(citation.quote):], True)
