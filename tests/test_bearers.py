"""Bearers follow the text of 安政办〔2018〕2号: the vehicle of 依托 / 推动 and the place of 在 are not the bearer.

A casebook names rules, subjects and statuses but not bearers, so these are checked here."""

from __future__ import annotations

import pytest

import policyrules

ANYANG = {"id": "ay", "province": "河南省", "city": "安阳市"}
NEIHUANG = {"id": "nh", "province": "河南省", "city": "安阳市", "county": "内黄县", "county_type": "county", "poverty_county": True}


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _finding(book: policyrules.Rulebook, case: dict, rule: str, as_of: str = "2018-09-01") -> policyrules.Finding:
    decision = book.evaluate(case, as_of=as_of)
    (finding,) = [f for f in decision.findings if f.rule_id == "anyang-2018-2/" + rule]
    return finding


def test_neihuang_class_unmet_is_a_duty_of_the_annex_22_units(book: policyrules.Rulebook) -> None:
    school = {"id": "nh-zz", "region": "nh", "name": "内黄县中等职业学校", "level": "secondary", "kind": "vocational_high",
              "poverty_training_class_held": {2018: False}}
    finding = _finding(book, {"region": [NEIHUANG], "school": school}, "06-1/neihuang-training-class", as_of="2018-12-31")
    assert finding.status == "unmet" and finding.subject.id == "nh-zz"
    assert finding.bearer.entity == "government" and finding.bearer.label == "市教育局、市财政局和内黄县政府"


def test_backbone_agreement_unmet_is_a_duty_of_the_annex_9_units(book: policyrules.Rulebook) -> None:
    school = {"id": "s", "region": "ay", "level": "junior_college", "kind": "higher_vocational_college", "backbone": True,
              "strategic_cooperation_agreement_signed": False}
    finding = _finding(book, {"region": [ANYANG], "school": school}, "04-2/backbone-school-industry-agreements")
    assert finding.status == "unmet"
    assert finding.bearer.entity == "government" and "市发展改革委" in finding.bearer.label
    assert finding.beneficiary is not None and finding.beneficiary.label == "全市骨干职业院校"


def test_enterprise_training_fund_is_enforced_by_the_governments(book: policyrules.Rulebook) -> None:
    enterprise = {"id": "e", "region": "ay", "training_fund_rate": {2018: 1.2}}
    finding = _finding(book, {"region": [ANYANG], "enterprise": enterprise}, "08-3/enterprise-training-fund", as_of="2018-12-31")
    assert finding.status == "unmet" and finding.subject.id == "e"
    assert finding.bearer.entity == "government" and finding.bearer.label == "各级政府"


def test_anyang_institute_is_the_object_of_the_target_not_its_bearer(book: policyrules.Rulebook) -> None:
    school = {"id": "ayit", "region": "ay", "name": "安阳工学院", "applied_tech_demonstration_undergraduate": False}
    finding = _finding(book, {"region": [ANYANG], "school": school}, "01-2/applied-undergraduate-demonstration")
    assert finding.bearer.entity == "government" and finding.bearer.label == "（未明示）"
    assert finding.beneficiary is not None and finding.beneficiary.label == "安阳工学院"


@pytest.mark.parametrize(
    ("rule", "kind"),
    [
        ("04-1/teaching-diagnosis", "higher_vocational_college"),
        ("06-1/expand-poverty-county-admissions", "higher_vocational_college"),
        ("07-2/overseas-students", "secondary_specialised"),
    ],
)
def test_school_bearers_the_text_does_not_name_are_marked(book: policyrules.Rulebook, rule: str, kind: str) -> None:
    finding = _finding(book, {"region": [ANYANG], "school": {"id": "s", "region": "ay", "kind": kind}}, rule)
    assert finding.bearer.label.endswith("（条文未明示责任主体）")
