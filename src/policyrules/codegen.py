"""The condition IR as plain Python: every rule's three-valued status in one generated function.

The explainer (explain.py) evaluates a rule's condition nodes through a tree of closures,
which is what it needs to collect checks. A decision's statuses need no checks, so for them
the same nodes are written out once, at load time, as the source of one Python function per
subject type: each fact value the rules read is fetched once, each condition becomes an
expression, and the function returns the status of every rule of that subject type, in
rulebook order. Derived facts are rules like any other: a rule is written after the rules
that draw the facts it joins on (the loader refuses cycles).

Statuses are small integers while the function runs — 0 does not apply, 1 undetermined,
3 applies (the bits 0b00, 0b01, 0b11) — so Kleene logic is bitwise: `all` is `&` (the
minimum), `any` is `|` (the maximum), `not` looks its value up in `NOT`, and a derived
fact holds with the best status of the rules that draw it. Operators on small integers
cost a fraction of a call to min() or max(), and a rulebook's rules make hundreds of them
per case. Each distinct comparison (a document's in-force window, its city) is computed
once per call, however many rules test it. A comparison on a missing value is 1;
otherwise it compares exactly as the explainer does (`explain._compile_leaf`). A property
test and `Rulebook.evaluate` (which compares the engine's firings with these statuses on
every case) keep the two from drifting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import conditions as c
from .explain import Status
from .model import Rule

STATUSES = (Status.DOES_NOT_APPLY, Status.UNDETERMINED, None, Status.APPLIES)
"""The Status of each generated integer (2 never occurs)."""
APPLIES = 3
"""The generated integer of Status.APPLIES."""
NOT = (3, 1, 1, 0)
"""Kleene negation of each generated integer."""

StatusFunction = Callable[[Mapping[str, Any]], tuple[int, ...]]

_PYTHON_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Writer:
    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self.values: dict[str, str] = {}  # flat-fact key -> local variable
        self.lines: list[str] = []
        # Many rules test the same thing (a document's in-force window, its city): each
        # distinct comparison is computed once, into a local, and `pending` holds the lines
        # computing those a rule uses first, to be written before the rule.
        self.leaves: dict[Any, str] = {}
        self.pending: list[str] = []

    def leaf(self, identity: Any, text: str) -> str:
        if identity not in self.leaves:
            name = self.leaves[identity] = f"t{len(self.leaves)}"
            self.pending.append(f"    {name} = {text}")
        return self.leaves[identity]

    def constant(self, value: Any) -> str:
        name = f"C{len(self.constants)}"
        self.constants[name] = value
        return name

    def value(self, key: str) -> str:
        if key not in self.values:
            name = f"v{len(self.values)}"
            self.values[key] = name
            self.lines.insert(len(self.values) - 1, f"    {name} = get({self.constant(key)}, MISSING)")
        return self.values[key]

    def expression(self, node: c.Node, derived: Mapping[str, str]) -> str:
        if isinstance(node, c.AllOf) or isinstance(node, c.AnyOf):
            parts = [self.expression(item, derived) for item in node.items]
            if not parts:
                return "3" if isinstance(node, c.AllOf) else "0"
            if len(parts) == 1:
                return parts[0]
            return "(" + (" & " if isinstance(node, c.AllOf) else " | ").join(parts) + ")"
        if isinstance(node, c.Not):
            return f"NOT[{self.expression(node.item, derived)}]"
        if isinstance(node, c.Window):
            out = f"a <= {node.start_out}" + (f" or a >= {node.end_out}" if node.end_out is not None else "")
            sure = f"a >= {node.start_sure}" + (f" and a <= {node.end_sure}" if node.end_sure is not None else "")
            text = f"0 if {out} else 3 if {sure} else 1"
            return self.leaf(text, text)
        if isinstance(node, c.Derived):
            return derived[node.key]
        assert isinstance(node, c.Compare)
        identity = (node.op, node.key, repr(node.value))
        if identity in self.leaves:
            return self.leaves[identity]
        v = self.value(node.key)
        if node.op == "exists":
            return self.leaf(identity, f"0 if {v} is MISSING else 3")
        if node.op == "missing":
            return self.leaf(identity, f"3 if {v} is MISSING else 0")
        if node.op == "contains":  # the flat fact holds membership as a bool
            test = f"{v} is True"
        elif node.op == "in":
            test = f"{v} in {self.constant(node.value)}"
        else:
            test = f"{v} {_PYTHON_OPS[node.op]} {self.constant(node.value)}"
        return self.leaf(identity, f"1 if {v} is MISSING else 3 if {test} else 0")


def _ordered(rules: Sequence[Rule]) -> list[Rule]:
    """The rules, each after the rules drawing the derived facts it joins on."""
    producers: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.derived:
            producers.setdefault(rule.effect.key, []).append(rule)
    done: set[int] = set()
    out: list[Rule] = []

    def visit(rule: Rule) -> None:
        if rule.index in done:
            return
        done.add(rule.index)
        for leaf in c.leaves(rule.condition):
            if isinstance(leaf, c.Derived):
                for producer in producers.get(leaf.key, ()):
                    visit(producer)
        out.append(rule)

    for rule in rules:
        visit(rule)
    return out


def source(rules: Sequence[Rule], name: str = "statuses") -> tuple[str, dict[str, Any]]:
    """The Python source of one function over a subject's flat fact, and its constants.

    `rules` are the rules of one subject type; the function returns their statuses (0, 1, 3:
    see STATUSES) in the order given.
    """
    writer = _Writer()
    producers: dict[str, list[str]] = {}
    body: list[str] = ["    a = fact[AS_OF]"]
    derived: dict[str, str] = {}
    for rule in _ordered(rules):
        for leaf in c.leaves(rule.condition):
            if isinstance(leaf, c.Derived) and leaf.key not in derived:
                drawn = producers.get(leaf.key, [])
                variable = f"d{len(derived)}"
                # A conclusion holds with the best status of the rules drawing it (none: it does not hold).
                body.append(f"    {variable} = {' | '.join(drawn) if drawn else '0'}")
                derived[leaf.key] = variable
        expression = writer.expression(rule.condition, derived)
        body.extend(writer.pending)
        writer.pending.clear()
        body.append(f"    r{rule.index} = {expression}")
        if rule.derived:
            producers.setdefault(rule.effect.key, []).append(f"r{rule.index}")
    result = ", ".join(f"r{rule.index}" for rule in rules)
    lines = [f"def {name}(fact):", "    get = fact.get", *writer.lines, *body, f"    return ({result}{',' if len(rules) == 1 else ''})"]
    return "\n".join(lines) + "\n", writer.constants


def compile_statuses(rules: Sequence[Rule], name: str = "statuses") -> StatusFunction:
    """The generated function itself (see `source`)."""
    text, constants = source(rules, name)
    namespace: dict[str, Any] = {**constants, "MISSING": _MISSING, "AS_OF": c.AS_OF, "NOT": NOT}
    exec(compile(text, f"<policyrules generated: {name}>", "exec"), namespace)  # noqa: S102 - our own source, from validated nodes
    return namespace[name]  # type: ignore[no-any-return]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()
