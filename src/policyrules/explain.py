"""Three-valued evaluation of compiled conditions: why a rule did or did not apply.

durable_rules only reports matches. Auditors also need "does not apply, because …" and
"undetermined: this fact is missing", so the same condition nodes the engine was compiled
from are evaluated here over the same flat fact, with Kleene logic (unknown stays unknown
through and/or/not). Each outcome carries the leaf checks that decided it.
"""

from __future__ import annotations

import datetime as _dt
import enum
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


@attrs.frozen
class Check:
    """One leaf condition as evaluated for one subject."""

    kind: str  # when / jurisdiction / in_force / threshold
    condition: str  # e.g. "school.level == secondary_vocational" (prefixed "not " when negated)
    actual: str | None  # the fact's value as shown to an auditor; None when the fact is missing
    result: Status
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "condition": self.condition,
            "actual": self.actual,
            "result": self.result.value,
            "file": self.file,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Check":
        return cls(data["kind"], data["condition"], data["actual"], Status(data["result"]), data["file"], data["line"])


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "==":
        return bool(actual == expected)
    if op == "!=":
        return bool(actual != expected)
    if op == "<":
        return bool(actual < expected)
    if op == "<=":
        return bool(actual <= expected)
    if op == ">":
        return bool(actual > expected)
    if op == ">=":
        return bool(actual >= expected)
    if op == "in":
        return actual in expected
    if op == "contains":
        return bool(actual is True)
    raise AssertionError(op)


def _leaf(node: c.Compare, fact: Mapping[str, Any]) -> tuple[Status, str | None]:
    present = node.key in fact
    actual = fact.get(node.key)
    shown = _show(node, actual) if present else None
    if node.op == "exists":
        return (T if present else F), shown
    if node.op == "missing":
        return (F if present else T), shown
    if not present:
        return U, None
    return (T if _compare(node.op, actual, node.value) else F), shown


def _show(node: c.Compare, actual: Any) -> str:
    if node.ftype == "date" and isinstance(actual, int):
        return _dt.date.fromordinal(actual).isoformat()
    if node.op == "contains":
        return f"{'contains' if actual else 'does not contain'} {node.shown}"
    return display(actual)


def _window(node: c.Window, as_of: int) -> Status:
    if as_of <= node.start_out or (node.end_out is not None and as_of >= node.end_out):
        return F
    if as_of >= node.start_sure and (node.end_sure is None or as_of <= node.end_sure):
        return T
    return U


DerivedLookup = Callable[[str], Status]


def evaluate(node: c.Node, fact: Mapping[str, Any], derived: DerivedLookup, negated: bool = False) -> tuple[Status, tuple[Check, ...]]:
    """(status, the checks that decided it). Unknown only where a needed fact is missing."""
    if isinstance(node, c.AllOf) or isinstance(node, c.AnyOf):
        results = [evaluate(item, fact, derived, negated) for item in node.items]
        decisive = F if isinstance(node, c.AllOf) else T
        for wanted in (decisive, U):
            blamed = tuple(check for status, checks in results if status is wanted for check in checks)
            if blamed:
                return wanted, blamed
        other = T if decisive is F else F
        return other, tuple(check for _, checks in results for check in checks)
    if isinstance(node, c.Not):
        status, checks = evaluate(node.item, fact, derived, not negated)
        return {T: F, F: T, U: U}[status], checks
    prefix = "not " if negated else ""
    if isinstance(node, c.Window):
        as_of = fact[c.AS_OF]
        status = _window(node, as_of)
        shown = _dt.date.fromordinal(as_of).isoformat()
        return status, (Check("in_force", prefix + node.text(), shown, status, node.origin.file, node.origin.line),)
    if isinstance(node, c.Derived):
        status = derived(node.key)
        return status, (Check("derived", prefix + node.text(), None, status, node.origin.file, node.origin.line),)
    status, shown = _leaf(node, fact)
    outward = {T: F, F: T, U: U}[status] if negated else status
    return status, (Check(node.origin.kind, prefix + node.text(), shown, outward, node.origin.file, node.origin.line),)
