"""policyrules batch: registries in every format, bad rows, resume after a kill, --compare, workers.

pyarrow is imported inside the tests (in the forked process each test runs in), never at
module level: importing it starts threads, and the process that forks the tests must have
one (conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import policyrules
from policyrules.batch import Job, MappingError, load_mapping, run
from policyrules.batch.generate import write_registry
from policyrules.cli import main
from policyrules.resources import bundled_rulebook

from conftest import amend_national_grant

AS_OF = "2019-09-01"
POLICYRULES = Path(sys.executable).with_name("policyrules")


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def read_output(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # here, in the test's process: see the module docstring

        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def batch(input_path: Path, output: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["batch", str(input_path), "-o", str(output), "--as-of", AS_OF, *args])
    return result


NEIHUANG_ROW = {
    "case_id": "wang",
    "student.full_time": "是",
    "student.formal_enrolment": "true",
    "student.junior_high_graduate": "1",
    "student.entered_general_high_school": "否",
    "household.poverty_registered": "true",
    "household.rural": "true",
    "school.level": "secondary",
    "school.kind": "secondary_specialised",
    "school.ownership": "public",
    "school.name": "内黄县中等职业学校",
    "school.region.province": "河南省",
    "school.region.city": "安阳市",
    "school.region.county": "内黄县",
    "school.region.level": "county",
    "school.region.poverty_county": "true",
    "household.region.province": "河南省",
    "household.region.city": "安阳市",
    "household.region.county": "内黄县",
    "household.region.level": "county",
    "household.region.poverty_county": "true",
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    names = list(dict.fromkeys(k for row in rows for k in row))
    lines = [",".join(names)] + [",".join(row.get(n, "") for n in names) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_row_is_decided_as_the_case_it_describes(tmp_path: Path, book: policyrules.Rulebook) -> None:
    out = tmp_path / "out.jsonl"
    result = batch(write_csv(tmp_path / "r.csv", [NEIHUANG_ROW]), out)
    assert result.exit_code == 0, result.output
    records = read_output(out)
    case = {
        "region": [
            {"id": "s", "province": "河南省", "city": "安阳市", "county": "内黄县", "level": "county", "poverty_county": True},
            {"id": "h", "province": "河南省", "city": "安阳市", "county": "内黄县", "level": "county", "poverty_county": True},
        ],
        "school": {"id": "school", "region": "s", "level": "secondary", "kind": "secondary_specialised", "ownership": "public", "name": "内黄县中等职业学校"},
        "household": {"id": "household", "region": "h", "poverty_registered": True, "rural": True},
        "student": {"id": "wang", "school": "school", "household": "household", "full_time": True, "formal_enrolment": True,
                    "junior_high_graduate": True, "entered_general_high_school": False},
    }
    decision = book.evaluate(case, as_of=AS_OF)
    findings = [r for r in records if r["kind"] == "finding"]
    assert [(r["rule_id"], r["subject_type"]) for r in findings] == [(f.rule_id, f.subject.type) for f in decision.findings]
    grant = next(r for r in findings if r["rule_id"] == "anyang-2018-2/06-1/national-grant")
    assert grant["amount"] == 2000 and grant["unit"] == "CNY" and grant["period"] == "per_student_per_year"
    assert grant["number"][0] == "安政办〔2018〕2号" and grant["clause"] == ["六、1", "附件 21"]
    assert "每生每年2000元标准发放国家助学金" in grant["quote"][0]
    totals = [r for r in records if r["kind"] == "total" and r["subject_type"] == "student" and r["unit"] == "CNY"]
    expected = next(s for s in decision.benefits if s.subject.type == "student").totals
    assert [(t["low"], t["high"], t["period"]) for t in totals] == [(float(t.low), float(t.high), t.period) for t in expected if t.unit == "CNY"]
    assert all(r["case_id"] == "wang" and r["row"] == 1 for r in records)


@pytest.mark.parametrize("output_suffix", [".jsonl", ".parquet"])
def test_every_input_format_gives_the_same_output(tmp_path: Path, book: policyrules.Rulebook, output_suffix: str) -> None:
    outputs = {}
    for suffix in (".csv", ".jsonl", ".parquet", ".xlsx"):
        registry = tmp_path / f"registry{suffix}"
        write_registry(book.schema, registry, rows=120, seed=5)
        out = tmp_path / f"out-{suffix[1:]}{output_suffix}"
        result = batch(registry, out)
        assert result.exit_code == 0, result.output
        outputs[suffix] = read_output(out)
    reference = outputs[".parquet"]
    assert {r["row"] for r in reference} == set(range(1, 121))  # every row accounted for
    assert any(r["kind"] == "finding" for r in reference)
    for suffix, records in outputs.items():
        assert records == reference, suffix


def test_jsonl_and_parquet_outputs_hold_the_same_rows(tmp_path: Path, book: policyrules.Rulebook) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    registry = tmp_path / "r.parquet"
    write_registry(book.schema, registry, rows=80, seed=9)
    assert batch(registry, tmp_path / "o.jsonl").exit_code == 0
    assert batch(registry, tmp_path / "o.parquet").exit_code == 0
    assert read_output(tmp_path / "o.jsonl") == read_output(tmp_path / "o.parquet")
    assert pq.read_schema(tmp_path / "o.parquet").field("quote").type == pa.list_(pa.string())


def test_bad_rows_become_error_rows_naming_row_and_column(tmp_path: Path) -> None:
    rows = [
        dict(NEIHUANG_ROW, case_id="a"),
        dict(NEIHUANG_ROW, case_id="b", **{"student.full_time": "maybe"}),
        dict(NEIHUANG_ROW, case_id="c", **{"student.age": "十七"}),
        dict(NEIHUANG_ROW, case_id="d", **{"school.kind": "中专学校"}),
        dict(NEIHUANG_ROW, case_id="e", **{"school.kind": "general_high", "student.entered_general_high_school": "false"}),
        dict(NEIHUANG_ROW, case_id="f", **{"student.full_time": ""}),
    ]
    out = tmp_path / "out.jsonl"
    result = batch(write_csv(tmp_path / "r.csv", rows), out)
    assert result.exit_code == 0, result.output
    records = read_output(out)
    errors = {r["case_id"]: r for r in records if r["kind"] == "error"}
    assert set(errors) == {"b", "c", "d", "e"}
    assert errors["b"]["column"] == "student.full_time" and errors["b"]["error"].startswith("row 2, column student.full_time:")
    assert errors["c"]["column"] == "student.age" and "whole number" in errors["c"]["error"]
    assert errors["d"]["column"] == "school.kind" and "not one of" in errors["d"]["error"]
    assert "school.kind" in errors["e"]["column"] and "student.entered_general_high_school" in errors["e"]["column"]
    assert "矛盾" in errors["e"]["error"]
    decided = {r["case_id"] for r in records if r["kind"] != "error"}
    assert decided == {"a", "f"}
    # an empty cell is unknown, never "no": the grant waits on full_time
    assert "anyang-2018-2/06-1/national-grant" not in {r["rule_id"] for r in records if r["case_id"] == "f"}
    assert "4 error rows" in result.output


def test_a_line_that_is_not_json_is_an_error_row(tmp_path: Path) -> None:
    registry = tmp_path / "r.jsonl"
    registry.write_text(json.dumps(NEIHUANG_ROW, ensure_ascii=False) + "\n{oops\n" + json.dumps({"case_id": "x"}) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert batch(registry, out).exit_code == 0
    records = read_output(out)
    bad = [r for r in records if r["kind"] == "error"]
    assert len(bad) == 1 and bad[0]["row"] == 2 and bad[0]["error"].startswith("row 2: not JSON")
    assert {r["case_id"] for r in records if r["kind"] != "error"} == {"wang", "x"}


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("case_id,student.ful_time\n1,true\n", "student has no field 'ful_time'"),
        ("case_id,school.region\n1,x\n", "is a link"),
        ("case_id,school.annual_funding_per_student\n1,12000\n", "yearly figure"),
        ("case_id,student.age@2018\n1,17\n", "not a yearly figure"),
    ],
)
def test_a_misspelt_column_stops_the_run_before_anything_is_decided(tmp_path: Path, header: str, words: str) -> None:
    registry = tmp_path / "r.csv"
    registry.write_text(header, encoding="utf-8")
    result = batch(registry, tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert words in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_a_mapping_file_renames_columns_and_recodes_values(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "case_id: 学号\n"
        "columns:\n  是否全日制: student.full_time\n  建档立卡户: household.poverty_registered\n  学校类型: school.kind\n"
        "values:\n  school.kind: {中专: secondary_specialised, 职高: vocational_high}\n"
        "  household.poverty_registered: {已建档: true, 未建档: false, 待核实: null}\n",
        encoding="utf-8",
    )
    row = {k: v for k, v in NEIHUANG_ROW.items() if k not in ("case_id", "student.full_time", "household.poverty_registered", "school.kind")}
    rows = [dict(row, 学号="7", 是否全日制="是", 建档立卡户="已建档", 学校类型="中专", 姓名="王小明"),
            dict(row, 学号="8", 是否全日制="是", 建档立卡户="待核实", 学校类型="职高", 姓名="李")]
    out = tmp_path / "o.jsonl"
    result = batch(write_csv(tmp_path / "r.csv", rows), out, "--map", str(mapping))
    assert result.exit_code == 0, result.output
    assert "ignored columns (no field): 姓名" in result.output
    records = read_output(out)
    grants = {r["case_id"] for r in records if r["rule_id"] == "anyang-2018-2/06-1/national-grant"}
    assert grants == {"7"}  # 8's household is 待核实: unknown, so undetermined, not granted
    assert load_mapping(mapping).renamed()["学校类型"] == "school.kind"
    mapping.write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(MappingError, match="did you mean 'columns'"):
        load_mapping(mapping)


def test_workers_2_write_what_workers_1_writes(tmp_path: Path, book: policyrules.Rulebook) -> None:
    registry = tmp_path / "r.parquet"
    write_registry(book.schema, registry, rows=300, seed=11)
    one = run(Job(registry, tmp_path / "one.parquet", as_of=_date(AS_OF), workers=1, chunk_rows=50))
    two = run(Job(registry, tmp_path / "two.parquet", as_of=_date(AS_OF), workers=2, chunk_rows=50))
    assert (one.rows, one.records, one.errors, one.chunks) == (two.rows, two.records, two.errors, two.chunks) == (300, one.records, one.errors, 6)
    assert read_output(tmp_path / "one.parquet") == read_output(tmp_path / "two.parquet")
    assert not (tmp_path / "two.parquet.parts").exists()


def _date(text: str) -> Any:
    import datetime

    return datetime.date.fromisoformat(text)


def test_a_killed_run_resumes_without_losing_or_repeating_a_row(tmp_path: Path, book: policyrules.Rulebook) -> None:
    registry = tmp_path / "r.jsonl"
    write_registry(book.schema, registry, rows=1500, seed=3)
    clean = tmp_path / "clean.jsonl"
    assert batch(registry, clean, "--chunk-rows", "50").exit_code == 0

    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    command = [str(POLICYRULES), "batch", str(registry), "-o", str(out), "--as-of", AS_OF, "--chunk-rows", "50"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("part-*.jsonl"))) < 3:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = sorted(parts.glob("part-*.jsonl"))
    assert 3 <= len(written) < 30, "the run was killed half-way"
    assert not out.exists()

    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(written)} of 30 chunks from the interrupted run" in resumed.stdout or "chunks from the interrupted run" in resumed.stdout
    assert out.read_text(encoding="utf-8") == clean.read_text(encoding="utf-8")
    rows = [json.loads(line)["row"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(set(rows)) == list(range(1, 1501))
    assert not parts.exists()


def test_resume_refuses_the_parts_of_another_run(tmp_path: Path, book: policyrules.Rulebook) -> None:
    registry = tmp_path / "r.csv"
    write_registry(book.schema, registry, rows=20, seed=1)
    parts = tmp_path / "o.jsonl.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"format": 1, "as_of": "2018-01-01"}), encoding="utf-8")
    result = batch(registry, tmp_path / "o.jsonl", "--resume")
    assert result.exit_code == 2 and "is from another run" in result.output


def amended_rulebook(target: Path) -> Path:
    """The bundled rulebook with 安政办〔2018〕2号's 国家助学金 raised from 2000元 to 2500元."""
    shutil.copytree(bundled_rulebook(), target)
    amend_national_grant(target)
    return target


