"""compiler: typed nodes become durable_rules expressions in negation normal form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import policyrules
from policyrules import conditions as c
from policyrules.compiler import DERIVED_KIND, compile_rule, derived_fact, expression

from conftest import ANYANG, MOE, QUOTED_CLAUSE, rule_file, rule_item, write_rule_file

O = c.Origin("when")


def cmp(op: str, value: Any = None, key: str = "x", ftype: str = "int") -> c.Compare:
    return c.Compare(key, op, key, value, ftype, str(value), O)


@pytest.mark.parametrize(
    ("op", "positive", "negated"),
    [
        ("==", {"x": 3}, {"$neq": {"x": 3}}),
        ("!=", {"$neq": {"x": 3}}, {"x": 3}),
        ("<", {"$lt": {"x": 3}}, {"$gte": {"x": 3}}),
        ("<=", {"$lte": {"x": 3}}, {"$gt": {"x": 3}}),
        (">", {"$gt": {"x": 3}}, {"$lte": {"x": 3}}),
        (">=", {"$gte": {"x": 3}}, {"$lt": {"x": 3}}),
    ],
)
def test_comparisons(op: str, positive: dict[str, Any], negated: dict[str, Any]) -> None:
    node = cmp(op, 3)
    assert expression(node) == positive
    assert expression(node, negated=True) == negated
    assert expression(c.Not(node)) == negated
    assert expression(c.Not(c.Not(node))) == positive


def test_in_and_not_in() -> None:
    node = cmp("in", (1, 2, 3))
    assert expression(node) == {"$or": [{"x": 1}, {"x": 2}, {"x": 3}]}
    assert expression(c.Not(node)) == {"$and": [{"$neq": {"x": 1}}, {"$neq": {"x": 2}}, {"$neq": {"x": 3}}]}


def test_exists_and_missing() -> None:
    assert expression(cmp("exists")) == {"$ex": {"x": 1}}
    assert expression(cmp("missing")) == {"$nex": {"x": 1}}
    assert expression(c.Not(cmp("exists"))) == {"$nex": {"x": 1}}
    assert expression(c.Not(cmp("missing"))) == {"$ex": {"x": 1}}


def test_contains_is_a_membership_flag() -> None:
    node = c.Compare("tags", "contains", "tags__has__abc", True, "bool", "a", O)
    assert expression(node) == {"tags__has__abc": True}
    assert expression(c.Not(node)) == {"tags__has__abc": False}


def test_all_and_any_swap_under_not() -> None:
    a, b = cmp("==", 1, "a"), cmp(">", 2, "b")
    assert expression(c.AllOf((a, b))) == {"$and": [{"a": 1}, {"$gt": {"b": 2}}]}
    assert expression(c.AnyOf((a, b))) == {"$or": [{"a": 1}, {"$gt": {"b": 2}}]}
    assert expression(c.Not(c.AllOf((a, b)))) == {"$or": [{"$neq": {"a": 1}}, {"$lte": {"b": 2}}]}
    assert expression(c.Not(c.AnyOf((a, b)))) == {"$and": [{"$neq": {"a": 1}}, {"$lte": {"b": 2}}]}


def test_nested_negation_is_pushed_to_the_leaves() -> None:
    a, b, d = cmp("==", 1, "a"), cmp("<", 2, "b"), cmp("exists", None, "d")
    tree = c.Not(c.AnyOf((a, c.Not(c.AllOf((b, d))))))
    # not (a or not (b and d))  ==  (not a) and (b and d)
    assert expression(tree) == {"$and": [{"$neq": {"a": 1}}, {"$and": [{"$lt": {"b": 2}}, {"$ex": {"d": 1}}]}]}


def test_no_not_operator_survives() -> None:
    a, b = cmp("==", 1, "a"), cmp("in", (1, 2), "b")
    text = repr(expression(c.Not(c.AnyOf((c.Not(a), c.AllOf((b, c.Not(b))))))))
    assert "$not" not in text


def test_window() -> None:
    open_ended = c.Window(100, 50, None, None, "from x", c.Origin("in_force"))
    assert expression(open_ended) == {"$and": [{"$gte": {c.AS_OF: 100}}]}
    bounded = c.Window(100, 50, 200, 250, "from x until y", c.Origin("in_force"))
    assert expression(bounded) == {"$and": [{"$gte": {c.AS_OF: 100}}, {"$lte": {c.AS_OF: 200}}]}


def test_derived_fact_shape() -> None:
    assert derived_fact("poor", "s1", 4) == {"_kind": DERIVED_KIND, "_name": "poor", "_subject": "s1", "_rule": 4}


def _book(root: Path, *items: str, document: str = MOE) -> policyrules.Rulebook:
    write_rule_file(root, f"{document}/01.yaml", rule_file(document, QUOTED_CLAUSE[document], *items))
    return policyrules.load_rulebook(root)


def test_compiled_rule_matches_subject_kind_window_and_jurisdiction(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/a", document=ANYANG, when={"field": "full_time", "op": "==", "value": True}), document=ANYANG)
    rule = book.rule("syn/a")
    compiled = compile_rule(rule)
    assert list(compiled) == ["all"]
    (term,) = compiled["all"]
    conjunction = term["f"]["$and"]
    assert conjunction[0] == {"_kind": "student"}
    assert {"$and": [{"$gte": {c.AS_OF: rule.in_force.start_sure}}]} in conjunction
    assert {"school__region__province": "河南省"} in conjunction
    assert {"school__region__city": "安阳市"} in conjunction
    assert {"full_time": True} in conjunction


def test_compiled_rule_joins_derived_facts(rules_root: Path) -> None:
    producer = rule_item("syn/p", modality="derived", effect_key="poor", document=MOE, when={"field": "household.poverty_registered", "op": "==", "value": True})
    consumer = rule_item("syn/c", document=MOE, when={"all": [{"derived": "poor"}, {"field": "full_time", "op": "==", "value": True}]})
    book = _book(rules_root, producer, consumer)
    compiled = compile_rule(book.rule("syn/c"))
    assert len(compiled["all"]) == 2
    own, join = compiled["all"]
    assert "$and" in own["f"]
    assert all("derived" not in repr(part) for part in own["f"]["$and"])
    assert join == {"d0": {"$and": [{"_kind": DERIVED_KIND}, {"_name": "poor"}, {"_subject": {"f": "_eid"}}]}}


def test_compiled_values_are_encoded(rules_root: Path) -> None:
    when = {
        "all": [
            {"field": "per_student_funding_scheme_start", "op": ">=", "value": "2018-03-01"},
            {"field": "surcharge_vocational_share", "op": ">=", "value": 30},
        ]
    }
    book = _book(rules_root, rule_item("syn/g", subject="government", document=MOE, when=when))
    conjunction = compile_rule(book.rule("syn/g"))["all"][0]["f"]["$and"]
    import datetime as dt

    assert {"$gte": {"per_student_funding_scheme_start": dt.date(2018, 3, 1).toordinal()}} in conjunction
    assert {"$gte": {"surcharge_vocational_share": 30.0}} in conjunction
