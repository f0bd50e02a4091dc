"""explain: three-valued (Kleene) evaluation, with the checks that decided each outcome."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import policyrules
from policyrules import conditions as c
from policyrules.explain import Status, evaluate

from conftest import ANYANG, GRANT_WHEN, MOE, MOHRSS, QUOTED_CLAUSE, anchor_item, anyang_case, rule_file, rule_item, write_rule_file

T, F, U = Status.APPLIES, Status.DOES_NOT_APPLY, Status.UNDETERMINED
O = c.Origin("when", "rule.yaml", 7)


def cmp(key: str, op: str, value: Any = None) -> c.Compare:
    return c.Compare(key, op, key, value, "int", str(value), O)


def no_derived(key: str) -> Status:
    raise AssertionError("no derived facts here")


A_TRUE = cmp("a", "==", 1)  # with FACT: true
B_FALSE = cmp("b", "==", 1)  # false
M_UNKNOWN = cmp("m", "==", 1)  # m is missing: unknown
FACT = {"a": 1, "b": 2, c.AS_OF: dt.date(2020, 1, 1).toordinal()}


def status(node: c.Node, fact: dict[str, Any] = FACT) -> Status:
    return evaluate(node, fact, no_derived)[0]


def test_leaves() -> None:
    assert status(A_TRUE) is T
    assert status(B_FALSE) is F
    assert status(M_UNKNOWN) is U


def test_missing_fact_is_undetermined_with_no_actual() -> None:
    result, checks = evaluate(M_UNKNOWN, FACT, no_derived)
    assert result is U
    (check,) = checks
    assert check.actual is None
    assert check.result is U
    assert check.condition == "m == 1"
    assert (check.file, check.line, check.kind) == ("rule.yaml", 7, "when")


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "in"])
def test_every_value_op_on_a_missing_fact_is_unknown(op: str) -> None:
    node = cmp("m", op, (1, 2) if op == "in" else 1)
    assert status(node) is U
    assert status(c.Not(node)) is U


def test_exists_and_missing_are_never_unknown() -> None:
    assert status(cmp("a", "exists")) is T
    assert status(cmp("m", "exists")) is F
    assert status(cmp("a", "missing")) is F
    assert status(cmp("m", "missing")) is T
    assert status(c.Not(cmp("m", "exists"))) is T


def test_not() -> None:
    assert status(c.Not(A_TRUE)) is F
    assert status(c.Not(B_FALSE)) is T
    assert status(c.Not(M_UNKNOWN)) is U
    assert status(c.Not(c.Not(M_UNKNOWN))) is U


@pytest.mark.parametrize(
    ("items", "all_status", "any_status"),
    [
        ((A_TRUE, A_TRUE), T, T),
        ((A_TRUE, B_FALSE), F, T),
        ((B_FALSE, B_FALSE), F, F),
        ((A_TRUE, M_UNKNOWN), U, T),
        ((B_FALSE, M_UNKNOWN), F, U),
        ((M_UNKNOWN, M_UNKNOWN), U, U),
    ],
)
def test_kleene_tables(items: tuple[c.Node, ...], all_status: Status, any_status: Status) -> None:
    assert status(c.AllOf(items)) is all_status
    assert status(c.AnyOf(items)) is any_status
    assert status(c.AllOf(tuple(reversed(items)))) is all_status
    assert status(c.AnyOf(tuple(reversed(items)))) is any_status
    # De Morgan holds in Kleene logic
    assert status(c.Not(c.AllOf(items))) is status(c.AnyOf(tuple(c.Not(i) for i in items)))


def test_any_true_unknown_is_true_and_names_the_true_check() -> None:
    result, checks = evaluate(c.AnyOf((M_UNKNOWN, A_TRUE)), FACT, no_derived)
    assert result is T
    assert [ch.condition for ch in checks] == ["a == 1"]


def test_all_false_unknown_blames_only_the_failed_check() -> None:
    result, checks = evaluate(c.AllOf((A_TRUE, M_UNKNOWN, B_FALSE)), FACT, no_derived)
    assert result is F
    assert [(ch.condition, ch.actual, ch.result) for ch in checks] == [("b == 1", "2", F)]


def test_all_true_unknown_names_only_the_missing_fact() -> None:
    result, checks = evaluate(c.AllOf((A_TRUE, M_UNKNOWN)), FACT, no_derived)
    assert result is U
    assert [ch.condition for ch in checks] == ["m == 1"]


def test_applies_names_every_check_that_held() -> None:
    result, checks = evaluate(c.AllOf((A_TRUE, cmp("b", "exists"))), FACT, no_derived)
    assert result is T
    assert [ch.condition for ch in checks] == ["a == 1", "b exists"]


def test_negated_leaf_is_shown_negated_with_its_outward_result() -> None:
    result, checks = evaluate(c.Not(A_TRUE), FACT, no_derived)
    assert result is F
    (check,) = checks
    assert check.condition == "not a == 1"
    assert check.result is F
    assert check.actual == "1"


def test_derived_lookup() -> None:
    node = c.AllOf((A_TRUE, c.Derived("poor", O)))
    for answer in (T, F, U):
        assert evaluate(node, FACT, lambda key, answer=answer: (answer, ()))[0] is answer


def test_in_and_contains() -> None:
    assert status(cmp("a", "in", (1, 3))) is T
    assert status(cmp("b", "in", (1, 3))) is F
    flag = c.Compare("tags", "contains", "tags__has__x", True, "bool", "x", O)
    assert status(flag, {"tags__has__x": True}) is T
    assert status(flag, {"tags__has__x": False}) is F
    assert status(flag, {}) is U


def test_window_node_with_year_only_start(rules_root: Path) -> None:
    write_rule_file(rules_root, f"{MOE}/01.yaml", rule_file(MOE, "二、", rule_item("syn/w", document=MOE, in_force={"from": "2019"})))
    window = policyrules.load_rulebook(rules_root).rule("syn/w").in_force
    for day, expected in [("2018-12-31", F), ("2019-01-01", U), ("2019-06-01", U), ("2019-12-30", U), ("2019-12-31", T), ("2020-01-01", T)]:
        fact = {c.AS_OF: dt.date.fromisoformat(day).toordinal()}
        result, (check,) = evaluate(window, fact, no_derived)
        assert result is expected, day
        assert check.kind == "in_force"
        assert check.actual == day


# --------------------------------------------------------------------------- through the Rulebook


def _book(root: Path, *items: str, document: str = MOE) -> policyrules.Rulebook:
    write_rule_file(root, f"{MOE}/00.yaml", rule_file(MOE, "二、", anchor_item()))
    write_rule_file(root, f"{document}/01.yaml", rule_file(document, QUOTED_CLAUSE[document], *items))
    return policyrules.load_rulebook(root)


def _status(book: policyrules.Rulebook, rule_id: str, case: dict[str, Any], as_of: str) -> Status:
    (outcome,) = book.evaluate(case, as_of=as_of).why_not(rule_id)
    return outcome.status


def test_in_force_from_a_year(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/w", document=MOE, in_force={"from": "2019"}))
    assert _status(book, "syn/w", anyang_case(), "2018-12-31") is F
    assert _status(book, "syn/w", anyang_case(), "2019-06-01") is U
    assert _status(book, "syn/w", anyang_case(), "2020-01-01") is T


def test_in_force_from_a_month(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/w", document=MOE, in_force={"from": "2019-06"}))
    assert _status(book, "syn/w", anyang_case(), "2019-05-31") is F
    assert _status(book, "syn/w", anyang_case(), "2019-06-01") is U
    assert _status(book, "syn/w", anyang_case(), "2019-06-29") is U
    assert _status(book, "syn/w", anyang_case(), "2019-06-30") is T


def test_in_force_from_a_full_date(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/w", document=MOE, in_force={"from": "2019-06-15"}))
    assert _status(book, "syn/w", anyang_case(), "2019-06-14") is F
    assert _status(book, "syn/w", anyang_case(), "2019-06-15") is T


def test_in_force_until_a_full_date(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/w", document=MOE, in_force={"from": "2018-01-01", "until": "2019-06-15"}))
    assert _status(book, "syn/w", anyang_case(), "2019-06-15") is T  # the last day in force
    assert _status(book, "syn/w", anyang_case(), "2019-06-16") is F


@pytest.mark.parametrize(
    ("until", "first", "last"),
    [("2019", "2019-01-01", "2019-12-31"), ("2019-06", "2019-06-01", "2019-06-30")],
    ids=["year", "month"],
)
def test_in_force_until_a_partial_date(rules_root: Path, until: str, first: str, last: str) -> None:
    # `until` is the last day in force (rule-file.schema.json). "2019" means that day is in
    # 2019: the rule is surely in force up to and including the first day of that span,
    # undetermined inside it, and surely out of force after its last day.
    book = _book(rules_root, rule_item("syn/w", document=MOE, in_force={"from": "2018-01-01", "until": until}))
    day_before = (dt.date.fromisoformat(first) - dt.timedelta(days=1)).isoformat()
    day_after = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    second = (dt.date.fromisoformat(first) + dt.timedelta(days=1)).isoformat()
    assert _status(book, "syn/w", anyang_case(), day_before) is T
    assert _status(book, "syn/w", anyang_case(), second) is U
    assert _status(book, "syn/w", anyang_case(), last) is U
    assert _status(book, "syn/w", anyang_case(), day_after) is F
    assert _status(book, "syn/w", anyang_case(), first) is T


def test_in_force_defaults_to_the_document_date(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    assert _status(book, "syn/grant", anyang_case(), "2018-01-03") is F
    assert _status(book, "syn/grant", anyang_case(), "2018-01-04") is T


def test_document_dated_only_to_the_year(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/m", document=MOHRSS), document=MOHRSS)
    assert _status(book, "syn/m", anyang_case(), "2018-12-31") is F
    assert _status(book, "syn/m", anyang_case(), "2019-06-01") is U
    assert _status(book, "syn/m", anyang_case(), "2020-01-01") is T


def test_jurisdiction_failure_is_explained(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    case = anyang_case()
    case["region"][0]["city"] = "郑州市"
    (outcome,) = book.evaluate(case, as_of="2020-01-01").why_not("syn/grant")
    assert outcome.status is F
    assert [(ch.kind, ch.condition, ch.actual) for ch in outcome.checks] == [("jurisdiction", "school.region.city == 安阳市", "郑州市")]


def test_missing_fact_makes_the_rule_undetermined_and_names_it(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    decision = book.evaluate(anyang_case(full_time=None), as_of="2020-01-01")
    (outcome,) = decision.why_not("syn/grant")
    assert outcome.status is U
    assert [ch.condition for ch in outcome.checks] == ["full_time == true"]
    assert outcome in decision.undetermined
    assert "syn/grant" not in [f.rule_id for f in decision.findings]


def test_false_beats_unknown_in_a_rule(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    (outcome,) = book.evaluate(anyang_case(full_time=None, formal_enrolment=False), as_of="2020-01-01").why_not("syn/grant")
    assert outcome.status is F
    assert [(ch.condition, ch.actual) for ch in outcome.checks] == [("formal_enrolment == true", "false")]


def test_missing_link_makes_linked_facts_unknown(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    (outcome,) = book.evaluate(anyang_case(school=None), as_of="2020-01-01").why_not("syn/grant")
    assert outcome.status is U
    assert {ch.condition for ch in outcome.checks} == {"school.region.province == 河南省", "school.region.city == 安阳市", "school.level == secondary"}


def test_not_of_missing_stays_undetermined_in_a_rule(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/n", document=MOE, when={"not": {"field": "entered_general_high_school", "op": "==", "value": True}}))
    assert _status(book, "syn/n", anyang_case(), "2020-01-01") is U
    assert _status(book, "syn/n", anyang_case(entered_general_high_school=False), "2020-01-01") is T
    assert _status(book, "syn/n", anyang_case(entered_general_high_school=True), "2020-01-01") is F


def test_any_with_one_true_branch_applies_despite_unknowns(rules_root: Path) -> None:
    when = {"any": [{"field": "household.economically_disadvantaged", "op": "==", "value": True}, {"field": "household.poverty_registered", "op": "==", "value": True}]}
    book = _book(rules_root, rule_item("syn/any", document=MOE, when=when))
    assert _status(book, "syn/any", anyang_case(), "2020-01-01") is T
    case = anyang_case()
    case["household"]["poverty_registered"] = False
    assert _status(book, "syn/any", case, "2020-01-01") is U


def test_explain_false_gives_the_same_statuses_without_checks(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    for case in (anyang_case(), anyang_case(full_time=None), anyang_case(full_time=False)):
        full = book.evaluate(case, as_of="2020-01-01")
        fast = book.evaluate(case, as_of="2020-01-01", explain=False)
        assert [(o.rule_id, o.subject, o.status) for o in fast.outcomes] == [(o.rule_id, o.subject, o.status) for o in full.outcomes]
        assert all(o.checks == () for o in fast.outcomes)
        assert [f.rule_id for f in fast.findings] == [f.rule_id for f in full.findings]


def test_thresholds_report_compliance(rules_root: Path) -> None:
    item = rule_item(
        "syn/funding",
        document=MOE,
        subject="school",
        modality="obligation",
        when={"field": "level", "op": "==", "value": "junior_college"},
        extra={"thresholds": [{"field": "annual_funding_per_student", "op": ">=", "value": 12000}]},
    )
    book = _book(rules_root, anchor_item("school"), item)
    case = anyang_case()
    case["school"].update(level="junior_college", kind="higher_vocational_college")
    for funding, expected, actual in [(11000, "unmet", "11000"), (12000, "met", "12000"), (None, "unknown", None)]:
        case["school"]["annual_funding_per_student"] = {2020: funding}  # a yearly figure, judged at the year's end
        (finding,) = [f for f in book.evaluate(case, as_of="2020-12-31").findings if f.rule_id == "syn/funding"]
        assert finding.status == expected
        assert [(ch.kind, ch.condition, ch.actual) for ch in finding.compliance] == [("threshold", "annual_funding_per_student >= 12000", actual)]


def test_why_not_of_a_chained_rule_reaches_the_input_facts() -> None:
    """A grant that chains on 中职建档立卡学生 names the derived rule's failed condition and the value seen."""
    book = policyrules.load_rulebook()
    case = anyang_case(full_time=False)
    decision = book.evaluate(case, as_of="2019-01-01")
    (outcome,) = decision.why_not("anyang-2018-2/06-1/national-grant")
    assert outcome.status is Status.DOES_NOT_APPLY
    (derived,) = [check for check in outcome.checks if check.kind == "derived"]
    assert derived.actual == "does_not_apply"  # decided false: never shown as missing
    (producer,) = derived.because
    assert producer.rule == "anyang-2018-2/06-1/registered-poor-vocational-student"
    failed = [(leaf.condition, leaf.actual) for leaf in producer.because]
    assert ("full_time == true", "false") in failed
    again = policyrules.Decision.from_dict(decision.to_dict())
    assert again.why_not("anyang-2018-2/06-1/national-grant") == (outcome,)


def test_why_not_of_a_chained_rule_names_the_missing_fact() -> None:
    book = policyrules.load_rulebook()
    case = anyang_case(formal_enrolment=...)
    decision = book.evaluate(case, as_of="2019-01-01")
    (outcome,) = decision.why_not("anyang-2018-2/06-1/national-grant")
    assert outcome.status is Status.UNDETERMINED
    leaves = [leaf for check in outcome.checks for leaf in check.leaves()]
    assert [(leaf.condition, leaf.actual) for leaf in leaves if leaf.kind == "when"] == [("formal_enrolment == true", None)]
