"""The derivation of a decision as a layered graph: input facts → derived facts → findings.

An auditor reading a report wants to see at a glance which facts of the case carried which
conclusions, and through which intermediate 认定 (a student recognised as 建档立卡 before the
国家助学金 follows). The explanation already holds that trail as trees (`Explanation.how`); this
module merges the trees into one graph — a fact or a derived rule used by several findings is
one node — and lays it out in columns left to right: input facts first, then each derived rule
one column after the deepest rule it rests on, then the findings. Positions are computed here,
so the template only draws boxes and curves (inline SVG, no script): the report stays one file
that opens anywhere, offline.
"""

from __future__ import annotations

import attrs

from ..explanation import Explanation, RuleNode, Step
from ..safetext import clip

COLUMN_WIDTH = 300
NODE_WIDTH = 240
NODE_HEIGHT = 44
ROW_GAP = 12
MARGIN = 16
HEADER = 28  # room for the column titles
# What fits in a box (13px CJK title, 11px detail); the whole text is the box's tooltip.
TITLE_CHARS = 17
DETAIL_CHARS = 21


@attrs.frozen
class Node:
    """A box: an input fact (`fact`), a derived fact (`derived`) or a finding (`finding`)."""

    key: str
    kind: str
    title: str  # first line: the fact and its value, or the rule's title
    detail: str  # second line: the rule and clause, or the fact path
    tooltip: str
    status: str  # applies / does_not_apply / undetermined: the colour
    column: int
    x: int = 0
    y: int = 0


@attrs.frozen
class Edge:
    source: str
    target: str
    path: str  # the SVG path of the curve


@attrs.frozen
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int
    columns: tuple[tuple[int, str], ...]  # (x, title) of each column


def derivation_graph(explanation: Explanation, column_titles: tuple[str, str, str]) -> Graph:
    """The graph of every finding's derivation; `column_titles` names facts, derived facts and
    findings in the reader's language."""
    nodes: dict[str, dict[str, object]] = {}
    edges: dict[tuple[str, str], None] = {}
    depth: dict[str, int] = {}

    def rule_key(node: RuleNode) -> str:
        return f"rule:{node.rule_id}"

    def visit_rule(node: RuleNode, kind: str) -> int:
        """Add a rule and everything under it; its depth (0 for facts, 1 + deepest below)."""
        key = rule_key(node)
        below = 0
        for step in node.conditions:
            below = max(below, visit_step(step, key))
        level = below + 1
        depth[key] = max(depth.get(key, 0), level)
        citation = node.citations[0] if node.citations else None
        clause = f"{citation.number or citation.title} {citation.clause}" if citation else ""
        existing = nodes.get(key)
        # A rule shown as a finding and also drawn on by another finding stays one node: derived.
        if existing is None or existing["kind"] == "finding":
            nodes[key] = {
                "kind": "derived" if kind == "derived" or (existing is not None) else kind,
                "title": node.title,
                "detail": f"{clause} · {node.rule_id.rsplit('/', 1)[-1]}",
                "tooltip": f"{node.rule_id}\n{clause}\n{node.title}",
                "status": node.status.value,
            }
        return level

    def visit_step(step: Step, parent: str) -> int:
        if step.kind == "in_force":  # the same day for every rule: said once above the graph, not drawn
            return 0
        if step.rules:
            level = 0
            for child in step.rules:
                level = max(level, visit_rule(child, "derived"))
                edges[(rule_key(child), parent)] = None
            return level
        key = f"fact:{step.path or step.condition}={step.actual}"
        label = step.label or step.path or step.condition
        seen = "缺失" if step.actual is None else clip(step.actual)
        nodes.setdefault(
            key,
            {
                "kind": "fact",
                "title": f"{label} = {seen}",
                "detail": step.path or step.condition,
                "tooltip": f"{step.condition}\n{label}: {seen}",
                "status": step.result.value,
            },
        )
        depth[key] = 0
        edges[(key, parent)] = None
        return 0

    for derivation in explanation.how:
        visit_rule(derivation.rule, "finding")
    # Findings in the last column; derived rules by depth in between; facts first.
    last = max((depth[k] for k, n in nodes.items() if n["kind"] != "finding"), default=0) + 1
    columns: dict[int, list[str]] = {}
    for key, node in nodes.items():
        column = 0 if node["kind"] == "fact" else last if node["kind"] == "finding" else min(depth[key], last - 1)
        columns.setdefault(column, []).append(key)
    ordered = sorted(columns)
    index = {column: i for i, column in enumerate(ordered)}
    placed: dict[str, Node] = {}
    for column in ordered:
        for row, key in enumerate(columns[column]):
            node = nodes[key]
            placed[key] = Node(
                key=key,
                kind=str(node["kind"]),
                title=_short(str(node["title"]), TITLE_CHARS),
                detail=_short(str(node["detail"]), DETAIL_CHARS),
                tooltip=str(node["tooltip"]),
                status=str(node["status"]),
                column=index[column],
                x=MARGIN + index[column] * COLUMN_WIDTH,
                y=MARGIN + HEADER + row * (NODE_HEIGHT + ROW_GAP),
            )
    drawn = tuple(
        Edge(source, target, _curve(placed[source], placed[target])) for source, target in edges if source in placed and target in placed
    )
    rows = max((len(keys) for keys in columns.values()), default=0)
    kinds = ["fact"] + ["derived"] * (len(ordered) - 2) + ["finding"] if len(ordered) >= 2 else ["fact"]
    titles = {"fact": column_titles[0], "derived": column_titles[1], "finding": column_titles[2]}
    return Graph(
        nodes=tuple(placed.values()),
        edges=drawn,
        width=MARGIN * 2 + max(len(ordered), 1) * COLUMN_WIDTH - (COLUMN_WIDTH - NODE_WIDTH),
        height=MARGIN * 2 + HEADER + rows * (NODE_HEIGHT + ROW_GAP),
        columns=tuple((MARGIN + i * COLUMN_WIDTH, titles[kind]) for i, kind in enumerate(kinds)),
    )


def _short(text: str, width: int) -> str:
    """`text` cut to `width` display columns (a CJK character counts two), with … when cut."""
    out, used = [], 0
    for char in text:
        cost = 2 if ord(char) > 0x2E7F else 1
        if used + cost > width * 2 - 1:
            return "".join(out) + "…"
        out.append(char)
        used += cost
    return text


def _curve(source: Node, target: Node) -> str:
    """A horizontal S-curve from the right edge of `source` to the left edge of `target`."""
    x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT // 2
    x2, y2 = target.x, target.y + NODE_HEIGHT // 2
    bend = max((x2 - x1) // 2, 20)
    return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"

