"""Three-valued evaluation of compiled conditions: why a rule did or did not apply.

durable_rules only reports matches. Auditors also need "does not apply, because …" and
"undetermined: this fact is missing", so the same condition nodes the engine was compiled
from are evaluated here over the same flat fact, with Kleene logic (unknown stays unknown
through and/or/not). Each outcome carries the leaf checks that decided it.
"""

from __future__ import annotations

import datetime as _dt
import enum
import operator
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from . import conditions as c
from .factschema import display


class Status(str, enum.Enum):
    APPLIES = "applies"
    DOES_NOT_APPLY = "does_not_apply"
    UNDETERMINED = "undetermined"


T, F, U = Status.APPLIES, Status.DOES_NOT_APPLY, Status.UNDETERMINED
_FLIP = {T: F, F: T, U: U}


@attrs.frozen
class Check:
    """One leaf condition as evaluated for one subject.

    A `derived` check (a conclusion another rule draws) carries in `because` the checks
    that decided that rule, and so on down to the input facts: an auditor asking why a
    chained rule did not apply sees the failed or missing facts, not just the conclusion's
    name. Its `actual` is the conclusion's status, so a conclusion decided false is never
    shown as a missing fact.
    """

    kind: str  # when / jurisdiction / in_force / threshold / derived / rule (a rule deciding a derived fact)
    condition: str  # e.g. "school.level == secondary_vocational" (prefixed "not " when negated)
    actual: str | None  # the fact's value as shown to an auditor; None when the fact is missing
    result: Status
    file: str | None = None
    line: int | None = None
    because: tuple["Check", ...] = ()
    rule: str | None = None  # for a `rule` check: the rule that draws (or fails to draw) the conclusion
    # The fact path from the subject (`school.region.city`; `as_of` for the in-force window) and
    # the value the rule asks for as its author wrote it, so a reader need not parse `condition`.
    path: str | None = None
    expected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "condition": self.condition,
            "actual": self.actual,
            "result": self.result.value,
            "file": self.file,
            "line": self.line,
        }
        if self.path is not None:
            out["path"] = self.path
        if self.expected is not None:
            out["expected"] = self.expected
        if self.rule is not None or self.because:
            out["rule"] = self.rule
            out["because"] = [check.to_dict() for check in self.because]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Check":
        because = tuple(cls.from_dict(c) for c in data.get("because", ()))
        return cls(
            data["kind"], data["condition"], data["actual"], Status(data["result"]), data["file"], data["line"],
            because, data.get("rule"), data.get("path"), data.get("expected"),
        )

    def leaves(self) -> tuple["Check", ...]:
        """This check and every check under it, depth first."""
        return (self, *(leaf for check in self.because for leaf in check.leaves()))


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda actual, expected: actual in expected,
    "contains": lambda actual, expected: actual is True,  # the flat fact holds membership as a bool
}


def _show(node: c.Compare, actual: Any) -> str:
    if node.ftype == "date" and isinstance(actual, int):
        return _dt.date.fromordinal(actual).isoformat()
    if node.op == "contains":
        return f"{'contains' if actual else 'does not contain'} {node.shown}"
    return display(actual)


def _expected(node: c.Compare) -> str:
    """What the condition asks of the fact: the value itself for `==`, else the test."""
    if node.op in c.PRESENCE_OPS:
        return node.op
    return node.shown if node.op == "==" else f"{node.op} {node.shown}"


def _window(node: c.Window, as_of: int) -> Status:
    if as_of <= node.start_out or (node.end_out is not None and as_of >= node.end_out):
        return F
    if as_of >= node.start_sure and (node.end_sure is None or as_of <= node.end_sure):
        return T
    return U


_ABSENT = object()
_SHARED = 256
"""Distinct values per condition whose checks are kept and shared between cases (bounded)."""

DerivedLookup = Callable[[str], Status]
DerivedWhy = Callable[[str], tuple[Status, tuple[Check, ...]]]  # status of a conclusion and the checks of the rules that decide it

Explain = Callable[[Mapping[str, Any], DerivedWhy], tuple[Status, tuple[Check, ...]]]


