"""Benefit summary: one line per benefit and subject, every citation, money never added twice."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.cli import main
from policyrules.decision import Bearer
from policyrules.summary import Total

from conftest import ANYANG, ANYANG_QUOTE, GRANT_WHEN, MOE, MOE_QUOTE, anchor_item, anyang_case, rule_file, rule_item, write_rule_file

AS_OF = "2020-01-01"


def _money(value: float | int, period: str = "per_student_per_year", approximate: bool = False, unit: str = "CNY") -> dict[str, Any]:
    return {"amount": {"value": value, "unit": unit, "period": period, "approximate": approximate}}


def _book(root: Path, anyang: list[str], moe: list[str]) -> policyrules.Rulebook:
    """Rules of the city document (六、1) and of a national one (二、), plus the anchor."""
    write_rule_file(root, f"{ANYANG}/06-1.yaml", rule_file(ANYANG, "六、1", *anyang))
    write_rule_file(root, f"{MOE}/02.yaml", rule_file(MOE, "二、", anchor_item(), *moe))
    return policyrules.load_rulebook(root)


def _student(book: policyrules.Rulebook) -> policyrules.BenefitSummary:
    (summary,) = [s for s in book.evaluate(anyang_case(), as_of=AS_OF).benefits if s.subject == policyrules.SubjectRef("student", "s1")]
    return summary


def _line(summary: policyrules.BenefitSummary, key: str) -> policyrules.Benefit:
    (line,) = [b for b in summary.benefits if b.key == key]
    return line


def test_same_amount_from_two_documents_is_one_line_counted_once(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000))],
        [rule_item("moe/grant", document=MOE, effect_key="national_grant", extra=_money(2000))],
    )
    summary = _student(book)
    grant = _line(summary, "national_grant")
    assert grant.rules == ("moe/grant", "city/grant")  # rulebook order: the registry lists the national document first
    assert [(c.document, c.clause, c.quote) for c in grant.citations] == [(MOE, "二、", MOE_QUOTE), (ANYANG, "六、1", ANYANG_QUOTE)]
    (given,) = grant.amounts
    assert given.amount == policyrules.Amount(2000, "CNY", "per_student_per_year")
    assert given.rules == ("moe/grant", "city/grant")
    assert summary.totals == (Total("CNY", "per_student_per_year", 2000, 2000, False, ("national_grant",)),)
    # the findings keep one entry per rule: the auditor still sees both
    assert {f.rule_id for f in book.evaluate(anyang_case(), as_of=AS_OF).findings} >= {"city/grant", "moe/grant"}


def test_different_amounts_are_both_kept_and_the_total_is_a_range(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000))],
        [rule_item("moe/grant", document=MOE, effect_key="national_grant", extra=_money(3000, approximate=True))],
    )
    summary = _student(book)
    grant = _line(summary, "national_grant")
    assert [(g.amount.value, g.amount.approximate, g.rules) for g in grant.amounts] == [(3000, True, ("moe/grant",)), (2000, False, ("city/grant",))]
    assert [c.document for c in grant.amounts[0].citations] == [MOE]
    assert [c.document for c in grant.amounts[1].citations] == [ANYANG]
    assert grant.values == (Total("CNY", "per_student_per_year", 2000, 3000, True, ("national_grant",)),)
    assert summary.totals == (Total("CNY", "per_student_per_year", 2000, 3000, True, ("national_grant",)),)


def test_a_prevailing_rule_sets_the_other_amount_aside_but_keeps_its_grounds(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="rain_dew", extra=_money(2000))],
        [rule_item("moe/grant", document=MOE, effect_key="rain_dew", extra={**_money(3000, approximate=True), "prevails_over": ["city/grant"]})],
    )
    decision = book.evaluate(anyang_case(), as_of=AS_OF)
    (student,) = [s for s in decision.benefits if s.subject == policyrules.SubjectRef("student", "s1")]
    line = _line(student, "rain_dew")
    assert [(g.amount.value, g.rules, g.superseded_by) for g in line.amounts] == [(3000, ("moe/grant",), ()), (2000, ("city/grant",), ("moe/grant",))]
    assert [c.document for c in line.amounts[1].citations] == [ANYANG]  # the set-aside amount keeps its citation
    assert line.values == (Total("CNY", "per_student_per_year", 3000, 3000, True, ("rain_dew",)),)
    assert student.totals == (Total("CNY", "per_student_per_year", 3000, 3000, True, ("rain_dew",)),)
    again = policyrules.Decision.from_dict(json.loads(decision.to_json()))
    assert again.benefits == decision.benefits
    (data,) = [b for s in decision.to_dict()["benefits"] for b in s["benefits"] if b["key"] == "rain_dew" and s["subject"]["id"] == "s1"]
    assert [a["superseded_by"] for a in data["amounts"]] == [[], ["moe/grant"]]


def test_a_prevailing_rule_without_an_amount_sets_nothing_aside(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="rain_dew", extra=_money(2000))],
        [rule_item("moe/grant", document=MOE, effect_key="rain_dew", extra={"prevails_over": ["city/grant"]})],
    )
    line = _line(_student(book), "rain_dew")
    assert [(g.amount.value, g.superseded_by) for g in line.amounts] == [(2000, ())]
    assert line.values == (Total("CNY", "per_student_per_year", 2000, 2000, False, ("rain_dew",)),)


def test_distinct_benefits_add_and_approximate_propagates(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000))],
        [
            rule_item("moe/grant", document=MOE, effect_key="national_grant", extra=_money(2000)),
            rule_item("moe/subsidy", document=MOE, effect_key="subsidy", extra=_money(500.5, approximate=True)),
        ],
    )
    (total,) = _student(book).totals
    assert (total.low, total.high, total.approximate, total.benefits) == (2500.5, 2500.5, True, ("national_grant", "subsidy"))


def test_different_units_and_periods_are_never_added(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000))],
        [
            rule_item("moe/once", document=MOE, effect_key="start_up", extra=_money(800, period="once")),
            rule_item("moe/share", document=MOE, effect_key="fee_waiver", extra=_money(50, unit="percent")),
            rule_item("moe/other-period", document=MOE, effect_key="national_grant", extra=_money(1000, period="per_year")),
        ],
    )
    summary = _student(book)
    assert set(_line(summary, "national_grant").values) == {
        Total("CNY", "per_student_per_year", 2000, 2000, False, ("national_grant",)),
        Total("CNY", "per_year", 1000, 1000, False, ("national_grant",)),
    }
    assert {(t.unit, t.period): (t.low, t.high) for t in summary.totals} == {
        ("CNY", "per_student_per_year"): (2000, 2000),
        ("CNY", "per_year"): (1000, 1000),
        ("CNY", "once"): (800, 800),
    }  # a percentage is a share of its own base: listed, never added
    assert _line(summary, "fee_waiver").values[0].low == 50


def test_no_amount_priorities_and_what_is_not_a_benefit(rules_root: Path) -> None:
    duty_to_students = {"beneficiary": {"entity": "student", "label": "学生"}, **_money(9999)}
    book = _book(
        rules_root,
        [rule_item("city/free", when=GRANT_WHEN, effect_key="free_tuition")],
        [
            rule_item("moe/free", document=MOE, effect_key="free_tuition"),
            rule_item("moe/priority", document=MOE, modality="priority", effect_key="housing", extra=_money(100)),
            rule_item("moe/duty", document=MOE, modality="obligation", effect_key="enrol", extra=_money(5000)),
            rule_item("moe/school-aid", document=MOE, subject="school", effect_key="aid", extra=_money(7000, period="per_year")),
            rule_item("moe/for-students", document=MOE, subject="school", modality="priority", effect_key="favour", extra=duty_to_students),
        ],
    )
    decision = book.evaluate(anyang_case(), as_of=AS_OF)
    by_subject = {(s.subject.type, s.subject.id): s for s in decision.benefits}
    assert list(by_subject) == [("school", "sch"), ("student", "s1")]
    student = by_subject[("student", "s1")]
    assert [(b.key, b.modality, b.no_amount) for b in student.benefits if b.key != "anchor_student"] == [("free_tuition", "entitlement", True), ("housing", "priority", False)]
    assert _line(student, "free_tuition").rules == ("moe/free", "city/free")
    assert student.totals == ()  # no amount adds nothing; a priority's figure is not money received
    school = by_subject[("school", "sch")]
    assert [b.key for b in school.benefits] == ["aid"]  # the school's duty towards students is nobody's line
    assert school.totals == (Total("CNY", "per_year", 7000, 7000, False, ("aid",)),)


def test_decision_round_trip_keeps_the_benefits(rules_root: Path) -> None:
    book = _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000))],
        [rule_item("moe/grant", document=MOE, effect_key="national_grant", extra=_money(3000, approximate=True))],
    )
    decision = book.evaluate(anyang_case(), as_of=AS_OF)
    data = json.loads(decision.to_json())
    again = policyrules.Decision.from_dict(data)
    assert again == decision and again.benefits == decision.benefits
    assert again.to_dict() == decision.to_dict()
    (student,) = [s for s in data["benefits"] if s["subject"] == {"type": "student", "id": "s1"}]
    (grant,) = [b for b in student["benefits"] if b["key"] == "national_grant"]
    assert [a["amount"]["value"] for a in grant["amounts"]] == [3000, 2000]
    assert student["totals"] == [{"unit": "CNY", "period": "per_student_per_year", "low": 2000, "high": 3000, "approximate": True, "benefits": ["national_grant"]}]


def test_cli_lists_each_benefit_once_with_its_grounds_and_the_total(tmp_path: Path, rules_root: Path) -> None:
    _book(
        rules_root,
        [rule_item("city/grant", when=GRANT_WHEN, effect_key="national_grant", extra=_money(2000)),
         rule_item("city/free", when=GRANT_WHEN, effect_key="free_tuition")],
        [rule_item("moe/grant", document=MOE, effect_key="national_grant", extra=_money(3000, approximate=True)),
         rule_item("moe/subsidy", document=MOE, effect_key="subsidy", extra=_money(500))],
    )
    case = tmp_path / "case.json"
    case.write_text(json.dumps(anyang_case(), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(case), "--rules", str(rules_root), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 0, result.output
    block = result.stdout.split("\nWhat each person receives", 1)[1].split("\n\n", 1)[0]
    assert block.count("结论 national_grant — 约2000–3000 CNY per_student_per_year") == 1
    assert "2000 CNY per_student_per_year: 安政办〔2018〕2号 六、1" in block
    assert "约3000 CNY per_student_per_year: 教职成厅〔2019〕4号 二、" in block
    assert "结论 free_tuition — no amount given" in block
    assert "total: 约2500–3500 CNY per_student_per_year  (national_grant, subsidy)" in block
    result = CliRunner().invoke(main, ["evaluate", str(case), "--rules", str(rules_root), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {s["subject"]["id"] for s in json.loads(result.stdout)["benefits"]} == {"s1"}


# --------------------------------------------------------------------------- the property


def _finding(rule: int, subject: str, key: str, modality: str, amount: policyrules.Amount | None) -> policyrules.Finding:
    citation = policyrules.Citation(document=f"doc{rule % 3}", number=None, title=f"文件{rule % 3}", clause=f"{rule}、", quote=f"第{rule}条", issuers=(), date="2019")
    return policyrules.Finding(
        rule_id=f"r{rule}", modality=modality, title=key, subject=policyrules.SubjectRef("student", subject),
        bearer=Bearer("student", "学生", subject), beneficiary=None, effect=policyrules.Effect(key, key), amount=amount,
        range=None, deadline=None, next_due=None, deadline_passed=None, status="applies", compliance=(), responsible=(), citations=(citation,),
    )


# Few keys, units and periods, and values that repeat, so that one benefit is often granted
# several times (same amount, or not) and decimals must add exactly.
amounts = st.one_of(
    st.none(),
    st.builds(
        policyrules.Amount,
        value=st.one_of(st.sampled_from([0.1, 0.2, 500, 2000, 3000]), st.integers(0, 10**6), st.decimals(0, 10**4, places=2).map(float)),
        unit=st.sampled_from(["CNY", "CNY", "persons", "percent"]),
        period=st.sampled_from([None, "per_year", "per_year"]),
        approximate=st.booleans(),
    ),
)
grants = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["k1", "k2"]), st.sampled_from(["entitlement", "entitlement", "priority", "obligation"]), amounts), max_size=16)


@settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(grants=grants)
def test_totals_count_every_benefit_once_by_its_own_smallest_and_largest_amount(grants: list[tuple[str, str, str, policyrules.Amount | None]]) -> None:
    findings = tuple(_finding(i, *grant) for i, grant in enumerate(grants))
    decision = policyrules.Decision(case=None, as_of=dt.date(2020, 1, 1), rulebook="x", findings=findings, outcomes=())
    # what the totals must be, worked out from the findings directly
    lows: dict[tuple[str, str, str | None], Fraction] = defaultdict(Fraction)
    highs: dict[tuple[str, str, str | None], Fraction] = defaultdict(Fraction)
    per_key: dict[tuple[str, str, str, str | None], list[policyrules.Amount]] = defaultdict(list)
    for subject, key, modality, amount in grants:
        if modality == "entitlement" and amount is not None and amount.unit != "percent":
            per_key[(subject, key, amount.unit, amount.period)].append(amount)
    for (subject, key, unit, period), given_amounts in per_key.items():
        lows[(subject, unit, period)] += min(Fraction(str(a.value)) for a in given_amounts)
        highs[(subject, unit, period)] += max(Fraction(str(a.value)) for a in given_amounts)
    seen = {}
    for summary in decision.benefits:
        assert len({(b.key, b.modality) for b in summary.benefits}) == len(summary.benefits)  # one line per benefit
        for total in summary.totals:
            assert total.low <= total.high
            assert len(set(total.benefits)) == len(total.benefits)  # no key counted twice
            seen[(summary.subject.id, total.unit, total.period)] = (Fraction(str(total.low)), Fraction(str(total.high)))
            approximate = any(a.approximate for (s, _, u, p), given in per_key.items() if (s, u, p) == (summary.subject.id, total.unit, total.period) for a in given)
            assert total.approximate == approximate
    assert seen == {k: (lows[k], highs[k]) for k in lows}
    # every grant of a benefit is on its line, with its amount
    for summary in decision.benefits:
        for benefit in summary.benefits:
            mine = [f for f in findings if f.subject == summary.subject and f.effect.key == benefit.key and f.modality == benefit.modality]
            assert benefit.rules == tuple(f.rule_id for f in mine)
            assert {g.amount for g in benefit.amounts} == {f.amount for f in mine if f.amount is not None}