def test_compare_reports_the_amended_grant_and_the_money(tmp_path: Path, book: policyrules.Rulebook) -> None:
    amended = amended_rulebook(tmp_path / "amended")
    registry = tmp_path / "r.csv"
    neihuang = [dict(NEIHUANG_ROW, case_id=f"n{i}") for i in range(3)]
    outside = dict(NEIHUANG_ROW, case_id="zz", **{"school.region.city": "郑州市", "school.region.county": "金水区"})
    write_csv(registry, neihuang + [outside, dict(NEIHUANG_ROW, case_id="bad", **{"student.age": "x"})])
    before = tmp_path / "before.jsonl"
    assert batch(registry, before).exit_code == 0
    granted = {r["case_id"] for r in read_output(before) if r["rule_id"] == "anyang-2018-2/06-1/national-grant"}
    assert granted == {"n0", "n1", "n2"}

    out = tmp_path / "cmp.jsonl"
    result = batch(registry, out, "--compare", str(amended))
    assert result.exit_code == 0, result.output
    records = read_output(out)
    changed = [r for r in records if r["kind"] == "changed" and r["rule_id"] == "anyang-2018-2/06-1/national-grant"]
    assert {r["case_id"] for r in changed} == granted
    assert all(r["amount_before"] == 2000 and r["amount_after"] == 2500 and "amount" in r["changed"] for r in changed)
    assert all("每生每年2500元" in r["quote"][0] for r in changed)
    assert not [r for r in records if r["kind"] in ("gained", "lost")]
    totals = [r for r in records if r["kind"] == "total" and r["unit"] == "CNY"]
    assert {(r["case_id"], r["high_after"] - r["high_before"], r["low_after"] - r["low_before"]) for r in totals} == {(c, 500, 500) for c in granted}
    summary = json.loads((tmp_path / "cmp.jsonl.summary.json").read_text(encoding="utf-8"))
    # zz studies in 郑州 (no 国家助学金 under the Anyang document) but its household is in 内黄: its
    # 雨露计划 subsidy keeps 2000元 and only its quote (the amended sentence) changes
    assert [(r["case_id"], r["rule_id"], r["changed"]) for r in records if r["case_id"] == "zz"] == [
        ("zz", "anyang-2018-2/06-1/rain-dew-subsidy", ["citation"])
    ]
    assert summary["cases"] == 4 and summary["errors"] == 1 and summary["cases_changed"] == 4
    assert summary["benefits"]["national_grant"]["changed"] == 3
    money = summary["money"]["CNY per_student_per_year"]
    assert money["people_gain"] == 3 and money["people_lose"] == 0
    assert summary["cny_per_year"]["difference"] == {"low": 1500, "high": 1500}
    assert "CNY per year in total" in result.output and "+1,500" in result.output


