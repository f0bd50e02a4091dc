"""The condition IR as plain Python: every rule's three-valued status in one generated function.

The explainer (explain.py) evaluates a rule's condition nodes through a tree of closures,
which is what it needs to collect checks. A decision's statuses need no checks, so for them
the same nodes are written out once, at load time, as the source of one Python function per
subject type: each fact value the rules read is fetched once, each condition becomes an
expression, and the function returns the status of every rule of that subject type, in
rulebook order. Derived facts are rules like any other: a rule is written after the rules
that draw the facts it joins on (the loader refuses cycles).

Statuses are small integers while the function runs — 0 does not apply, 1 undetermined,
2 applies — so Kleene logic is arithmetic: `all` is the minimum, `any` the maximum, `not`
is 2 - x, and a derived fact holds with the best status of the rules that draw it. A
comparison on a missing value is 1; otherwise it compares exactly as the explainer does
(`explain._compile_leaf`). A property test and `Rulebook.evaluate` (which compares the
engine's firings with these statuses on every case) keep the two from drifting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import conditions as c
from .explain import Status
from .model import Rule

STATUSES = (Status.DOES_NOT_APPLY, Status.UNDETERMINED, Status.APPLIES)
"""The Status of each generated integer."""

StatusFunction = Callable[[Mapping[str, Any]], tuple[int, ...]]

_PYTHON_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Writer:
    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self.values: dict[str, str] = {}  # flat-fact key -> local variable
        self.lines: list[str] = []

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
                return "2" if isinstance(node, c.AllOf) else "0"
            if len(parts) == 1:
                return parts[0]
            return f"{'min' if isinstance(node, c.AllOf) else 'max'}({', '.join(parts)})"
        if isinstance(node, c.Not):
            return f"(2 - {self.expression(node.item, derived)})"
        if isinstance(node, c.Window):
            out = f"a <= {node.start_out}" + (f" or a >= {node.end_out}" if node.end_out is not None else "")
            sure = f"a >= {node.start_sure}" + (f" and a <= {node.end_sure}" if node.end_sure is not None else "")
            return f"(0 if {out} else 2 if {sure} else 1)"
        if isinstance(node, c.Derived):
            return derived[node.key]
        assert isinstance(node, c.Compare)
        v = self.value(node.key)
        if node.op == "exists":
            return f"(0 if {v} is MISSING else 2)"
        if node.op == "missing":
            return f"(2 if {v} is MISSING else 0)"
        if node.op == "contains":  # the flat fact holds membership as a bool
            test = f"{v} is True"
        elif node.op == "in":
            test = f"{v} in {self.constant(node.value)}"
        else:
            test = f"{v} {_PYTHON_OPS[node.op]} {self.constant(node.value)}"
        return f"(1 if {v} is MISSING else 2 if {test} else 0)"


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

    `rules` are the rules of one subject type; the function returns their statuses (0, 1, 2)
    in the order given.
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
                body.append(f"    {variable} = {'max(' + ', '.join(drawn) + ')' if len(drawn) > 1 else drawn[0] if drawn else '0'}")
                derived[leaf.key] = variable
        body.append(f"    r{rule.index} = {writer.expression(rule.condition, derived)}")
        if rule.derived:
            producers.setdefault(rule.effect.key, []).append(f"r{rule.index}")
    result = ", ".join(f"r{rule.index}" for rule in rules)
    lines = [f"def {name}(fact):", "    get = fact.get", *writer.lines, *body, f"    return ({result}{',' if len(rules) == 1 else ''})"]
    return "\n".join(lines) + "\n", writer.constants


def compile_statuses(rules: Sequence[Rule], name: str = "statuses") -> StatusFunction:
    """The generated function itself (see `source`)."""
    text, constants = source(rules, name)
    namespace: dict[str, Any] = {**constants, "MISSING": _MISSING, "AS_OF": c.AS_OF, "min": min, "max": max}
    exec(compile(text, f"<policyrules generated: {name}>", "exec"), namespace)  # noqa: S102 - our own source, from validated nodes
    return namespace[name]  # type: ignore[no-any-return]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()
