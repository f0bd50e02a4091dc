"""policyrules test: a casebook run against a rulebook reports every difference."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from policyrules.cli import main

CASEBOOK = Path(__file__).parent / "casebook"

CASE = """\
cases:
  - name: 内黄县中职建档立卡学生
    as_of: 2018-09-01
    case:
      region: {{id: nh, province: 河南省, city: 安阳市, county: 内黄县}}
      school: {{id: sch, region: nh, level: secondary, kind: secondary_specialised, ownership: public}}
      household: {{id: h1, region: nh, poverty_registered: true}}
      student: {{id: s1, school: sch, household: h1, full_time: {full_time}, formal_enrolment: true}}
    expect:
      applies:
        - {{rule: anyang-2018-2/06-1/national-grant, subject: s1, amount: {amount}}}
      does_not_apply:
        - {{rule: anyang-2018-2/05-2/higher-vocational-funding, subject: sch}}
"""


def _write(tmp_path: Path, **values: object) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(CASE.format(**{"full_time": "true", "amount": 2000, **values}), encoding="utf-8")
    return path


def test_passing_casebook(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["test", str(_write(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "PASS mine.yaml:2 内黄县中职建档立卡学生" in result.output
    assert result.output.strip().endswith("1 passed, 0 failed")


def test_a_wrong_amount_is_a_failure_with_the_difference(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["test", str(_write(tmp_path, amount=2500))])
    assert result.exit_code == 1
    assert "FAIL mine.yaml:2" in result.output
    assert "anyang-2018-2/06-1/national-grant for s1: amount should be 2500, is 2000" in result.output


def test_a_rule_that_no_longer_applies_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["test", str(_write(tmp_path, full_time="false"))])
    assert result.exit_code == 1
    assert "anyang-2018-2/06-1/national-grant should apply for s1; it did not" in result.output


def test_benefit_lines_and_totals_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "benefits.yaml"
    path.write_text(
        CASE.format(full_time="true", amount=2000).replace("      does_not_apply:", """      benefits:
        - {subject: s1, key: national_grant, rules: [anyang-2018-2/06-1/national-grant], low: 2000, high: 2000, superseded: []}
        - {subject: s1, key: no_such_benefit}
        - {subject: s1, key: no_such_benefit, absent: true}
        - {subject: s1, key: rain_dew_subsidy, absent: true}
      totals:
        - {subject: s1, unit: CNY, period: per_student_per_year, low: 4000, high: 4000}
        - {subject: s1, unit: CNY, period: per_student_per_year, low: 2000, high: 2000}
      does_not_apply:"""),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # long lines may be wrapped
    assert "benefit no_such_benefit for s1 should be in the summary; it is not (benefits: national_grant, rain_dew_subsidy" in output
    assert "total for s1 should be 2000..2000 CNY per_student_per_year; totals: 4000..4000 CNY per_student_per_year" in output
    assert "benefit rain_dew_subsidy for s1 should not be in the summary; it is, from anyang-2018-2/06-1/rain-dew-subsidy" in output
    assert output.count("should") == 3  # the true lines pass


def test_a_malformed_casebook_is_one_located_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - name: x\n    case: {}\n    expect: {applies: [{rule: r, amout: 1}]}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert f"{path}:4" in result.output and "did you mean 'amount'" in result.output


def test_project_casebook_with_coverage() -> None:
    result = CliRunner().invoke(main, ["test", str(CASEBOOK), "--coverage"])
    assert result.exit_code == 0, result.output
    assert "rules shown applying:" in result.output
    assert "sentences of anyang-2018-2 exercised:" in result.output
    assert " 0 failed" in result.output
