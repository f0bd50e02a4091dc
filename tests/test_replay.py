"""policyrules replay (0 identical, 1 differs, 2 bad input) and evaluate --fail-on (exit 3),
on the real examples."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

import policyrules
from policyrules.cli import main
from policyrules.gates import failures
from policyrules.record import canonical_json
from policyrules.replay import replay
from policyrules.resources import bundled_rulebook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STUDENT = EXAMPLES / "anyang-technical-school-student.yaml"
GOVERNMENT = EXAMPLES / "neihuang-county-government.yaml"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _record(tmp_path: Path, case: Path = STUDENT, edit: Callable[[dict[str, Any]], None] | None = None, reseal: bool = True) -> Path:
    """The JSON `evaluate --format json` writes for `case`, optionally edited (and its facts digest renewed)."""
    result = _run("evaluate", str(case), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    if edit is not None:
        edit(data)
        if reseal and isinstance(data.get("facts"), dict):
            data["facts_sha256"] = hashlib.sha256(canonical_json(data["facts"]).encode("utf-8")).hexdigest()
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_replays_identical(tmp_path: Path, case: Path) -> None:
    result = _run("replay", str(_record(tmp_path, case)))
    assert result.exit_code == 0, result.output
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith("identical: ")
    assert "every document as recorded" in second


def test_changed_facts_differ_by_rule_and_subject(tmp_path: Path) -> None:
    def poorer(data: dict[str, Any]) -> None:
        data["facts"]["household"][0]["poverty_registered"] = False

    result = _run("replay", str(_record(tmp_path, edit=poorer)))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("differs (")
    assert any(line.split()[:2] == ["lost", "mohrss-2019-2/12/national-grant"] and "student li-xiaohua" in line for line in lines)
    assert any(line.split()[:2] == ["lost", "anyang-2018-2/06-1/rain-dew-subsidy"] for line in lines)
    assert any(line.split()[0] == "outcome" and "undetermined → does_not_apply" in line for line in lines)


def test_a_changed_rulebook_is_named_and_its_changed_finding_shown(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(bundled_rulebook(), root)
    rule_file = root / "clauses" / "mohrss-2019-2" / "12.yaml"
    text = rule_file.read_text(encoding="utf-8")
    assert text.count("amount: {value: 3000,") == 1
    rule_file.write_text(text.replace("amount: {value: 3000,", "amount: {value: 3500,"), encoding="utf-8")
    source = root / "sources" / "anyang-2018-2.txt"
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = _run("replay", str(_record(tmp_path)), "--rules", str(root))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "note: rulebook differs: recorded" in out
    assert "note: document anyang-2018-2 (安政办〔2018〕2号, 2018-01-04) differs: text not as recorded" in out
    assert "changed  mohrss-2019-2/12/rain-dew-subsidy for student li-xiaohua: amount.value 3000 → 3500" in out
    assert "mohrss-2019-2 (" not in out.split("changed")[0]  # its text is as recorded: only the rule changed


def test_identical_answer_from_another_rulebook_still_says_so(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(bundled_rulebook(), root)
    source = root / "sources" / "moe-2019-4.txt"
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = _run("replay", str(_record(tmp_path)), "--rules", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["result"] == "identical" and report["changes"] == []
    assert any(v.startswith("document moe-2019-4 ") and "text not as recorded" in v for v in report["versions"])


def test_replay_in_the_library() -> None:
    book = policyrules.load_rulebook()
    decision = book.evaluate(policyrules.load_case(STUDENT, book))
    report = replay(decision, book)
    assert report.identical and report.versions == () and report.replayed.to_json() == decision.to_json()


BAD = [
    ("not json", lambda p: p.write_text("{\"format\": 2,", encoding="utf-8"), "not JSON"),
    ("a list", lambda p: p.write_text("[]", encoding="utf-8"), "a decision record is a JSON object"),
    ("format 1", lambda p: _strip(p, "format"), "record format 1 cannot be replayed"),
    ("newer format", lambda p: _edit(p, format=5), "record format 5 cannot be replayed"),
    ("missing facts", lambda p: _strip(p, "facts"), "missing required field 'facts'"),
    ("edited facts", lambda p: _edit(p, facts={"student": [{"id": "someone-else"}]}), "do not match facts_sha256"),
    ("bad status", lambda p: _edit(p, findings=[{**_load(p)["findings"][0], "status": "fine"}]), "findings[0].status"),
    ("bad date", lambda p: _edit(p, as_of="2020-02-30"), "as_of"),
    ("NaN", lambda p: p.write_text(p.read_text(encoding="utf-8").replace('"format": 4', '"format": NaN'), encoding="utf-8"), "not a readable JSON record"),
]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _edit(path: Path, **fields: Any) -> None:
    path.write_text(json.dumps({**_load(path), **fields}, ensure_ascii=False), encoding="utf-8")


def _strip(path: Path, key: str) -> None:
    data = _load(path)
    del data[key]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(("label", "spoil", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_records_are_one_located_line(tmp_path: Path, label: str, spoil: Callable[[Path], None], words: str) -> None:
    path = _record(tmp_path)
    spoil(path)
    result = _run("replay", str(path))
    assert result.exit_code == 2, (label, result.output, result.exception)
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}") and words in line, line
    assert result.stdout == ""


def test_facts_that_no_longer_fit_the_schema_are_located_in_the_record(tmp_path: Path) -> None:
    path = _record(tmp_path, edit=lambda d: d["facts"]["student"][0].update(shoe_size=40))
    result = _run("replay", str(path))
    assert result.exit_code == 2
    assert "facts.student[0].shoe_size" in result.stderr and "no longer fit the fact schema" in result.stderr


def test_a_missing_record_is_bad_input(tmp_path: Path) -> None:
    result = _run("replay", str(tmp_path / "nowhere.json"))
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "cannot read file" in result.stderr


# --------------------------------------------------------------------------- --fail-on


def _case(tmp_path: Path, source: Path, **fields: Any) -> Path:
    """The example with the first line of each field given a new value."""
    text = source.read_text(encoding="utf-8")
    for field, value in fields.items():
        text, count = re.subn(rf"^(\s*){field}: .*$", rf"\g<1>{field}: {value}", text, count=1, flags=re.M)
        assert count == 1, field
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def test_fail_on_unmet_exits_3_naming_the_duty() -> None:
    case = EXAMPLES / "anyang-public-higher-vocational.yaml"
    assert _run("evaluate", str(case)).exit_code == 0
    result = _run("evaluate", str(case), "--fail-on", "unmet")
    assert result.exit_code == 3
    assert "fail-on unmet: anyang-2018-2/05-2/higher-vocational-funding for school anyang-polytechnic: obligation unmet" in result.stderr
    assert "目标" in result.stdout or "义务" in result.stdout  # the sheet is still printed


def test_fail_on_violated_is_an_obligation_unmet_after_its_deadline(tmp_path: Path) -> None:
    late = _case(tmp_path, GOVERNMENT, as_of="2018-09-01", per_student_funding_scheme_adopted="false")
    result = _run("evaluate", str(late), "--fail-on", "violated")
    assert result.exit_code == 3, result.output
    assert "violated: anyang-2018-2/08-3/county-per-student-funding for government neihuang-gov: obligation unmet" in result.stderr
    # the same miss before the deadline has passed is pending: nothing is violated yet
    early = _case(tmp_path, GOVERNMENT, per_student_funding_scheme_adopted="false")
    assert _run("evaluate", str(early), "--fail-on", "violated").exit_code == 0


def test_fail_on_undetermined_and_the_comma_list(tmp_path: Path) -> None:
    zhengzhou = EXAMPLES / "zhengzhou-secondary-student.yaml"
    assert _run("evaluate", str(zhengzhou), "--fail-on", "unmet,undetermined,violated").exit_code == 0
    result = _run("evaluate", str(STUDENT), "--format", "json", "--fail-on", "violated", "--fail-on", "undetermined")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["format"] == 4  # the record is still written
    assert all(line.startswith("fail-on undetermined: ") for line in result.stderr.splitlines())


def test_fail_on_an_unknown_word_is_a_usage_error() -> None:
    result = _run("evaluate", str(STUDENT), "--fail-on", "unmett")
    assert result.exit_code == 2 and "'unmett' is not one of: unmet, undetermined, violated" in result.output


def test_violated_is_a_prohibition_shown_broken_not_one_that_merely_binds() -> None:
    book = policyrules.load_rulebook()
    case = {
        "region": [{"id": "jms", "province": "黑龙江省", "city": "佳木斯市", "level": "city"}],
        "government": {"id": "jms-edu", "region": "jms", "level": "city", "kind": "department", "department": "education"},
        "school": [
            {"id": "kept", "region": "jms", "level": "secondary", "kind": "vocational_high", "per_student_funding_offset_by_own_income": False},
            {"id": "offset", "region": "jms", "level": "secondary", "kind": "vocational_high", "per_student_funding_offset_by_own_income": True},
        ],
        "employer": {"id": "firm", "region": "jms", "kind": "other"},
        "recruitment": [
            {"id": "barring", "employer": "firm", "excludes_vocational_graduates": True},
            {"id": "skills", "employer": "firm", "excludes_vocational_graduates": False, "requires_general_university_graduates": False, "sets_skill_requirement": True},
        ],
    }
    decision = book.evaluate(case, as_of="2023-06-01")
    broken = {(line.split(" for ")[0].split()[-1], line.split(" for ")[1].split(":")[0]) for line in failures(decision, ["violated"])}
    # the notice barring vocational graduates (both texts), and the school whose funding was offset
    assert broken == {
        ("cpc-2022-modern-vet/13/no-barriers-to-vocational-graduates", "recruitment barring"),
        ("jiamusi-2022-plan/4-5/no-barriers-to-vocational-graduates", "recruitment barring"),
        ("jiamusi-2022-plan/4-2/no-offset-of-per-student-funding", "school offset"),
    }
    # 杜绝… binds the education department, with no fact of a breach: not a violation
    binding = next(f for f in decision.findings if f.rule_id == "jiamusi-2022-plan/4-1/no-devolving-to-schools")
    assert binding.status is policyrules.FindingStatus.APPLIES and not failures(attrs.evolve(decision, findings=(binding,), outcomes=()), ["violated"])