"""What would change it: the smallest set of fact changes that makes a benefit apply.

A caseworker whose student is refused a grant asks "what would have to be different?". The
answer is searched, not guessed: the conditions of the rule (and of the rules that draw the
facts it chains on) that do not hold yet each suggest the value that would make them hold;
sets of these changes are tried smallest first on the subject's flat fact with the same
three-valued evaluator the decision used, and the first set that makes the rule apply is
checked once more by evaluating the changed case through the engine. So a proposal is
minimal (no smaller set among the conditions' own values works) and valid (applying it makes
the rule apply).

The law makes some facts unchangeable for a person: where the school or household is (the
place a document binds, a region flag) and the date. Those are never proposed unless the
caller allows them (`allow=("place",)`, `allow=("date",)`). A search re-evaluates the case,
so it is done on request only, never in every evaluate.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .. import conditions as c
from ..case import flat_fact, parse_case
from ..errors import EvaluationError
from ..explain import Status, compile_truth
from ..factschema import FactSchema, display
from ..model import Rule, SubjectRef
from ..summary import BENEFIT_MODALITIES
from .model import CONDITION, DATE
from .model import category as category_of

if TYPE_CHECKING:
    from ..api import Rulebook
    from ..decision import Decision

_REMOVE = object()  # the change makes a fact unknown (a `missing` condition)
MAX_CHANGES = 3  # beyond three changes a proposal stops being an answer a caseworker can use


@attrs.frozen
class Change:
    """One fact changed: the path from the subject, its label, what it was and what it would be."""

    path: str
    label: str | None
    category: str  # place / date / condition
    before: str | None  # None: unknown in the case
    after: str | None  # None: made unknown

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Counterfactual:
    """The smallest set of changes that makes `rule_id` apply to `subject`, re-evaluated."""

    rule_id: str
    subject: SubjectRef
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "changes": [change.to_dict() for change in self.changes],
        }


@attrs.frozen
class _Edit:
    key: str  # the flat fact's key (c.AS_OF for the date)
    value: Any  # encoded as the flat fact holds it, or _REMOVE
    node: c.Compare | c.Window
    change: Change


def counterfactual(
    book: "Rulebook",
    decision: "Decision",
    rule_id: str,
    subject: str | None = None,
    allow: Iterable[str] = (),
    max_changes: int = MAX_CHANGES,
) -> Counterfactual | None:
    """The smallest change that makes a benefit (entitlement or priority) apply, or None when
    none of at most `max_changes` changes to allowed facts does.

    `subject` picks the entity by id when the rule was tried on several; `allow` lets the
    search change place or date facts too.
    """
    rule = book.rule(rule_id)
    if rule.modality not in BENEFIT_MODALITIES:
        raise EvaluationError(f"a counterfactual is asked of a benefit (entitlement or priority); {rule_id} is a {rule.modality}")
    facts = decision.facts
    if facts is None:
        raise EvaluationError("the decision holds no facts to change (a format 1 record)")
    allowed = {CONDITION, *allow}
    case = parse_case(facts, book.schema)
    for outcome in decision.why_not(rule_id):
        if outcome.status is Status.APPLIES or (subject is not None and outcome.subject.id != subject):
            continue
        entity = case.get(outcome.subject.type, outcome.subject.id)
        assert entity is not None
        fact = flat_fact(case, entity, book.fact_plan(entity.type), decision.as_of)
        edits = _edits(book, rule, fact, allowed)
        for size in range(1, max_changes + 1):
            for combo in itertools.combinations(edits, size):
                if len({edit.key for edit in combo}) < size:
                    continue
                if book.rule_status(rule, _applied(fact, combo)) is Status.APPLIES and _verified(book, decision, outcome.subject, rule, combo):
                    return Counterfactual(rule.id, outcome.subject, tuple(edit.change for edit in combo))
    return None


def _applied(fact: Mapping[str, Any], edits: Iterable[_Edit]) -> dict[str, Any]:
    trial = dict(fact)
    for edit in edits:
        if edit.value is _REMOVE:
            trial.pop(edit.key, None)
        else:
            trial[edit.key] = edit.value
    return trial


def _edits(book: "Rulebook", rule: Rule, fact: Mapping[str, Any], allowed: set[str]) -> list[_Edit]:
    """Every change that makes one not-yet-holding condition hold, in the rule's order; the
    conditions of the rules drawing a derived fact it needs count as its own."""
    out: list[_Edit] = []
    seen_rules: set[int] = set()

    def walk(node: c.Node, want: bool, subject: str) -> None:
        if isinstance(node, (c.AllOf, c.AnyOf)):
            for item in node.items:
                walk(item, want, subject)
        elif isinstance(node, c.Not):
            walk(node.item, not want, subject)
        elif isinstance(node, c.Derived):
            if want:  # a conclusion made to hold through any rule that draws it
                for producer in book.producers(subject, node.key):
                    if producer.index not in seen_rules:
                        seen_rules.add(producer.index)
                        walk(producer.condition, True, subject)
        elif isinstance(node, c.Window):
            if want and DATE in allowed and compile_truth(node)(fact, _no_derived) is not Status.APPLIES:
                day = _dt.date.fromordinal(node.start_sure).isoformat()
                before = _dt.date.fromordinal(fact[c.AS_OF]).isoformat()
                out.append(_Edit(c.AS_OF, node.start_sure, node, Change(c.AS_OF_PATH, None, DATE, before, day)))
        else:
            holds = compile_truth(node)(fact, _no_derived)
            if holds is (Status.APPLIES if want else Status.DOES_NOT_APPLY):
                return
            category = category_of(node.origin.kind, node.path, node.ftype == "date")
            if category not in allowed:
                return
            for value in _values(book.schema, subject, node, want):
                label = _label(book.schema, subject, node.path)
                before = _shown(node, fact[node.key]) if node.key in fact else None
                after = None if value is _REMOVE else _shown(node, value)
                out.append(_Edit(node.key, value, node, Change(node.path, label, category, before, after)))

    walk(rule.condition, True, rule.subject)
    return out


def _label(schema: FactSchema, subject: str, path: str) -> str | None:
    field = schema.resolve(subject, path)[1]
    return field.label if field is not None else None


def _values(schema: FactSchema, subject: str, node: c.Compare, want: bool) -> list[Any]:
    """Values (encoded as the flat fact holds them) that make the comparison come out `want`."""
    op = node.op
    if op == "contains":
        return [want]
    if op in ("exists", "missing"):
        return [_REMOVE] if (op == "missing") == want else []  # no value to invent for `exists`
    if op in ("==", "!="):
        if (op == "==") == want:
            return [node.value]
        return _other_than(schema, subject, node)
    if op == "in":
        return [node.value[0]] if want and node.value else []
    step = 1 if isinstance(node.value, int) else 0.01
    bound = {">=": node.value, ">": node.value + step, "<=": node.value, "<": node.value - step}
    flipped = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
    return [bound[op if want else flipped[op]]]


def _other_than(schema: FactSchema, subject: str, node: c.Compare) -> list[Any]:
    if isinstance(node.value, bool):
        return [not node.value]
    field = schema.resolve(subject, node.path)[1]
    others = [key for key in (field.value_keys() if field else ()) if key != node.value]
    return others[:1]


def _shown(node: c.Compare, value: Any) -> str:
    if node.ftype == "date" and isinstance(value, int):
        return _dt.date.fromordinal(value).isoformat()
    return display(value)


def _no_derived(key: str) -> Status:
    raise AssertionError("a comparison never looks up a derived fact")


def _verified(book: "Rulebook", decision: "Decision", subject: SubjectRef, rule: Rule, edits: Iterable[_Edit]) -> bool:
    """The changes written into the case itself and the case evaluated again, engine and all:
    the proposal stands only if the rule then applies to the subject."""
    facts = decision.facts
    assert facts is not None
    as_of = decision.as_of
    features = {feature.key: feature for feature in book.data.features.get(subject.type, ())}
    for edit in edits:
        if edit.key == c.AS_OF:
            as_of = _dt.date.fromordinal(edit.value)
            continue
        feature = features[edit.key]
        record = _record(facts, subject.type, subject.id)
        for step, target in zip(feature.steps[:-1], feature.targets, strict=True):
            ref = None if record is None else record.get(step)
            record = None if ref is None else _record(facts, target, ref)
        if record is None:
            return False  # a link on the way is unknown: nothing to change
        name = feature.steps[-1]
        if feature.member is not None:
            members = set(record.get(name) or ())
            members = members | {feature.member} if edit.value else members - {feature.member}
            record[name] = sorted(members)
        elif edit.value is _REMOVE:
            record.pop(name, None)
        else:
            field = book.schema.resolve(subject.type, feature.path)[1]
            yearly = bool(field is not None and field.yearly)
            record[name] = _case_value(edit.node, edit.value, record.get(name), as_of, yearly)
    case: dict[str, Any] = dict(facts)
    again = book.evaluate(case, as_of=as_of, explain=False)
    return any(f.rule_id == rule.id and f.subject == subject for f in again.findings)


def _record(facts: Mapping[str, Any], type_: str, ident: str) -> dict[str, Any] | None:
    return next((record for record in facts.get(type_, ()) if record["id"] == ident), None)


def _case_value(node: c.Compare | c.Window, value: Any, old: Any, as_of: _dt.date, yearly: bool) -> Any:
    """The flat fact's encoded value as a case writes it (dates as text; a yearly figure for
    the as_of year, keeping the other years)."""
    if isinstance(node, c.Compare) and node.ftype == "date" and isinstance(value, int):
        value = _dt.date.fromordinal(value).isoformat()
    if yearly:
        return {**(old if isinstance(old, dict) else {}), str(as_of.year): value}
    return value
