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
                "school": {"id": "s", "region": "zz", "level": "secondary_vocational"}}
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
        [sys.executable, "-c", "from policyrules.cli import main; main()", "evaluate", str(case)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "0 findings" in result.stdout
