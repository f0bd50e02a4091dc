"""Figures for docs/bad-input.md and docs/limits.md: hostile input and the engine's limits.

Run from the repository root with the virtualenv's python:

    python benchmarks/hostile.py             # ~2 minutes: 20,000 fuzzed cases, 20,000 YAML texts
    python benchmarks/hostile.py --quick     # ~20 s

It fuzzes the API with the strategies of tests/test_hostile_input.py (randomised, not the
suite's fixed seed) and counts outcomes: a decision, a PolicyRulesError (one bounded line),
or anything else (an escape: the run fails). Then it times the inputs that once hung or
exhausted memory: a 2 MiB YAML list of numbers, /dev/zero, a rulebook of 2,000 rules with
distinct conditions, and the JSON of a large valid case with long strings.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from policyrules.errors import PolicyRulesError  # noqa: E402
from policyrules.yamlio import parse_yaml, read_yaml  # noqa: E402
from test_hostile_input import BOOK, CASES, _bounded  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def fuzz(examples: int) -> None:
    counts: Counter[str] = Counter()
    loose = settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    @loose
    @given(CASES)
    def cases(case: dict) -> None:  # type: ignore[type-arg]
        try:
            decision = BOOK.evaluate(case, explain=True)
            json.dumps(decision.to_dict(), ensure_ascii=False)
            counts["case: decision"] += 1
        except PolicyRulesError as exc:
            _bounded(str(exc))
            counts["case: one-line error"] += 1

    @loose
    @given(st.text(max_size=400))
    def texts(text: str) -> None:
        try:
            parse_yaml(text, "fuzz.yaml")
            counts["yaml: parsed"] += 1
        except PolicyRulesError as exc:
            _bounded(str(exc))
            counts["yaml: one-line error"] += 1

    for run in (cases, texts):
        start = time.perf_counter()
        run()
        print(f"  {run.__name__}: {time.perf_counter() - start:.1f} s")
    for key, value in sorted(counts.items()):
        print(f"  {key:24} {value:>7}")
    print("  escapes                        0 (any escape ends the run with its traceback)")


def timed(label: str, call) -> None:  # type: ignore[no-untyped-def]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        call()
        outcome = "accepted"
    except PolicyRulesError as exc:
        outcome = f"refused: {str(exc)[-70:]}"
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"  {label:34} {time.perf_counter() - start:6.2f} s  +{grown:6.0f} MB peak  {outcome}")


def limits() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        numbers = Path(tmp) / "numbers.yaml"
        numbers.write_text("[" + ",".join(["1"] * (1024 * 1024 - 1)) + "]")
        timed("2 MiB YAML list of numbers", lambda: read_yaml(numbers))
        timed("/dev/zero as a case file", lambda: read_yaml(Path("/dev/zero")))
        long_case = {"student": [{"id": f"s{i}-" + "长" * 9_000} for i in range(60)]}
        size = len(json.dumps(long_case, ensure_ascii=False).encode())

        def big_json() -> None:
            out = json.dumps(BOOK.evaluate(long_case, as_of="2019-01-01", explain=True).to_dict(), ensure_ascii=False)
            print(f"  (case of {size / 1e6:.1f} MB with 9,000-character ids -> {len(out.encode()) / 1e6:.1f} MB of JSON)")

        timed("large case, explained, as JSON", big_json)
    probe = (
        "import sys, time; sys.path.insert(0, 'tests'); from pathlib import Path; import tempfile, policyrules;"
        "from test_engine_limits import _big_rulebook;"
        "root = _big_rulebook(Path(tempfile.mkdtemp()) / 'rules', 2000, 'distinct');"
        "t = time.perf_counter(); book = policyrules.load_rulebook(root);"
        "print(f'{time.perf_counter() - t:.2f} s, {book._engine.rulesets} native rulesets')"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, cwd=ROOT)
    print(f"  2,000 rules, distinct conditions: {(result.stdout or result.stderr).strip().splitlines()[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    print("fuzzing:")
    fuzz(2_000 if args.quick else 20_000)
    print("limits:")
    limits()


if __name__ == "__main__":
    main()
