"""The bundled examples say what README.md says they show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyrules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _decide(book: policyrules.Rulebook, name: str) -> policyrules.Decision:
    return book.evaluate(policyrules.load_case(EXAMPLES / name, book))


def _finding(decision: policyrules.Decision, rule_id: str) -> policyrules.Finding:
    (finding,) = [f for f in decision.findings if f.rule_id == rule_id]
    return finding


def test_every_example_evaluates(book: policyrules.Rulebook) -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    assert len(names) >= 5
    for name in names:
        decision = _decide(book, name)
        assert decision.case and decision.as_of.year in (2018, 2020, 2023)


def test_neihuang_student_gets_both_grants(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "neihuang-secondary-student.yaml")
    for rule_id in ("anyang-2018-2/06-1/national-grant", "anyang-2018-2/06-1/rain-dew-subsidy"):
        finding = _finding(decision, rule_id)
        assert finding.subject.id == "wang-xiaoming" and finding.bearer.id == "wang-xiaoming"
        assert finding.amount == policyrules.Amount(2000, "CNY", "per_student_per_year", False)
        assert {c.clause for c in finding.citations} == {"六、1", "附件 21"}
    assert _finding(decision, "anyang-2018-2/06-1/registered-poor-vocational-student").modality == "derived"


def test_anyang_technical_school_student_sees_both_documents_and_each_benefit_once(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "anyang-technical-school-student.yaml")
    documents = {f.citations[0].document for f in decision.findings if f.subject.id == "li-xiaohua"}
    assert documents == {"anyang-2018-2", "mohrss-2019-2"}
    (summary,) = [s for s in decision.benefits if s.subject.id == "li-xiaohua"]
    lines = {b.key: b for b in summary.benefits}
    assert lines["national_grant"].rules == ("mohrss-2019-2/12/national-grant", "anyang-2018-2/06-1/national-grant")
    assert [(v.low, v.high) for v in lines["national_grant"].values] == [(2000, 2000)]
    rain_dew = lines["rain_dew_subsidy"]
    assert [(g.amount.value, g.superseded_by) for g in rain_dew.amounts] == [(3000, ()), (2000, ("mohrss-2019-2/12/rain-dew-subsidy",))]
    assert [(t.unit, t.low, t.high, t.approximate) for t in summary.totals] == [("CNY", 5000, 5000, True)]


def test_zhengzhou_student_gets_nothing_from_the_anyang_document(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "zhengzhou-secondary-student.yaml")
    assert decision.findings == ()
    (grant,) = decision.why_not("anyang-2018-2/06-1/registered-poor-vocational-student")
    assert any(c.condition == "school.region.city == 安阳市" and c.actual == "郑州市" for c in grant.checks)


def test_higher_vocational_college_below_the_funding_floor(book: policyrules.Rulebook) -> None:
    finding = _finding(_decide(book, "anyang-public-higher-vocational.yaml"), "anyang-2018-2/05-2/higher-vocational-funding")
    assert finding.status == "unmet"
    assert [(c.condition, c.actual) for c in finding.compliance] == [("annual_funding_per_student >= 12000", "11000")]


def test_enterprise_below_the_training_fund_rate(book: policyrules.Rulebook) -> None:
    finding = _finding(_decide(book, "anyang-enterprise.yaml"), "anyang-2018-2/08-3/enterprise-training-fund")
    assert finding.status == "unmet"
    assert finding.range == policyrules.Range(1.5, 2.5, "percent", "职工工资总额")


def test_county_government_funding_duties(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "neihuang-county-government.yaml")
    # 25% of the 2018 教育费附加 in March: short of 30%, but the budget year is not over.
    assert _finding(decision, "anyang-2018-2/08-3/surcharge-share").status == "pending"
    assert _finding(decision, "anyang-2018-2/08-3/rural-tech-funds-share").status == "met"
    scheme = _finding(decision, "anyang-2018-2/08-3/county-per-student-funding")
    assert scheme.status == "met"
    assert scheme.deadline is not None and scheme.deadline.text == "2018年春季学期开始实施" and scheme.deadline.date is None
    assert scheme.deadline.window == (dt.date(2018, 2, 1), dt.date(2018, 7, 31))


def test_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Python API\n\n```python\n(.*?)```", readme, re.S)
    assert block is not None
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    decision = namespace["decision"]
    assert isinstance(decision, policyrules.Decision)
    assert "anyang-2018-2/06-1/national-grant" in [f.rule_id for f in decision.findings]
    assert "安政办〔2018〕2号" in capsys.readouterr().out