def evaluate(node: c.Node, fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
    """(status, the checks that decided it). Unknown only where a needed fact is missing."""
    return compile_explain(node)(fact, derived)


def compile_explain(node: c.Node, negated: bool = False) -> Explain:
    """A function giving (status, the checks that decided it) for a flat fact.

    For a false `all` the checks are every failed item, for a true `any` every item that
    held, for an unknown result every item whose fact is missing. Under `not`, a check's
    result is reported as seen from outside the negation ("not x == 1": does not apply).
    Texts and locations are fixed here, once per rule, not per case.
    """
    if isinstance(node, (c.AllOf, c.AnyOf)):
        items = tuple(compile_explain(item, negated) for item in node.items)
        decisive = F if isinstance(node, c.AllOf) else T  # one false item decides an all, one true an any
        otherwise = _FLIP[decisive]

        def group(fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
            deciding: list[Check] = []
            unknown: list[Check] = []
            others: list[Check] = []
            for item in items:
                status, checks = item(fact, derived)
                (deciding if status is decisive else unknown if status is U else others).extend(checks)
            if deciding:
                return decisive, tuple(deciding)
            if unknown:
                return U, tuple(unknown)
            return otherwise, tuple(others)

        return group
    if isinstance(node, c.Not):
        inner = compile_explain(node.item, not negated)

        def negation(fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
            status, checks = inner(fact, derived)
            return _FLIP[status], checks

        return negation
    text = ("not " if negated else "") + node.text()
    file, line = node.origin.file, node.origin.line
    if isinstance(node, c.Window):
        window = node

        seen_days: dict[int, tuple[Status, tuple[Check, ...]]] = {}  # checks are frozen values: one per day

        def in_force(fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
            as_of = fact[c.AS_OF]
            known = seen_days.get(as_of)
            if known is None:
                status = _window(window, as_of)
                check = Check("in_force", text, _dt.date.fromordinal(as_of).isoformat(), status, file, line, path=c.AS_OF_PATH, expected=window.shown)
                known = status, (check,)
                if len(seen_days) < _SHARED:
                    seen_days[as_of] = known
            return known

        return in_force
    if isinstance(node, c.Derived):
        key = node.key

        def derived_fact(fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
            status, because = derived(key)
            return status, (Check("derived", text, status.value, status, file, line, because, path=key, expected=T.value),)

        return derived_fact
    compare, test, kind, key = node, _compile_leaf(node), node.origin.kind, node.key
    expected = ("not " if negated else "") + _expected(node)

    seen: dict[tuple[type, Any], tuple[Status, tuple[Check, ...]]] = {}  # per value seen (checks are frozen values)

    def leaf(fact: Mapping[str, Any], derived: DerivedWhy) -> tuple[Status, tuple[Check, ...]]:
        actual = fact.get(key, _ABSENT)
        memo = (actual.__class__, actual)  # the type too: True, 1 and 1.0 are shown differently
        try:
            known = seen.get(memo)
        except TypeError:  # an unhashable value: not shared
            memo, known = None, None
        if known is None:
            status = test(fact, _no_lookup)
            shown = None if actual is _ABSENT else _show(compare, actual)
            known = status, (Check(kind, text, shown, _FLIP[status] if negated else status, file, line, path=compare.path, expected=expected),)
            if memo is not None and len(seen) < _SHARED:
                seen[memo] = known
        return known

    return leaf


Truth = Callable[[Mapping[str, Any], DerivedLookup], Status]


def _no_lookup(key: str) -> Status:
    raise AssertionError("a comparison never looks up a derived fact")


def compile_truth(node: c.Node) -> Truth:
    """A function giving the status `evaluate` would give, without collecting checks.

    Built once per rule from the same nodes, so the fast path dispatches on node types at
    load time instead of for every case.
    """
    if isinstance(node, c.Compare):
        return _compile_leaf(node)
    if isinstance(node, (c.AllOf, c.AnyOf)):
        items = tuple(compile_truth(item) for item in node.items)
        decisive = F if isinstance(node, c.AllOf) else T  # one false item decides an all
        otherwise = _FLIP[decisive]

        def group(fact: Mapping[str, Any], derived: DerivedLookup) -> Status:
            unknown = False
            for item in items:
                status = item(fact, derived)
                if status is decisive:
                    return decisive
                if status is U:
                    unknown = True
            return U if unknown else otherwise

        return group
    if isinstance(node, c.Not):
        inner = compile_truth(node.item)
        return lambda fact, derived: _FLIP[inner(fact, derived)]
    if isinstance(node, c.Window):
        window = node
        return lambda fact, derived: _window(window, fact[c.AS_OF])
    key = node.key
    return lambda fact, derived: derived(key)


def _compile_leaf(node: c.Compare) -> Truth:
    key = node.key
    if node.op in c.PRESENCE_OPS:
        present, absent = (T, F) if node.op == "exists" else (F, T)
        return lambda fact, derived: present if key in fact else absent
    compare, expected = _COMPARE[node.op], node.value
    missing = object()

    def leaf(fact: Mapping[str, Any], derived: DerivedLookup) -> Status:
        actual = fact.get(key, missing)
        if actual is missing:
            return U
        return T if compare(actual, expected) else F

    return leaf
