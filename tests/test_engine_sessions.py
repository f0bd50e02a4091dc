"""Sessions that fire nothing must be cleaned up without crashing the process.

durable_rules leaves a session's action context uninitialised until an action runs;
deleting such a session used to abort the interpreter. Each check runs in a fresh process,
because the crash only shows before the first action of the process has ever run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fresh_process(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT)


def test_first_case_of_a_process_with_no_findings() -> None:
    result = _fresh_process(
        """
        import policyrules
        book = policyrules.load_rulebook()
        case = {"region": {"id": "zz", "province": "河南省", "city": "郑州市"},
                "school": {"id": "s", "region": "zz", "level": "secondary", "kind": "secondary_specialised"}}
        for _ in range(3):
            decision = book.evaluate(case, as_of="2018-09-01")
        print(len(decision.findings), len(decision.outcomes))
        """
    )
    assert result.returncode == 0, result.stderr
    findings, outcomes = map(int, result.stdout.split())
    assert findings == 0 and outcomes > 0


def test_case_with_no_subject_the_rules_test() -> None:
    result = _fresh_process(
        """
        import policyrules
        book = policyrules.load_rulebook()
        decision = book.evaluate({"household": {"id": "h", "poverty_registered": True}}, as_of="2018-09-01")
        print(len(decision.findings), len(decision.outcomes))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]


def test_cli_on_a_case_outside_the_city() -> None:
    case = ROOT / "examples" / "zhengzhou-secondary-student.yaml"
    result = subprocess.run(
        [sys.executable, "-c", "from policyrules.cli import main; main()", "evaluate", str(case), "--lang", "en"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "0 findings" in result.stdout


def test_many_subjects_in_one_session_lose_no_findings() -> None:
    """durable_rules' own Host runs timer threads that, over a long session, lose findings
    or crash (the timer race). One case with 1,500 students keeps one session busy for far
    longer than the timers' 0.2 s period: every grant must still be found, exactly as when
    each student is evaluated on their own."""
    import policyrules

    book = policyrules.load_rulebook()
    base = {
        "region": {"id": "nh", "province": "河南省", "city": "安阳市", "county": "内黄县"},
        "school": {"id": "zz", "region": "nh", "level": "secondary", "kind": "secondary_specialised", "ownership": "public"},
        "household": [{"id": "poor", "region": "nh", "poverty_registered": True}, {"id": "other", "region": "nh", "poverty_registered": False}],
    }
    students = [
        {"id": f"s{n:04d}", "school": "zz", "household": "poor" if n % 3 else "other", "full_time": n % 5 != 0, "formal_enrolment": True}
        for n in range(1500)
    ]
    grant = "anyang-2018-2/06-1/national-grant"
    together = book.evaluate(dict(base, student=students), as_of="2018-09-01")
    got = sorted(f.subject.id for f in together.findings if f.rule_id == grant)
    expected = sorted(s["id"] for s in students if s["household"] == "poor" and s["full_time"])
    assert got == expected
    alone = [book.evaluate(dict(base, student=[s]), as_of="2018-09-01", explain=False) for s in students[:300]]
    assert sorted(f.subject.id for d in alone for f in d.findings if f.rule_id == grant) == [s for s in expected if s < "s0300"]
