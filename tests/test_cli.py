"""cli: evaluate a case file and print citations; bad input is one `error:` line, exit 2."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policyrules.cli import main

from conftest import ANYANG, ANYANG_QUOTE, GRANT_WHEN, line_of, rule_file, rule_item, write_rule_file

CASE = """\
case: 内黄县中职学生（建档立卡）
as_of: 2018-09-01
region:
  - id: neihuang
    province: 河南省
    city: 安阳市
    county: 内黄县
school:
  id: neihuang-zz
  region: neihuang
  level: secondary
  kind: secondary_specialised
  ownership: public
household:
  id: wang-family
  region: neihuang
  poverty_registered: true
student:
  id: wang-xiaoming
  school: neihuang-zz
  household: wang-family
  full_time: true
  formal_enrolment: true
"""


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _one_error_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_help() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    assert "evaluate" in result.stdout and "check" in result.stdout
    for command in ("evaluate", "check"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "--rules" in result.stdout
    assert "--as-of" in _run("evaluate", "-h").stdout


def test_evaluate_prints_document_number_clause_and_quote(tmp_path: Path, grant_root: Path) -> None:
    result = _run("evaluate", str(_write(tmp_path, CASE)), "--rules", str(grant_root), "--as-of", "2018-09-01", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "安政办〔2018〕2号" in result.stdout
    assert f"安政办〔2018〕2号 六、1: “{ANYANG_QUOTE}”" in result.stdout
    assert "2000 CNY per_student_per_year" in result.stdout
    assert "内黄县中职学生（建档立卡）" in result.stdout
    assert "as of 2018-09-01" in result.stdout
    assert result.stderr == ""


def test_evaluate_with_the_bundled_rulebook(tmp_path: Path) -> None:
    result = _run("evaluate", str(_write(tmp_path, CASE)))
    assert result.exit_code == 0, result.output
    assert "安政办〔2018〕2号" in result.stdout
    assert "每生每年2000元标准发放国家助学金" in result.stdout
    assert "六、1" in result.stdout


def test_a_benefit_whose_date_has_passed_is_shown_as_still_applying(tmp_path: Path) -> None:
    case = _write(tmp_path, """\
        as_of: 2021-03-01
        region: {id: zj, province: 四川省, city: 凉山彝族自治州, county: 昭觉县, level: county}
        household: {id: h, region: zj, poverty_registered: true}
        student: {id: s, household: h, two_after_graduate: true, wishes_technical_school: true}
        """.replace("        ", ""))
    result = _run("evaluate", str(case), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "deadline: 到2020年底 (2020-12-31, passed) — the date it was to be provided by; the benefit still applies" in text


def test_evaluate_json(tmp_path: Path, grant_root: Path) -> None:
    result = _run("evaluate", str(_write(tmp_path, CASE)), "--rules", str(grant_root), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["case"] == "内黄县中职学生（建档立卡）"
    assert data["as_of"] == "2018-09-01"  # the case's own date
    (grant,) = [f for f in data["findings"] if f["rule_id"] == "syn/grant"]
    assert grant["citations"][0]["number"] == "安政办〔2018〕2号"
    assert grant["citations"][0]["clause"] == "六、1"
    assert grant["citations"][0]["quote"] == ANYANG_QUOTE
    assert grant["amount"]["value"] == 2000
    assert {o["status"] for o in data["outcomes"]} <= {"applies", "does_not_apply", "undetermined"}


def test_as_of_option_overrides_the_case(tmp_path: Path, grant_root: Path) -> None:
    result = _run("evaluate", str(_write(tmp_path, CASE)), "--rules", str(grant_root), "--format", "json", "--as-of", "2017-12-31")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2017-12-31"
    assert "syn/grant" not in [f["rule_id"] for f in data["findings"]]


def test_explain_lists_rules_that_do_not_apply(tmp_path: Path, grant_root: Path) -> None:
    text = CASE.replace("  full_time: true", "  full_time: false")
    result = _run("evaluate", str(_write(tmp_path, text)), "--rules", str(grant_root), "--explain", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Does not apply" in result.stdout
    assert "syn/grant" in result.stdout
    assert "full_time == true (actual: false)" in result.stdout


def test_undetermined_rules_are_listed(tmp_path: Path, grant_root: Path) -> None:
    text = CASE.replace("  full_time: true\n", "")
    result = _run("evaluate", str(_write(tmp_path, text)), "--rules", str(grant_root), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Undetermined" in result.stdout
    assert "syn/grant" in result.stdout and "full_time == true" in result.stdout


def test_case_outside_the_city_with_a_one_rule_rulebook(tmp_path: Path, rules_root: Path) -> None:
    write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", rule_file(ANYANG, "六、1", rule_item("syn/grant", when=GRANT_WHEN)))
    text = CASE.replace("city: 安阳市", "city: 郑州市")
    result = _run("evaluate", str(_write(tmp_path, text)), "--rules", str(rules_root), "--format", "json")
    assert result.exit_code == 0, (result.exit_code, result.output)
    assert json.loads(result.stdout)["findings"] == []


@pytest.mark.parametrize(
    ("old", "new", "marker", "field"),
    [
        ("  full_time: true", "  ful_time: true", "ful_time", "student.ful_time"),
        ("  level: secondary", "  level: 中等（高中阶段）", "level: 中等（高中阶段）", "school.level"),
        ("  school: neihuang-zz\n", "  school: neihuang-zzz\n", "school: neihuang-zzz", "student.school"),
    ],
    ids=["unknown-field", "enum-label", "dangling-ref"],
)
def test_bad_case_file_is_one_error_line(tmp_path: Path, grant_root: Path, old: str, new: str, marker: str, field: str) -> None:
    text = CASE.replace(old, new, 1)
    path = _write(tmp_path, text)
    line = _one_error_line(_run("evaluate", str(path), "--rules", str(grant_root)))
    assert f"{path}:{line_of(text, marker)}: {field}" in line


def test_case_file_with_yaml_error(tmp_path: Path, grant_root: Path) -> None:
    text = CASE.replace("  full_time: true", "  full_time: true\n  full_time: false")
    path = _write(tmp_path, text)
    line = _one_error_line(_run("evaluate", str(path), "--rules", str(grant_root)))
    assert f"{path}:{line_of(text, 'full_time: false')}" in line


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        (CASE.replace("as_of: 2018-09-01", "as_of: 2018-02-30"), "as_of"),
        (CASE + "extra: " + "[" * 3000 + "]" * 3000 + "\n", "extra"),
        (CASE.replace("student:", "student: !!python/object/apply:os.system\n  args: [ls]\nstudent2:"), "!!python"),
    ],
    ids=["impossible-date", "deep-nesting", "python-tag"],
)
def test_hostile_case_files_are_one_error_line(tmp_path: Path, grant_root: Path, text: str, marker: str) -> None:
    path = _write(tmp_path, text)
    line = _one_error_line(_run("evaluate", str(path), "--rules", str(grant_root)))
    assert f"{path}:{line_of(text, marker)}" in line


def test_non_utf8_case_file(tmp_path: Path, grant_root: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(CASE.encode("gbk"))
    line = _one_error_line(_run("evaluate", str(path), "--rules", str(grant_root)))
    assert str(path) in line


def test_missing_case_file(tmp_path: Path, grant_root: Path) -> None:
    path = tmp_path / "absent.yaml"
    line = _one_error_line(_run("evaluate", str(path), "--rules", str(grant_root)))
    assert str(path) in line


def test_bad_as_of_option(tmp_path: Path, grant_root: Path) -> None:
    line = _one_error_line(_run("evaluate", str(_write(tmp_path, CASE)), "--rules", str(grant_root), "--as-of", "2018-02-30"))
    assert "2018-02-30" in line


def test_check_reports_ok(grant_root: Path) -> None:
    result = _run("check", "--rules", str(grant_root))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("rulebook OK")
    assert "3 rules" in result.stdout
    assert "(3 entitlement)" in result.stdout


def test_check_bundled() -> None:
    result = _run("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("rulebook OK: ")


def test_check_reports_a_bad_rule_file(rules_root: Path) -> None:
    text = rule_file(ANYANG, "六、1", rule_item("syn/grant", when={"field": "school.levl", "op": "==", "value": "x"}))
    path = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", text)
    line = _one_error_line(_run("check", "--rules", str(rules_root)))
    assert f"{path}:{line_of(text, 'school.levl')}: rules[0].when.field" in line
    assert "did you mean 'level'" in line


def test_check_on_a_folder_that_is_not_a_rulebook(tmp_path: Path) -> None:
    line = _one_error_line(_run("check", "--rules", str(tmp_path)))
    assert str(tmp_path) in line


def test_fields_lists_the_fact_schema() -> None:
    result = CliRunner().invoke(main, ["fields", "student"])
    assert result.exit_code == 0, result.output
    assert "full_time" in result.output and "全日制" in result.output
    assert "ref → school" in result.output
    assert "region" not in result.output.split("\n")[0]


def test_fields_with_an_unknown_entity_suggests() -> None:
    result = CliRunner().invoke(main, ["fields", "studnt"])
    assert result.exit_code == 2
    assert "did you mean 'student'" in result.output


def test_explain_shows_the_failed_condition_behind_a_chained_rule(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        "region: [{id: nh, province: 河南省, city: 安阳市, county: 内黄县}]\n"
        "school: {id: sch, region: nh, level: secondary, kind: secondary_specialised}\n"
        "household: {id: h1, region: nh, poverty_registered: true}\n"
        "student: {id: s1, school: sch, household: h1, full_time: false, formal_enrolment: true}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["evaluate", str(case), "--as-of", "2019-01-01", "--explain", "--lang", "en"])
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if "anyang-2018-2/06-1/national-grant for student s1" in l)
    assert "derived registered_poor_vocational_student (does_not_apply" in line
    assert "full_time == true (actual: false)" in line
