"""Building a decision's explanation from its outcomes, once, while the case is at hand.

The explainer (explain.py) already leaves, on every outcome, the checks that decided it —
with the rules behind each derived fact. This module only reshapes them for people: each
check gets its category (place / date / condition), its Chinese label and the rule's clause
and quote; undetermined outcomes are turned round into the facts they wait for; documents
that give nothing are named with the place or date check that kept them out. Nothing here
evaluates a condition again, so the explanation cannot disagree with the decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ..case import Case
from ..explain import Check, Status
from ..factschema import FactSchema, FieldSpec, ValueProblem
from ..model import Document, Rule, SubjectRef
from .model import (
    CATEGORIES,
    DATE,
    NO_RULES,
    NO_SUBJECT,
    PLACE,
    UNDETERMINED,
    Derivation,
    DocumentNotBinding,
    Explanation,
    MissingFact,
    RuleNode,
    Step,
    WhyNot,
    category,
)

class Decided(Protocol):
    """An outcome as the builder reads it (decision.Outcome)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def subject(self) -> SubjectRef: ...
    @property
    def status(self) -> Status: ...
    @property
    def checks(self) -> tuple[Check, ...]: ...


_SHARED_STEPS = 50_000
"""Leaf steps kept for reuse per rulebook, a bound on memory. The first ones seen are kept
(the checks that recur most, a document's window or city, come early); past the bound a
step is made anew each time, as without the memo. Clearing the memo when full instead was
measured slower (3.15 against 2.86 ms per explained case)."""


