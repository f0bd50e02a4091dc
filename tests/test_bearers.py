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
    ],
)
def test_school_bearers_the_text_does_not_name_are_marked(book: policyrules.Rulebook, rule: str, kind: str) -> None:
    finding = _finding(book, {"region": [ANYANG], "school": {"id": "s", "region": "ay", "kind": kind}}, rule)
    assert finding.bearer.label.endswith("（条文未明示责任主体）")


def test_exemplary_projects_are_supported_by_the_governments_of_the_sentence_before(book: policyrules.Rulebook) -> None:
    """四、3: 对…校企合作项目给予重点扶持 continues the 各级政府 of 各级政府要…予以表彰."""
    case = {"region": [ANYANG], "school": {"id": "s", "region": "ay", "kind": "vocational_high", "exemplary_cooperation_project": True},
            "enterprise": {"id": "e", "region": "ay", "exemplary_cooperation_project": True}}
    for rule in ("04-3/exemplary-project-school", "04-3/exemplary-project-enterprise"):
        assert _finding(book, case, rule).bearer.label == "各级政府"


def test_overseas_students_encourage_the_schools_and_regulating_schools_abroad_is_the_row_26_duty(book: policyrules.Rulebook) -> None:
    """七、2#4 under 鼓励骨干职业院校“走出去”: the schools are encouraged, the 规范 is an authority's act."""
    school = {"id": "s", "region": "ay", "kind": "secondary_specialised"}
    finding = _finding(book, {"region": [ANYANG], "school": school}, "07-2/overseas-students")
    assert finding.modality == "encouragement" and finding.bearer.label == "我市职业院校" and finding.status == "applies"
    bureau = {"id": "g", "region": "ay", "level": "city", "kind": "department", "department": "education"}
    duty = _finding(book, {"region": [ANYANG], "government": bureau}, "07-2/overseas-schooling")
    assert duty.modality == "obligation" and duty.bearer.label == "市教育局、市财政局、市政府办公室(市政府外侨办)"


def test_pushing_schools_to_train_more_is_the_row_18_duty(book: policyrules.Rulebook) -> None:
    """五、4 鼓励和推动职业院校: the schools are encouraged; the 推动 is the annex row 18 units' duty."""
    bureau = {"id": "g", "region": "ay", "level": "city", "kind": "department", "department": "human_resources_social_security"}
    duty = _finding(book, {"region": [ANYANG], "government": bureau}, "05-4/push-school-training-expansion")
    assert duty.modality == "obligation" and duty.bearer.label.startswith("市人力资源社会保障局")
    school = {"id": "s", "region": "ay", "kind": "technical_school"}
    assert _finding(book, {"region": [ANYANG], "school": school}, "05-4/school-training-expansion").modality == "encouragement"


def test_an_encouragement_that_names_nobody_says_so_and_keeps_to_the_text(book: policyrules.Rulebook) -> None:
    """四、4 鼓励以引企驻校…吸引优质企业与职业院校共建: the title adds no 鼓励职业院校."""
    school = {"id": "s", "region": "ay", "kind": "higher_vocational_college"}
    finding = _finding(book, {"region": [ANYANG], "school": school}, "04-4/productive-training-base-cooperation")
    assert finding.bearer.label == "职业院校（条文未明示鼓励对象）"
    assert finding.title.startswith("鼓励以引企驻校")


def test_rain_dew_subsidy_says_the_household_decides(book: policyrules.Rulebook) -> None:
    """An 安阳 household's child at a 郑州 中职: the class bound by the school does not apply, the subsidy does, labelled by 户籍."""
    zhengzhou = {"id": "zz", "province": "河南省", "city": "郑州市"}
    case = {"region": [NEIHUANG, zhengzhou], "school": {"id": "sch", "region": "zz", "level": "secondary", "kind": "secondary_specialised"},
            "household": {"id": "h", "region": "nh", "poverty_registered": True},
            "student": {"id": "s", "school": "sch", "household": "h", "full_time": True, "formal_enrolment": True}}
    finding = _finding(book, case, "06-1/rain-dew-subsidy")
    assert finding.bearer.label == "中等职业学校全日制正式学籍建档立卡贫困家庭学生（按家庭户籍）"
    assert "anyang-2018-2/06-1/registered-poor-vocational-student" not in [f.rule_id for f in book.evaluate(case, as_of="2018-09-01").findings]
