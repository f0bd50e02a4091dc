"""Can a condition ever be true? A small decision procedure over the condition IR.

Used to find rules that can never fire (contradictory conditions) and pairs of rules that
can apply to the same subject at once (conflicts). The answer errs on one side only: a
condition reported unsatisfiable surely is; one reported satisfiable may still be
unsatisfiable for reasons the procedure does not model (integer gaps, enum exhaustion,
geography). So lint never reports a false contradiction.

Conditions are put in negation normal form and expanded into a bounded disjunction of
conjunctions of leaves; a conjunction is consistent when, per fact key, its equalities,
exclusions, bounds and presence tests can all hold together. Every comparison implies the
value is present (durable_rules and the explainer agree: a comparison on an absent field
never matches).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .. import conditions as c

MAX_CONJUNCTIONS = 4096

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "exists": "missing", "missing": "exists"}

Literal = tuple[str, str, Any]  # (key, op, value); op "not in" for a negated `in`


def _nnf(node: c.Node, negated: bool, derived: Callable[[str], bool]) -> list[list[Literal]] | None:
    """Disjunction of conjunctions, or None when too large to expand."""
    if isinstance(node, c.Compare):
        op = node.op
        if op == "contains":  # membership is a boolean feature
            return [[(node.key, "==", not negated)]]
        if negated:
            op = "not in" if op == "in" else _NEGATE[op]
        return [[(node.key, op, node.value)]]
    if isinstance(node, c.Window):
        literals: list[Literal] = [(c.AS_OF, ">=", node.start_sure)]
        if node.end_sure is not None:
            literals.append((c.AS_OF, "<=", node.end_sure))
        return [literals]
    if isinstance(node, c.Derived):
        return [[]] if derived(node.key) else []
    if isinstance(node, c.Not):
        return _nnf(node.item, not negated, derived)
    conjunctive = isinstance(node, c.AllOf) != negated
    parts = [_nnf(item, negated, derived) for item in node.items]  # type: ignore[union-attr]
    if any(p is None for p in parts):
        return None
    if not conjunctive:
        return [conj for part in parts for conj in part]  # type: ignore[union-attr]
    out: list[list[Literal]] = [[]]
    for part in parts:
        assert part is not None
        if len(out) * len(part) > MAX_CONJUNCTIONS:
            return None
        out = [a + b for a, b in itertools.product(out, part)]
    return out


def _consistent(literals: list[Literal]) -> bool:
    by_key: dict[str, list[tuple[str, Any]]] = {}
    for key, op, value in literals:
        by_key.setdefault(key, []).append((op, value))
    return all(_key_consistent(tests) for tests in by_key.values())


def _key_consistent(tests: list[tuple[str, Any]]) -> bool:
    ops = {op for op, _ in tests}
    if "missing" in ops:
        return ops == {"missing"}
    allowed: set[Any] | None = None
    excluded: set[Any] = set()
    low, high = None, None  # (value, strict)
    for op, value in tests:
        if op == "==":
            allowed = {value} if allowed is None else allowed & {value}
        elif op == "in":
            allowed = set(value) if allowed is None else allowed & set(value)
        elif op == "!=":
            excluded.add(value)
        elif op == "not in":
            excluded.update(value)
        elif op in (">", ">="):
            if low is None or value > low[0] or (value == low[0] and op == ">"):
                low = (value, op == ">")
        elif op in ("<", "<="):
            if high is None or value < high[0] or (value == high[0] and op == "<"):
                high = (value, op == "<")
    if low and high and (low[0] > high[0] or (low[0] == high[0] and (low[1] or high[1]))):
        return False
    if allowed is None:
        return True
    return any(_within(v, low, high) for v in allowed - excluded)


def _within(value: Any, low: tuple[Any, bool] | None, high: tuple[Any, bool] | None) -> bool:
    try:
        if low and (value < low[0] or (low[1] and value == low[0])):
            return False
        if high and (value > high[0] or (high[1] and value == high[0])):
            return False
    except TypeError:  # a bound on a non-ordered value never matches it
        return False
    return True


def satisfiable(node: c.Node, derived: Callable[[str], bool] = lambda key: True) -> bool:
    """False only when no facts can make `node` true. `derived(key)`: can that derived fact hold?"""
    expanded = _nnf(node, False, derived)
    if expanded is None:
        return True
    return any(_consistent(conj) for conj in expanded)