class Builder:
    """Explanations for one rulebook: its rules and schema, made once, and the steps of
    the checks it has seen.

    The explainer shares leaf checks (one per rule condition and value seen, frozen), and a
    leaf check's step depends only on the check and its subject type: each is made once and
    kept (with its check, so the key stays valid), up to _SHARED_STEPS of them.
    """

    def __init__(self, rules: Sequence[Rule], schema: FactSchema) -> None:
        self._rules = {rule.id: rule for rule in rules}
        self._documents_with_rules = {rule.document.key for rule in rules}
        self.schema = schema
        self._fields: dict[tuple[str, str], FieldSpec | None] = {}
        self._steps: dict[tuple[str, int], tuple[Check, Step]] = {}

    def rule(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    # -------------------------------------------------------------- checks → steps

    def step(self, subject: str, check: Check) -> Step:
        """A check as a step of a trail; a derived fact's producing rules become nodes."""
        if check.because:
            return self._step(subject, check)
        key = (subject, id(check))
        known = self._steps.get(key)
        if known is None:
            known = (check, self._step(subject, check))
            if len(self._steps) < _SHARED_STEPS:
                self._steps[key] = known
        return known[1]

    def _step(self, subject: str, check: Check) -> Step:
        nodes = tuple(self.node(subject, c.rule, c.result, c.because) for c in check.because if c.rule is not None)
        return Step(
            kind=check.kind,
            category=self.category(subject, check),
            condition=check.condition,
            path=check.path,
            label=self.label(subject, check),
            expected=check.expected,
            actual=check.actual,
            result=check.result,
            file=check.file,
            line=check.line,
            rules=nodes,
        )

    def node(self, subject: str, rule_id: str, status: Status, checks: Iterable[Check]) -> RuleNode:
        rule = self.rule(rule_id)
        return RuleNode(rule.id, rule.title, rule.modality, status, rule.citations, tuple(self.step(subject, c) for c in checks))

    def category(self, subject: str, check: Check) -> str:
        field = None if check.kind in ("derived", "in_force") or check.path is None else self._field(subject, check.path)
        return category(check.kind, check.path, field is not None and field.type == "date")

    def label(self, subject: str, check: Check) -> str | None:
        if check.kind in ("derived", "in_force") or check.path is None:
            return None
        field = self._field(subject, check.path)
        return field.label if field is not None else None

    def _field(self, subject: str, path: str) -> FieldSpec | None:
        key = (subject, path)
        if key not in self._fields:
            self._fields[key] = self.schema.field_at(subject, path)
        return self._fields[key]

    # -------------------------------------------------------------- the four answers

    def explanation(
        self, case: Case, findings: Sequence[tuple[str, SubjectRef]], outcomes: Sequence[Decided], documents: Sequence[Document]
    ) -> Explanation:
        """The explanation of one evaluation of `case` (needs the checks: evaluate with explain=True)."""
        applied = {(rule_id, subject) for rule_id, subject in findings}
        how = tuple(
            Derivation(o.subject, self.node(o.subject.type, o.rule_id, o.status, o.checks))
            for o in outcomes
            if (o.rule_id, o.subject) in applied
        )
        why_not = tuple(self.why_not(o) for o in outcomes if o.status is Status.DOES_NOT_APPLY)
        missing = self.missing(case, [o for o in outcomes if o.status is Status.UNDETERMINED])
        return Explanation(how, why_not, missing, self.not_binding(findings, outcomes, documents, why_not))

    def why_not(self, outcome: Decided) -> WhyNot:
        node = self.node(outcome.subject.type, outcome.rule_id, outcome.status, outcome.checks)
        seen = {leaf.category for leaf in node.leaves() if leaf.result is Status.DOES_NOT_APPLY}
        return WhyNot(outcome.subject, node, tuple(c for c in CATEGORIES if c in seen))

    def missing(self, case: Case, undetermined: Sequence[Decided]) -> tuple[MissingFact, ...]:
        """The interview guide: each missing fact with the rules waiting on it, ranked by how
        many rules it would decide, then by the yearly money of those rules."""
        waiting: dict[tuple[SubjectRef, str], list[str]] = {}
        holders: dict[tuple[SubjectRef, str], SubjectRef | None] = {}
        asked: dict[tuple[SubjectRef, str], tuple[str, SubjectRef | None]] = {}  # many rules wait on one fact
        for outcome in undetermined:
            for check in outcome.checks:
                for leaf in check.leaves():
                    if leaf.result is not Status.UNDETERMINED or leaf.kind in ("rule", "derived", "in_force") or leaf.path is None:
                        continue
                    question = (outcome.subject, leaf.path)
                    if question not in asked:
                        asked[question] = self._ask(case, outcome.subject, leaf.path)
                    path, holder = asked[question]
                    key = (outcome.subject, path)
                    rules = waiting.setdefault(key, [])
                    if outcome.rule_id not in rules:
                        rules.append(outcome.rule_id)
                    holders[key] = holder
        lines = [
            MissingFact(subject, path, self._label_of(subject.type, path), holders[(subject, path)], tuple(rules), self._money(rules))
            for (subject, path), rules in waiting.items()
        ]
        lines.sort(key=lambda m: (-len(m.rules), -m.money_per_year, m.subject.type, m.subject.id, m.path))
        return tuple(lines)

    def _label_of(self, subject: str, path: str) -> str | None:
        field = self._field(subject, path)
        if field is not None:
            return field.label
        try:
            walked = self.schema.resolve(subject, path)[0]
        except ValueProblem:
            return None
        return walked[-1].label if walked else None

    def _ask(self, case: Case, subject: SubjectRef, path: str) -> tuple[str, SubjectRef | None]:
        """Which entity holds the field at `path`; where a link on the way is unknown, that
        link is the fact to ask for (and its entity the holder)."""
        current = case.get(subject.type, subject.id)
        steps = path.split(".")
        try:
            walked = self.schema.resolve(subject.type, path)[0]
        except ValueProblem:
            return path, None
        for position, (step, link) in enumerate(zip(steps[:-1], walked, strict=False)):
            if current is None:
                return path, None
            ref = current.fields.get(step)
            if ref is None:
                return ".".join(steps[: position + 1]), SubjectRef(current.type, current.id)
            current = case.get(link.entity or "", ref)
        return path, None if current is None else SubjectRef(current.type, current.id)

    def _money(self, rule_ids: Iterable[str]) -> int | float:
        """The yearly CNY the waiting entitlements would grant, each benefit (effect key) once
        at its highest amount: never adding one benefit twice, as the summary does."""
        by_benefit: dict[str, int | float] = {}
        for rule_id in rule_ids:
            rule = self.rule(rule_id)
            amount = rule.amount
            if rule.modality != "entitlement" or amount is None or amount.unit != "CNY" or not (amount.period or "").endswith("per_year"):
                continue
            by_benefit[rule.effect.key] = max(by_benefit.get(rule.effect.key, 0), amount.value)
        return sum(by_benefit.values())

    def not_binding(
        self, findings: Sequence[tuple[str, SubjectRef]], outcomes: Sequence[Decided], documents: Sequence[Document], why_not: Sequence[WhyNot]
    ) -> tuple[DocumentNotBinding, ...]:
        """Every document of which no rule applies to anyone, with the reasons and the place
        and date checks that kept it out."""
        giving = {self.rule(rule_id).document.key for rule_id, _ in findings}
        failed = {(w.rule.rule_id, w.subject): w for w in why_not}
        by_document: dict[str, list[Decided]] = {}
        for outcome in outcomes:
            by_document.setdefault(self.rule(outcome.rule_id).document.key, []).append(outcome)
        out = []
        for document in documents:
            if document.key in giving:
                continue
            tried = by_document.get(document.key, [])
            reasons: set[str] = set() if tried else {NO_SUBJECT if document.key in self._documents_with_rules else NO_RULES}
            checks: dict[tuple[str, str | None], Step] = {}
            for outcome in tried:
                if outcome.status is Status.UNDETERMINED:
                    reasons.add(UNDETERMINED)
                    continue
                entry = failed[(outcome.rule_id, outcome.subject)]
                reasons.update(entry.excluded_by)
                for leaf in entry.rule.leaves():
                    if leaf.result is Status.DOES_NOT_APPLY and leaf.category in (PLACE, DATE):
                        checks.setdefault((leaf.condition, leaf.actual), leaf)
            order = (*CATEGORIES, UNDETERMINED, NO_SUBJECT, NO_RULES)
            out.append(
                DocumentNotBinding(
                    document=document.key,
                    number=document.number,
                    title=document.title,
                    date=document.date,
                    binds=document.binds,
                    excluded_by=tuple(r for r in order if r in reasons),
                    checks=tuple(checks.values()),
                    rules=len({o.rule_id for o in tried}),
                )
            )
        return tuple(out)

