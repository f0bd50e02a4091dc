"""policyrules lint: each check shown failing on a broken rulebook, and passing on the bundled one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MOE, anchor_item, line_of, make_rulebook, rule_file, rule_item, write_rule_file
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules import conditions as c
from policyrules.cli import main
from policyrules.lint import ERROR, WARNING, lint_path
from policyrules.lint.satisfiable import satisfiable

FULL = {"field": "full_time", "op": "==", "value": True}
PART = {"field": "full_time", "op": "==", "value": False}
OLD = {"field": "age", "op": ">=", "value": 18}
YOUNG = {"field": "age", "op": "<", "value": 16}


def _book(tmp_path: Path, *items: str, document: str = MOE, clause: str = "二、") -> Path:
    root = make_rulebook(tmp_path / "rules")
    write_rule_file(root, f"{document}/01.yaml", rule_file(document, clause, *items))
    return root


def _codes(root: Path) -> list[tuple[str, str, str | None]]:
    return [(m.severity, m.code, m.rule) for m in lint_path(root) if m.code != "unaccounted"]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        # contradictory conditions
        ([rule_item("syn/a", document=MOE, when={"all": [FULL, PART]})], [(ERROR, "never-applies", "syn/a")]),
        ([rule_item("syn/a", document=MOE, when={"all": [OLD, YOUNG]})], [(ERROR, "never-applies", "syn/a")]),
        ([rule_item("syn/a", document=MOE, when={"all": [FULL, {"not": FULL}]})], [(ERROR, "never-applies", "syn/a")]),
        ([rule_item("syn/a", document=MOE, when={"all": [{"field": "age", "op": "missing"}, OLD]})], [(ERROR, "never-applies", "syn/a")]),
        # a derived fact that can never hold makes its consumers dead too
        ([rule_item("syn/d", document=MOE, modality="derived", when={"all": [FULL, PART]}, effect_key="k"),
          rule_item("syn/use", document=MOE, when={"derived": "k"})],
         [(ERROR, "never-applies", "syn/d"), (ERROR, "never-applies", "syn/use")]),
        # satisfiable: nothing reported
        ([rule_item("syn/a", document=MOE, when={"any": [FULL, PART]})], []),
        ([rule_item("syn/a", document=MOE, when={"all": [OLD, {"not": YOUNG}]})], []),
        # the same effect, different amounts, jointly possible
        ([rule_item("syn/a", document=MOE, effect_key="grant", extra={"amount": {"value": 2000, "unit": "CNY"}}),
          rule_item("syn/b", document=MOE, effect_key="grant", extra={"amount": {"value": 3000, "unit": "CNY"}})],
         [(ERROR, "conflict", "syn/a")]),
        # ... unless one prevails
        ([rule_item("syn/a", document=MOE, effect_key="grant", extra={"amount": {"value": 2000, "unit": "CNY"}, "prevails_over": ["syn/b"]}),
          rule_item("syn/b", document=MOE, effect_key="grant", extra={"amount": {"value": 3000, "unit": "CNY"}})], []),
        # ... or the two can never apply to one subject together
        ([rule_item("syn/a", document=MOE, effect_key="grant", when=FULL, extra={"amount": {"value": 2000, "unit": "CNY"}}),
          rule_item("syn/b", document=MOE, effect_key="grant", when=PART, extra={"amount": {"value": 3000, "unit": "CNY"}})], []),
        # an obligation and a prohibition of the same act
        ([rule_item("syn/must", document=MOE, subject="school", modality="obligation", effect_key="charge"),
          rule_item("syn/must-not", document=MOE, subject="school", modality="prohibition", effect_key="charge")],
         [(ERROR, "conflict", "syn/must")]),
        ([rule_item("syn/a", document=MOE, extra={"prevails_over": ["syn/nobody"]})], [(ERROR, "unknown-rule", "syn/a")]),
        ([rule_item("syn/a", document=MOE, in_force={"from": "2019-01-01"})], [(WARNING, "before-document", "syn/a")]),
    ],
)
def test_lint_checks(tmp_path: Path, items: list[str], expected: list[tuple[str, str, str]]) -> None:
    assert _codes(_book(tmp_path, *items)) == expected


def test_messages_name_file_line_rule_clause_and_field(tmp_path: Path) -> None:
    root = _book(tmp_path, anchor_item(), rule_item("syn/dead", document=MOE, when={"all": [FULL, PART]}))
    path = root / "clauses" / MOE / "01.yaml"
    line = line_of(path.read_text(encoding="utf-8"), "- id: syn/dead")
    message = next(m for m in lint_path(root) if m.code == "never-applies")
    assert (message.file, message.line, message.rule, message.clause, message.field) == (str(path), line, "syn/dead", "二、", "when")
    assert message.render().startswith(f"{path}:{line}: error never-applies: [syn/dead] (二、) when:")


def test_unaccounted_is_an_error_only_where_the_document_is_complete(tmp_path: Path) -> None:
    root = _book(tmp_path, anchor_item())

    def severities(source: str) -> set[str]:
        return {m.severity for m in lint_path(root) if m.code == "unaccounted" and source in (m.file or "")}

    # The bundled registry declares every document complete; this rulebook has none of their
    # rules (but one anchor) and none of their classifications.
    assert severities("anyang-2018-2.txt") == {ERROR}
    assert severities("moe-2019-4.txt") == {ERROR}
    assert severities("jiamusi-2022-plan.txt") == {ERROR}
    registry = root / "documents.yaml"
    declared = "    source: sources/jiamusi-2022-plan.txt\n    # Every sentence is encoded or classified; lint holds the rulebook to that.\n    complete: true\n"
    assert declared in registry.read_text(encoding="utf-8")
    registry.write_text(registry.read_text(encoding="utf-8").replace(declared, "    source: sources/jiamusi-2022-plan.txt\n"), encoding="utf-8")
    assert severities("jiamusi-2022-plan.txt") == {WARNING}  # not declared complete: a warning only
    unaccounted = [m for m in lint_path(root) if m.code == "unaccounted"]
    located = next(m for m in unaccounted if m.field == "一、（一）#6")
    source = root / "sources" / "jiamusi-2022-plan.txt"
    assert located.file == str(source)
    assert "贯通融通逐步顺畅" in source.read_text(encoding="utf-8").splitlines()[located.line - 1]


def test_a_sentence_both_encoded_and_classified_is_an_error(tmp_path: Path) -> None:
    root = _book(tmp_path, anchor_item())
    (root / "classification").mkdir()
    path = root / "classification" / f"{MOE}.yaml"
    path.write_text(f"document: {MOE}\nentries:\n  - clause: 二、\n    kind: guiding_principle\n    reason: principles only, no bearer\n", encoding="utf-8")
    messages = [m for m in lint_path(root) if m.code == "encoded-and-classified"]
    assert messages and all(m.file == str(path) and m.line == 3 and m.severity == ERROR for m in messages)


def test_a_rulebook_that_does_not_load_is_one_error(tmp_path: Path) -> None:
    root = _book(tmp_path, rule_item("syn/a", document=MOE, when={"field": "nonsense", "op": "==", "value": 1}))
    messages = lint_path(root)
    assert [(m.severity, m.code, m.field) for m in messages] == [(ERROR, "load", "rules[0].when.field")]


def test_lint_command_exit_codes(tmp_path: Path) -> None:
    good = CliRunner().invoke(main, ["lint"])
    assert good.exit_code == 0, good.output
    assert good.output.strip().splitlines()[-1].startswith("0 errors")
    bad = CliRunner().invoke(main, ["lint", "--rules", str(_book(tmp_path, rule_item("syn/a", document=MOE, when={"all": [FULL, PART]}))), "--format", "json"])
    assert bad.exit_code == 1
    assert any(m["code"] == "never-applies" and m["rule"] == "syn/a" for m in json.loads(bad.output))


def test_bundled_rulebook_has_no_lint_errors() -> None:
    assert [m.render() for m in lint_path(None) if m.severity == ERROR] == []


# --------------------------------------------------------------------------- satisfiable, checked by brute force

KEYS = ("a", "b")
VALUES = (0, 1, 2)


def _leaf(key: str, op: str, value: object) -> c.Compare:
    return c.Compare(key, op, key, value, "int", str(value), c.Origin("when"))


leaves = st.builds(
    _leaf,
    st.sampled_from(KEYS),
    st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "exists", "missing"]),
    st.sampled_from(VALUES),
) | st.builds(lambda k, vs: _leaf(k, "in", tuple(vs)), st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2))
trees = st.recursive(
    leaves,
    lambda inner: st.builds(lambda xs: c.AllOf(tuple(xs)), st.lists(inner, min_size=1, max_size=3))
    | st.builds(lambda xs: c.AnyOf(tuple(xs)), st.lists(inner, min_size=1, max_size=3))
    | st.builds(c.Not, inner),
    max_leaves=6,
)


def _true(node: c.Node, facts: dict[str, int | None]) -> bool | None:
    """Kleene truth, as the engine decides it: a comparison on an absent value is unknown."""
    if isinstance(node, c.Compare):
        value = facts[node.key]
        if node.op in ("exists", "missing"):
            return (value is not None) == (node.op == "exists")
        if value is None:
            return None
        if node.op == "in":
            return value in node.value
        return {"==": value == node.value, "!=": value != node.value, "<": value < node.value, "<=": value <= node.value,
                ">": value > node.value, ">=": value >= node.value}[node.op]
    if isinstance(node, c.Not):
        inner = _true(node.item, facts)
        return None if inner is None else not inner
    results = [_true(item, facts) for item in node.items]
    if isinstance(node, c.AllOf):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_satisfiable_never_calls_a_satisfiable_condition_contradictory(tree: c.Node) -> None:
    domain = (None, -1, *VALUES, 3)
    witness = any(_true(tree, {"a": x, "b": y}) is True for x in domain for y in domain)
    if witness:
        assert satisfiable(tree)
