"""The one compiled form of a rule's conditions: typed nodes.

Both consumers read these nodes and nothing else: the durable_rules compiler turns them
into match expressions, the explainer evaluates them three-valued. Because neither
re-reads the YAML, the two cannot drift apart in what a condition means; a property test
checks they also agree in what they decide.
"""

from __future__ import annotations

from typing import Any, Union

import attrs

ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
PRESENCE_OPS = frozenset({"exists", "missing"})

AS_OF = "_as_of"
"""Pseudo-path of the evaluation date in flat facts (never a field of the fact schema)."""

AS_OF_PATH = "as_of"
"""How explanations name the evaluation date as a fact path (the case's `as_of`)."""


@attrs.frozen
class Origin:
    """Where a node came from, so a why-not can point at the rule file."""

    kind: str  # "when", "jurisdiction", "in_force", "threshold"
    file: str | None = None
    line: int | None = None


@attrs.frozen
class Compare:
    """`<path> <op> <value>` on one field reached from the subject.

    `key` is the name of the value in the subject's flat fact; `value` is already encoded
    the way flat facts encode it (dates as ordinals, decimals as floats, lists as a tuple
    for `in`), so both consumers compare the same representation.
    """

    path: str
    op: str
    key: str
    value: Any
    ftype: str
    shown: str  # the value as the rule author wrote it, for explanations
    origin: Origin
    _text: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Explanations quote every condition of every rule for every case: format once.
        text = f"{self.path} {self.op}" if self.op in PRESENCE_OPS else f"{self.path} {self.op} {self.shown}"
        object.__setattr__(self, "_text", text)

    def text(self) -> str:
        return self._text


@attrs.frozen
class Window:
    """When the rule is in force, as day ordinals, allowing for imprecise dates.

    A date known only to the year ("2019") leaves a span in which the answer is
    undetermined. `start_sure`: from this day the rule is surely in force; `start_out`: on
    or before this day it surely is not. `end_sure`/`end_out` likewise for the end (None:
    no known end, as the documents mostly give none).
    """

    start_sure: int
    start_out: int
    end_sure: int | None
    end_out: int | None
    shown: str
    origin: Origin

    def text(self) -> str:
        return f"in force {self.shown}"


@attrs.frozen
class Derived:
    """True when a `derived` rule with this key applies to the same subject."""

    key: str
    origin: Origin

    def text(self) -> str:
        return f"derived {self.key}"


@attrs.frozen
class AllOf:
    items: tuple["Node", ...]


@attrs.frozen
class AnyOf:
    items: tuple["Node", ...]


@attrs.frozen
class Not:
    item: "Node"


Node = Union[Compare, Window, Derived, AllOf, AnyOf, Not]
Leaf = Union[Compare, Window, Derived]


def leaves(node: Node) -> list[Leaf]:
    """Every leaf under a node, in order."""
    if isinstance(node, (AllOf, AnyOf)):
        return [leaf for item in node.items for leaf in leaves(item)]
    if isinstance(node, Not):
        return leaves(node.item)
    return [node]
