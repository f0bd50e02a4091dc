"""Compile rules into durable_rules ruleset definitions (stage 3 of 5).

durable_rules fires a rule only on a definite match, so conditions are put into negation
normal form first: `not (x == 1)` becomes `x != 1`, which — like every comparison in
durable_rules — does not match when x is absent. That is exactly three-valued truth: a
rule fires only when its condition is true, never when it is false or unknown.

Each rule matches one subject's flat fact (`f`); every derived fact it requires is a join
on a `_derived` fact about the same subject, asserted by the deriving rule's action. That
is where forward chaining happens.
"""

from __future__ import annotations

from typing import Any

from . import conditions as c
from .model import Rule

DERIVED_KIND = "_derived"

_POSITIVE = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATED = {"==": "$neq", "!=": None, "<": "$gte", "<=": "$gt", ">": "$lte", ">=": "$lt"}


def _cmp(op: str | None, key: str, value: Any) -> dict[str, Any]:
    return {key: value} if op is None else {op: {key: value}}


def _compare(node: c.Compare, negated: bool) -> dict[str, Any]:
    if node.op in ("exists", "missing"):
        present = (node.op == "exists") != negated
        return {"$ex" if present else "$nex": {node.key: 1}}
    if node.op == "in":
        if negated:
            return {"$and": [_cmp("$neq", node.key, v) for v in node.value]}
        return {"$or": [_cmp(None, node.key, v) for v in node.value]}
    if node.op == "contains":
        return {node.key: not negated}
    table = _NEGATED if negated else _POSITIVE
    return _cmp(table[node.op], node.key, node.value)


def _window(node: c.Window) -> dict[str, Any]:
    parts = [{"$gte": {c.AS_OF: node.start_sure}}]
    if node.end_sure is not None:
        parts.append({"$lte": {c.AS_OF: node.end_sure}})
    return {"$and": parts}


def expression(node: c.Node, negated: bool = False) -> dict[str, Any]:
    """The durable_rules match expression that holds exactly when `node` is true (or false, negated)."""
    if isinstance(node, c.Compare):
        return _compare(node, negated)
    if isinstance(node, c.Not):
        return expression(node.item, not negated)
    if isinstance(node, (c.AllOf, c.AnyOf)):
        conjunctive = isinstance(node, c.AllOf) != negated
        return {"$and" if conjunctive else "$or": [expression(item, negated) for item in node.items]}
    if isinstance(node, c.Window):
        if negated:
            raise AssertionError("in-force windows are never negated")
        return _window(node)
    raise AssertionError(f"{type(node).__name__} cannot be a single-fact expression")


def compile_rule(rule: Rule) -> dict[str, Any]:
    """The durable_rules definition of one rule (the caller attaches its action as `run`)."""
    assert isinstance(rule.condition, c.AllOf)
    own = [item for item in rule.condition.items if not isinstance(item, c.Derived)]
    # A join needs distinct facts per alias, so each derived fact is joined once.
    needed = list(dict.fromkeys(item.key for item in rule.condition.items if isinstance(item, c.Derived)))
    terms: list[dict[str, Any]] = [{"f": {"$and": [{"_kind": rule.subject}, *(expression(n) for n in own)]}}]
    for position, key in enumerate(needed):
        terms.append(
            {f"d{position}": {"$and": [{"_kind": DERIVED_KIND}, {"_name": key}, {"_subject": {"f": "_eid"}}]}}
        )
    return {"all": terms}


def derived_fact(key: str, subject_id: str, rule_index: int) -> dict[str, Any]:
    return {"_kind": DERIVED_KIND, "_name": key, "_subject": subject_id, "_rule": rule_index}