def test_compare_with_a_widened_condition_reports_gains(tmp_path: Path) -> None:
    amended = tmp_path / "widened"
    shutil.copytree(bundled_rulebook(), amended)
    rule_file = amended / "clauses" / "anyang-2018-2" / "06-1.yaml"
    text = rule_file.read_text(encoding="utf-8")
    # the 雨露计划 subsidy no longer asks for formal enrolment (a widened condition)
    start = text.index("id: anyang-2018-2/06-1/rain-dew-subsidy")
    at = text.index("        - {field: formal_enrolment, op: \"==\", value: true}\n", start)
    rule_file.write_text(text[:at] + text[at + len("        - {field: formal_enrolment, op: \"==\", value: true}\n"):], encoding="utf-8")
    registry = write_csv(tmp_path / "r.csv", [dict(NEIHUANG_ROW, case_id="a"), dict(NEIHUANG_ROW, case_id="b", **{"student.formal_enrolment": "false"})])
    out = tmp_path / "cmp.parquet"
    result = batch(registry, out, "--compare", str(amended))
    assert result.exit_code == 0, result.output
    records = read_output(out)
    gained = [(r["case_id"], r["rule_id"]) for r in records if r["kind"] == "gained"]
    assert gained == [("b", "anyang-2018-2/06-1/rain-dew-subsidy")]
    summary = json.loads((tmp_path / "cmp.parquet.summary.json").read_text(encoding="utf-8"))
    assert summary["benefits"]["rain_dew_subsidy"]["gained"] == 1
    assert summary["cny_per_year"]["difference"] == {"low": 2000, "high": 2000}
