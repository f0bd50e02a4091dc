"""The explanation of a decision as typed, frozen values.

A caseworker, an auditor and a report template ask different questions of one decision:
how a finding was reached, why a rule did not apply, what to ask next, why a document says
nothing here. Each answer is a small tree of these values, built once per evaluation
(explanation/build.py) and written into the decision record, so a template walks attributes
instead of re-reading checks and an auditor reads the same trail the program saw.

Every value serialises to plain JSON (`to_dict`) and back (`from_dict`) losslessly; the shape
is published in rules/schema/decision.schema.json under `explanation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..explain import Status
from ..model import Citation, SubjectRef

# What kept a rule from applying, as a program can test it: the place the law binds (its
# jurisdiction, or a region the condition names), the date (in force, or a date fact), or any
# other condition of the case.
PLACE, DATE, CONDITION = "place", "date", "condition"
CATEGORIES = (PLACE, DATE, CONDITION)
# Why a document gives nothing, beyond its rules' failed conditions: a needed fact is missing,
# the case holds no entity its rules are about, or no rule encodes the document yet.
UNDETERMINED, NO_SUBJECT, NO_RULES = "undetermined", "no_subject", "no_rules"


def category(kind: str, path: str | None, is_date: bool) -> str:
    """place: the jurisdiction, or a fact reached through a region link (where the school or
    household is); date: the in-force window or a date fact; else condition. Derived facts
    are conditions: the steps under them say what excluded them."""
    if kind == "jurisdiction" or (path is not None and kind != "derived" and "region" in path.split(".")[:-1]):
        return PLACE
    if kind == "in_force" or (kind != "derived" and is_date):
        return DATE
    return CONDITION


def _subject(ref: SubjectRef) -> dict[str, str]:
    return {"type": ref.type, "id": ref.id}


def _unsubject(data: Mapping[str, Any] | None) -> SubjectRef | None:
    return None if data is None else SubjectRef(data["type"], data["id"])


@attrs.frozen
class Step:
    """One condition of a rule as seen for one subject.

    `path` is the fact path from the subject (`school.region.city`; `as_of` for the in-force
    window; the conclusion's key for a derived fact), `label` its Chinese label from the fact
    schema, `expected` what the rule asks, `actual` the value seen (None: missing). A derived
    fact carries in `rules` the rules that draw (or fail to draw) it, down to the input facts.
    """

    kind: str  # when / jurisdiction / in_force / derived
    category: str  # place / date / condition
    condition: str
    path: str | None
    label: str | None
    expected: str | None
    actual: str | None
    result: Status
    file: str | None = None
    line: int | None = None
    rules: tuple["RuleNode", ...] = ()

    def leaves(self) -> tuple["Step", ...]:
        """The input-fact steps under this one (itself when it tests an input fact)."""
        if not self.rules:
            return (self,)
        return tuple(leaf for node in self.rules for step in node.conditions for leaf in step.leaves())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "category": self.category,
            "condition": self.condition,
            "path": self.path,
            "label": self.label,
            "expected": self.expected,
            "actual": self.actual,
            "result": self.result.value,
            "file": self.file,
            "line": self.line,
            "rules": [node.to_dict() for node in self.rules],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Step":
        return cls(
            kind=data["kind"],
            category=data["category"],
            condition=data["condition"],
            path=data["path"],
            label=data["label"],
            expected=data["expected"],
            actual=data["actual"],
            result=Status(data["result"]),
            file=data["file"],
            line=data["line"],
            rules=tuple(RuleNode.from_dict(node) for node in data["rules"]),
        )


@attrs.frozen
class RuleNode:
    """A rule in a trail: its status, the clause and quote it rests on, and its conditions
    (all that held when it applies, the failed ones when it does not, the missing ones when
    undetermined)."""

    rule_id: str
    title: str
    modality: str
    status: Status
    citations: tuple[Citation, ...]
    conditions: tuple[Step, ...]

    def leaves(self) -> tuple[Step, ...]:
        return tuple(leaf for step in self.conditions for leaf in step.leaves())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "modality": self.modality,
            "status": self.status.value,
            "citations": [citation.to_dict() for citation in self.citations],
            "conditions": [step.to_dict() for step in self.conditions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RuleNode":
        return cls(
            rule_id=data["rule_id"],
            title=data["title"],
            modality=data["modality"],
            status=Status(data["status"]),
            citations=tuple(Citation.from_dict(c) for c in data["citations"]),
            conditions=tuple(Step.from_dict(s) for s in data["conditions"]),
        )


@attrs.frozen
class Derivation:
    """How one finding was reached: the rule's tree for its subject."""

    subject: SubjectRef
    rule: RuleNode

    def to_dict(self) -> dict[str, Any]:
        return {"subject": _subject(self.subject), "rule": self.rule.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Derivation":
        return cls(SubjectRef(**data["subject"]), RuleNode.from_dict(data["rule"]))


@attrs.frozen
class WhyNot:
    """A rule that does not apply to a subject: every failed condition (under `rule`), and
    what excluded it — the categories of the failed input facts, in CATEGORIES order."""

    subject: SubjectRef
    rule: RuleNode
    excluded_by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"subject": _subject(self.subject), "rule": self.rule.to_dict(), "excluded_by": list(self.excluded_by)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WhyNot":
        return cls(SubjectRef(**data["subject"]), RuleNode.from_dict(data["rule"]), tuple(data["excluded_by"]))


@attrs.frozen
class MissingFact:
    """A fact whose value would decide undetermined rules: one line of the interview guide.

    `path` is from `subject` (as the rules test it); `holder` is the entity of the case that
    holds the field, where the case's links reach it (None: a link on the way is missing
    too — then the link is what to ask). `money_per_year` adds, once per benefit, the yearly
    CNY amounts of the entitlements waiting on it.
    """

    subject: SubjectRef
    path: str
    label: str | None
    holder: SubjectRef | None
    rules: tuple[str, ...]
    money_per_year: int | float

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": _subject(self.subject),
            "path": self.path,
            "label": self.label,
            "holder": None if self.holder is None else _subject(self.holder),
            "rules": list(self.rules),
            "money_per_year": self.money_per_year,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MissingFact":
        return cls(
            SubjectRef(**data["subject"]), data["path"], data["label"], _unsubject(data["holder"]), tuple(data["rules"]), data["money_per_year"]
        )


@attrs.frozen
class DocumentNotBinding:
    """A document of which no rule applies to anyone in the case, and why.

    `excluded_by` names the reasons over all its rules' outcomes (place, date, condition,
    undetermined, no_subject, no_rules); `checks` the distinct place and date checks that failed, with
    the value seen — what a caseworker needs to see that the law does not reach this case.
    """

    document: str
    number: str | None
    title: str
    date: str
    binds: tuple[tuple[str, str], ...]
    excluded_by: tuple[str, ...]
    checks: tuple[Step, ...]
    rules: int  # how many of its rules were tried

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "number": self.number,
            "title": self.title,
            "date": self.date,
            "binds": [{"level": level, "name": name} for level, name in self.binds],
            "excluded_by": list(self.excluded_by),
            "checks": [step.to_dict() for step in self.checks],
            "rules": self.rules,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DocumentNotBinding":
        return cls(
            document=data["document"],
            number=data["number"],
            title=data["title"],
            date=data["date"],
            binds=tuple((b["level"], b["name"]) for b in data["binds"]),
            excluded_by=tuple(data["excluded_by"]),
            checks=tuple(Step.from_dict(s) for s in data["checks"]),
            rules=data["rules"],
        )


@attrs.frozen
class Explanation:
    """Everything a decision explains: how, why not, what is missing, why nothing."""

    how: tuple[Derivation, ...] = ()
    why_not: tuple[WhyNot, ...] = ()
    missing: tuple[MissingFact, ...] = ()  # ranked: most rules decided first, then most money
    not_binding: tuple[DocumentNotBinding, ...] = ()

    def for_rule(self, rule_id: str) -> "Explanation":
        """Only the parts about one rule (the documents not binding are kept: they are the case's)."""
        return Explanation(
            how=tuple(d for d in self.how if d.rule.rule_id == rule_id),
            why_not=tuple(w for w in self.why_not if w.rule.rule_id == rule_id),
            missing=tuple(m for m in self.missing if rule_id in m.rules),
            not_binding=self.not_binding,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "how": [d.to_dict() for d in self.how],
            "why_not": [w.to_dict() for w in self.why_not],
            "missing": [m.to_dict() for m in self.missing],
            "not_binding": [n.to_dict() for n in self.not_binding],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Explanation":
        return cls(
            how=tuple(Derivation.from_dict(d) for d in data["how"]),
            why_not=tuple(WhyNot.from_dict(w) for w in data["why_not"]),
            missing=tuple(MissingFact.from_dict(m) for m in data["missing"]),
            not_binding=tuple(DocumentNotBinding.from_dict(n) for n in data["not_binding"]),
        )
