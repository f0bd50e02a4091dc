"""The caseworker's sheet, duties shown once, and the HTML report — on the bundled examples.

The report is opened in headless Chromium (Debian's /usr/bin/chromium, installed by
scripts/test.sh when missing): it must render without console errors, with the derivation
graph visible and a finding's citation and quote in it. Without Chromium the test skips,
except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import policyrules
from policyrules.cli import main
from policyrules.jsonschemas import validate
from policyrules.replay import parse_record, replay
from policyrules.report import render_html
from policyrules.resources import bundled_rulebook
from policyrules.yamlio import Located

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = "cpc_no_barriers_to_vocational_graduates"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _decide(book: policyrules.Rulebook, name: str, as_of: str | None = None) -> policyrules.Decision:
    return book.evaluate(policyrules.load_case(EXAMPLES / name, book), as_of=as_of)


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- duties in the API


def test_a_duty_two_texts_impose_is_one_line_with_both_citations(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "jiamusi-recruitment-notice.yaml")
    assert len([f for f in decision.findings if f.effect.key == SHARED]) == 2  # findings: one per rule
    (duty,) = [d for d in decision.duties if d.key == SHARED]
    assert duty.modality == "prohibition" and duty.subject.id == "notice" and duty.bearer_entity == "employer"
    assert set(duty.rules) == {"cpc-2022-modern-vet/13/no-barriers-to-vocational-graduates", "jiamusi-2022-plan/4-5/no-barriers-to-vocational-graduates"}
    assert {(c.document, c.clause) for c in duty.citations} == {("cpc-2022-modern-vet", "13"), ("jiamusi-2022-plan", "四、（五）")}
    assert duty.status == "applies"


def test_the_record_holds_duties_validates_and_replays(book: policyrules.Rulebook) -> None:
    decision = _decide(book, "jiamusi-recruitment-notice.yaml")
    data = json.loads(decision.to_json())
    assert data["format"] == 4
    (line,) = [d for d in data["duties"] if d["key"] == SHARED]
    assert len(line["grounds"]) == 2 and len(line["citations"]) == 2
    validate(Located(data, "record", {}), bundled_rulebook() / "schema" / "decision.schema.json", policyrules.RecordError)
    again = parse_record(data, "record")
    assert again.duties == decision.duties and replay(again, book).identical


def test_a_format_3_record_without_duties_still_replays(book: policyrules.Rulebook) -> None:
    data = json.loads(_decide(book, "jiamusi-recruitment-notice.yaml").to_json())
    data["format"] = 3
    del data["duties"]
    recorded = parse_record(data, "old")
    assert [d.key for d in recorded.duties if d.key == SHARED] == [SHARED] and replay(recorded, book).identical
    data["format"] = 4  # a format 4 record must hold its duties
    with pytest.raises(policyrules.RecordError):
        parse_record(data, "broken")


# --------------------------------------------------------------------------- the text sheet


def test_the_sheet_in_chinese_gives_money_per_year_and_the_total() -> None:
    text = _cli("evaluate", str(EXAMPLES / "anyang-technical-school-student.yaml"))
    sheet = text.split("各项结论（每条规则一项", 1)[0]
    assert "个人享受的待遇与他人对其负有的义务" in sheet and "学生 li-xiaohua" in sheet
    assert "• [权利/待遇] 国家助学金 — 每生每年2000元" in sheet
    assert "每生每年约3000元" in sheet and "不计入：mohrss-2019-2/12/rain-dew-subsidy 优先适用" in sheet
    assert "合计约5000元/年（国家助学金、" in sheet
    assert "免学费 — 未写明金额" in sheet and "无金额的待遇" in sheet
    assert "依据：人社部发〔2019〕2号 （十二）；安政办〔2018〕2号 六、1" in sheet
    assert sheet.count("国家助学金 — ") == 1  # once, however many rules grant it


def test_the_sheet_in_english() -> None:
    text = _cli("evaluate", str(EXAMPLES / "anyang-technical-school-student.yaml"), "--lang", "en")
    assert "What each person receives, and the duties others owe them" in text
    assert "total: 约5000 CNY per_student_per_year  (national_grant, rain_dew_subsidy)" in text
    assert "grounds: 人社部发〔2019〕2号 （十二）; 安政办〔2018〕2号 六、1" in text


def test_the_shared_prohibition_shows_once_under_its_bearer_with_both_citations() -> None:
    text = _cli("evaluate", str(EXAMPLES / "jiamusi-recruitment-notice.yaml"))
    sheet, findings = text.split("各项结论（每条规则一项", 1)
    assert "机构的义务与目标（按承担者）" in sheet
    assert sheet.count("[禁止] 不得设置妨碍职业学校毕业生平等就业") == 1
    assert re.search(r"依据：佳木斯市职业教育发展规划\(2022-2026年\) 四、（五）；关于深化现代职业教育体系建设改革的意见 13", sheet)
    assert findings.count("[禁止]") == 2  # the findings keep one entry per rule


def test_status_words_and_passed_deadlines() -> None:
    sheet = _cli("evaluate", str(EXAMPLES / "anyang-public-higher-vocational.yaml")).split("各项结论（每条规则一项", 1)[0]
    assert "年生均财政拨款水平不低于12000元 — 每生每年12000元 — 未满足" in sheet
    assert "annual_funding_per_student >= 12000 (实际：11000)" in sheet
    later = _cli("evaluate", str(EXAMPLES / "anyang-public-higher-vocational.yaml"), "--as-of", "2019-03-01")
    assert "期限：到2018年年底（2018-12-31, 已逾期）" in later and "— 待定；已逾期" in later
    county = _cli("evaluate", str(EXAMPLES / "neihuang-county-government.yaml"))
    assert "— 未满足，期限未到" in county and "— 已满足" in county


def test_nothing_applies_still_says_why_in_both_languages() -> None:
    assert "本案无适用规定" in _cli("evaluate", str(EXAMPLES / "zhengzhou-secondary-student.yaml"))
    assert "Nothing applies to this case" in _cli("evaluate", str(EXAMPLES / "zhengzhou-secondary-student.yaml"), "--lang", "en")


# --------------------------------------------------------------------------- the HTML report


def test_the_report_is_one_self_contained_page(book: policyrules.Rulebook, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    _cli("explain", str(EXAMPLES / "anyang-technical-school-student.yaml"), "--format", "html", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "<script" not in page and "@import" not in page
    assert '<svg id="derivation"' in page and "<mark>" in page
    # a finding's citation, with its quote marked inside the clause's text
    assert "人社部发〔2019〕2号 （十二）" in page
    assert "<mark>对于接受技工教育的农村建档立卡贫困家庭子女，要落实每生每年3000元左右的补助标准。</mark>" in page
    assert "合计约5000元/年" in page and "不适用的规则及原因" in page and "缺少的事实" in page
    assert _cli("evaluate", str(EXAMPLES / "anyang-technical-school-student.yaml"), "--format", "html").startswith("<!DOCTYPE html>")


def test_case_text_cannot_inject_markup(book: policyrules.Rulebook) -> None:
    case = policyrules.load_case(EXAMPLES / "neihuang-secondary-student.yaml", book)
    decision = book.evaluate(case)
    page = render_html(attrs_evolve(decision, case="<script>alert(1)</script>"), book)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def attrs_evolve(decision: policyrules.Decision, **changes: object) -> policyrules.Decision:
    import attrs

    return attrs.evolve(decision, **changes)


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: scripts/test.sh installs it (apt-get install -y chromium) on CI")
        pytest.skip("chromium is not installed and could not be (scripts/test.sh installs it when run as root)")
    return found


def test_the_report_renders_in_headless_chromium(book: policyrules.Rulebook, tmp_path: Path) -> None:
    chromium = _chromium()
    page = render_html(_decide(book, "anyang-technical-school-student.yaml"), book)
    # The report has no script; a copy with one measuring the graph tells whether it is drawn.
    probe = page.replace(
        "</body>",
        "<script>const r = document.getElementById('derivation').getBoundingClientRect();"
        "document.body.setAttribute('data-graph', Math.round(r.width) + 'x' + Math.round(r.height));"
        "document.body.setAttribute('data-nodes', document.querySelectorAll('#derivation g.node').length);</script></body>",
    )
    (tmp_path / "probe.html").write_text(probe, encoding="utf-8")
    run = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", (tmp_path / "probe.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    size = re.search(r'data-graph="(\d+)x(\d+)"', run.stdout)
    assert size and int(size.group(1)) > 400 and int(size.group(2)) > 200, run.stdout[:500]
    nodes = re.search(r'data-nodes="(\d+)"', run.stdout)
    assert nodes and int(nodes.group(1)) >= 10
    assert "人社部发〔2019〕2号 （十二）" in run.stdout and "<mark>对于接受技工教育的农村建档立卡贫困家庭子女" in run.stdout
    shot = tmp_path / "report.png"
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
         (tmp_path / "report.html").as_uri()],
        capture_output=True, timeout=120, check=True,
    )
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kB
