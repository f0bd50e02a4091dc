"""Explanations on real cases: how, why not, what is missing, what would change it, why nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import policyrules
from policyrules.cli import main
from policyrules.explain import Status
from policyrules.explanation import Explanation

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GRANT = "anyang-2018-2/06-1/national-grant"


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _student(**fields: Any) -> dict[str, Any]:
    student = {"id": "s1", "school": "sch", "household": "h1", "full_time": True, "formal_enrolment": True}
    student.update(fields)
    return {
        "region": [{"id": "nh", "province": "河南省", "city": "安阳市", "county": "内黄县"}],
        "school": {"id": "sch", "region": "nh", "level": "secondary", "kind": "secondary_specialised", "ownership": "public"},
        "household": {"id": "h1", "region": "nh", "poverty_registered": True},
        "student": {k: v for k, v in student.items() if v is not None},
    }


def _example(book: policyrules.Rulebook, name: str) -> policyrules.Decision:
    return book.evaluate(policyrules.load_case(EXAMPLES / name, book))


def test_how_walks_from_the_finding_through_the_derived_fact_to_the_input_facts(book: policyrules.Rulebook) -> None:
    decision = _example(book, "neihuang-secondary-student.yaml")
    assert decision.explanation is not None
    (how,) = [d for d in decision.explanation.how if d.rule.rule_id == GRANT]
    assert how.subject.id == "wang-xiaoming" and how.rule.status is Status.APPLIES
    assert {c.clause for c in how.rule.citations} == {"六、1", "附件 21"}
    (derived,) = [s for s in how.rule.conditions if s.kind == "derived"]
    (producer,) = derived.rules
    assert producer.rule_id == "anyang-2018-2/06-1/registered-poor-vocational-student"
    assert producer.citations and producer.citations[0].quote
    full_time = next(leaf for leaf in derived.leaves() if leaf.path == "full_time")
    assert (full_time.label, full_time.expected, full_time.actual) == ("全日制", "true", "true")
    assert len(decision.explanation.how) == len(decision.findings)


def test_why_not_names_the_full_time_condition_with_the_value_seen_and_the_clause(book: policyrules.Rulebook) -> None:
    decision = book.evaluate(_student(full_time=False), as_of="2018-09-01")
    assert decision.explanation is not None
    (entry,) = [w for w in decision.explanation.why_not if w.rule.rule_id == GRANT]
    assert entry.excluded_by == ("condition",)
    assert "六、1" in {c.clause for c in entry.rule.citations}
    (leaf,) = [leaf for leaf in entry.rule.leaves() if leaf.result is Status.DOES_NOT_APPLY]
    assert (leaf.path, leaf.label, leaf.expected, leaf.actual, leaf.category) == ("full_time", "全日制", "true", "false", "condition")


def test_an_unknown_wish_is_in_the_interview_guide(book: policyrules.Rulebook) -> None:
    case = {
        "region": {"id": "zj", "province": "四川省", "city": "凉山彝族自治州", "county": "昭觉县", "level": "county"},
        "household": {"id": "h", "region": "zj", "poverty_registered": True},
        "student": {"id": "s", "household": "h", "two_after_graduate": True},
        "labourer": {"id": "l", "household": "h"},
    }
    decision = book.evaluate(case, as_of="2020-03-01")
    assert decision.explanation is not None
    guide = {(m.subject.id, m.path): m for m in decision.explanation.missing}
    assert "mohrss-2019-2/02/free-technical-education" in guide[("s", "wishes_technical_school")].rules
    assert guide[("s", "wishes_technical_school")].label == "有就读技工院校意愿"
    assert "mohrss-2019-2/02/free-vocational-training" in guide[("l", "wishes_training")].rules
    ranks = [(-len(m.rules), -m.money_per_year) for m in decision.explanation.missing]
    assert ranks == sorted(ranks)


def test_a_counterfactual_is_minimal_and_valid(book: policyrules.Rulebook) -> None:
    decision = book.evaluate(_student(full_time=False, formal_enrolment=False), as_of="2018-09-01")
    proposal = book.counterfactual(decision, GRANT)
    assert proposal is not None
    assert {(c.path, c.before, c.after) for c in proposal.changes} == {("full_time", "false", "true"), ("formal_enrolment", "false", "true")}
    # valid: applying it makes the rule apply; minimal: no change can be left out.
    changed = {c.path: c.after == "true" for c in proposal.changes}
    assert GRANT in [f.rule_id for f in book.evaluate(_student(**changed), as_of="2018-09-01").findings]
    for path in changed:
        fewer = {p: v for p, v in changed.items() if p != path}
        partial = {"full_time": False, "formal_enrolment": False, **fewer}
        assert GRANT not in [f.rule_id for f in book.evaluate(_student(**partial), as_of="2018-09-01").findings]


def test_a_counterfactual_never_moves_the_case_unless_asked(book: policyrules.Rulebook) -> None:
    decision = _example(book, "zhengzhou-secondary-student.yaml")
    assert book.counterfactual(decision, GRANT) is None
    moved = book.counterfactual(decision, GRANT, allow=("place",))
    assert moved is not None and [(c.path, c.after, c.category) for c in moved.changes] == [("school.region.city", "安阳市", "place")]


def test_a_counterfactual_is_asked_of_a_benefit_only(book: policyrules.Rulebook) -> None:
    decision = book.evaluate(_student(), as_of="2018-09-01")
    with pytest.raises(policyrules.EvaluationError, match="benefit"):
        book.counterfactual(decision, "anyang-2018-2/06-1/registered-poor-vocational-student")


def test_why_nothing_names_the_document_and_the_place_check(book: policyrules.Rulebook) -> None:
    decision = _example(book, "zhengzhou-secondary-student.yaml")
    assert decision.findings == () and decision.explanation is not None
    documents = {n.number: n for n in decision.explanation.not_binding}
    anyang = documents["安政办〔2018〕2号"]
    assert anyang.excluded_by[0] == "place"
    assert any(s.condition.endswith("city == 安阳市") and s.actual == "郑州市" and s.category == "place" for s in anyang.checks)
    assert documents["人社部发〔2019〕2号"].excluded_by[0] == "date"


def test_the_explanation_round_trips_and_fits_the_schema(book: policyrules.Rulebook, tmp_path: Path) -> None:
    from policyrules.replay import read_record

    decision = book.evaluate(_student(full_time=None), as_of="2018-09-01")
    data = json.loads(decision.to_json())
    assert data["format"] == 4 and data["explanation"]["missing"]
    assert policyrules.Decision.from_dict(data) == decision
    assert Explanation.from_dict(data["explanation"]) == decision.explanation
    record = tmp_path / "record.json"
    record.write_text(decision.to_json(), encoding="utf-8")
    assert read_record(record) == decision  # validated against decision.schema.json
    assert book.evaluate(_student(), as_of="2018-09-01", explain=False).explanation is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rule", GRANT], ["六、1", "全日制 (full_time): false, expected true [condition]", "What would change it", "were true instead of false"]),
        (["--why-not"], ["Why not", "excluded by condition"]),
        (["--missing"], ["What is missing"]),
        (["--format", "markdown", "--rule", GRANT], ["# ", "## Why not", "- ✗ anyang-2018-2/06-1/national-grant"]),
    ],
)
def test_explain_command(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(json.dumps({**_student(full_time=False), "as_of": "2018-09-01"}, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", str(case), *args])
    assert result.exit_code == 0, result.output
    for words in expected:
        assert words in result.output.replace("\\_", "_")


def test_explain_command_json_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "why.json"
    result = CliRunner().invoke(main, ["explain", str(EXAMPLES / "zhengzhou-secondary-student.yaml"), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "安政办〔2018〕2号" in [n["number"] for n in data["not_binding"]]


def test_explain_command_unknown_rule_suggests(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["explain", str(EXAMPLES / "neihuang-secondary-student.yaml"), "--rule", GRANT + "x"])
    assert result.exit_code == 2 and "did you mean" in result.output


def test_readme_explanation_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    api = re.search(r"## Python API\n\n```python\n(.*?)```", readme, re.S)
    block = re.search(r"## Explanations\n.*?```python\n(.*?)```", readme, re.S)
    assert api is not None and block is not None
    namespace: dict[str, object] = {}
    exec(compile(api.group(1) + block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    printed = capsys.readouterr().out
    for expected in re.findall(r"^# (.+)$", block.group(1), re.M):
        assert expected in printed


def test_evaluate_prints_why_nothing_when_nothing_applies() -> None:
    result = CliRunner().invoke(main, ["evaluate", str(EXAMPLES / "zhengzhou-secondary-student.yaml")])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "本案无适用规定" in text  # the sheet's Chinese; `--lang en`: "Nothing applies to this case"
    assert "安政办〔2018〕2号" in text and "郑州市, expected 安阳市 [place]" in text


def test_a_format_2_record_still_replays(book: policyrules.Rulebook, tmp_path: Path) -> None:
    from policyrules.replay import read_record, replay

    decision = _example(book, "neihuang-secondary-student.yaml")
    data = json.loads(decision.to_json())
    data["format"] = 2
    del data["explanation"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    recorded = read_record(path)
    assert recorded.explanation is None and replay(recorded, book).identical
