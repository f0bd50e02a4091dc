"""The native engine's limits never reach a user, and an interrupted evaluation never leaks a session.

durable_rules builds its network with fixed tables per node; past them it loops forever
in C (513 distinct comparisons on one node) or fails with a bare code (107, 108). The
engine groups rules into several native rulesets so no rulebook reaches them; these
tests load rulebooks far beyond the old limits in a subprocess with a timeout, so a hang
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import MOE, QUOTED_CLAUSE, anchor_item, anyang_case, make_rulebook, rule_file, rule_item, write_rule_file

import durable_rules_engine as native
import policyrules
from policyrules.casebook import load_casebook
from policyrules.engine import Engine, branches, plan
from policyrules.errors import RuleFileError

ROOT = Path(__file__).resolve().parents[1]


def _big_rulebook(root: Path, count: int, shape: str) -> Path:
    make_rulebook(root)
    items = [anchor_item()]
    for i in range(count):
        if shape == "distinct":  # one distinct comparison on one field per rule: 2,000 children of one node
            when = {"field": "age", "op": "==", "value": i}
        elif shape == "same":  # every rule ends at the same node (durable_rules: error 108 past 255)
            when = {"field": "full_time", "op": "==", "value": True}
        else:  # `missing` tests on distinct fields (error 107 past 127); fields cycle through the schema's
            when = {"field": ["age", "full_time", "formal_enrolment", "junior_high_graduate"][i % 4], "op": "missing"}
        items.append(rule_item(f"syn/r{i}", document=MOE, when=when, effect_key=f"e{i}"))
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, QUOTED_CLAUSE[MOE], *items))
    return root


@pytest.mark.parametrize(("count", "shape"), [(2000, "distinct"), (600, "same"), (400, "missing")])
def test_rulebooks_beyond_the_native_limits_load_and_answer(tmp_path: Path, count: int, shape: str) -> None:
    root = _big_rulebook(tmp_path / "rules", count, shape)
    probe = textwrap.dedent(
        f"""
        import policyrules
        book = policyrules.load_rulebook({str(root)!r})
        case = {{"region": {{"id": "r", "province": "河南省"}}, "student": {{"id": "s", "age": 7, "full_time": True}}}}
        decision = book.evaluate(case, as_of="2020-06-01")
        print(book._engine.rulesets, " ".join(sorted(f.rule_id for f in decision.findings)))
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rulesets, *fired = result.stdout.split()
    assert int(rulesets) > 1
    expected = {"distinct": ["syn/anchor-student", "syn/r7"],
                "same": ["syn/anchor-student", *sorted(f"syn/r{i}" for i in range(count))],
                "missing": ["syn/anchor-student", *sorted(f"syn/r{i}" for i in range(count) if i % 4 in (2, 3))]}[shape]
    assert fired == sorted(expected)


def test_a_rule_too_large_for_the_engine_is_refused_with_its_place(tmp_path: Path) -> None:
    root = make_rulebook(tmp_path / "rules")
    wide = {"all": [{"any": [{"field": "age", "op": "==", "value": i} for i in range(11)]},
                    {"any": [{"field": "age", "op": ">=", "value": 20 + i} for i in range(10)]}]}
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, QUOTED_CLAUSE[MOE], anchor_item(), rule_item("syn/wide", document=MOE, when=wide)))
    with pytest.raises(RuleFileError) as info:
        policyrules.load_rulebook(root)
    assert info.value.file == str(root / "clauses" / MOE / "01.yaml")
    assert info.value.line is not None and info.value.field == "when"
    assert "110 alternatives" in str(info.value) and "syn/wide" in str(info.value)


def test_a_rule_wider_than_the_engines_stack_is_refused(tmp_path: Path) -> None:
    """All of a rule's alternatives may match one fact at once: more than the engine's stack
    holds (64) could never be decided, so 61 are refused while loading."""
    root = make_rulebook(tmp_path / "rules")
    wide = {"field": "age", "op": "in", "value": list(range(61))}
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, QUOTED_CLAUSE[MOE], anchor_item(), rule_item("syn/wide", document=MOE, when=wide)))
    with pytest.raises(RuleFileError) as info:
        policyrules.load_rulebook(root, cache=False)
    assert info.value.field == "when" and "61 alternatives" in str(info.value) and "at most 60" in str(info.value)


def _many_holding_together(root: Path, count: int, derived: bool) -> policyrules.Rulebook:
    """`count` rules `age >= i` (all hold for age 150), deriving one fact when `derived`,
    and a rule that joins on it."""
    make_rulebook(root)
    items = [anchor_item()]
    for i in range(count):
        items.append(rule_item(f"syn/r{i}", document=MOE, modality="derived" if derived else "entitlement",
                               when={"field": "age", "op": ">=", "value": i}, effect_key="old" if derived else f"e{i}"))
    if derived:
        items.append(rule_item("syn/for-the-old", document=MOE, when={"all": [{"derived": "old"}, {"field": "full_time", "op": "==", "value": True}]}))
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, QUOTED_CLAUSE[MOE], *items))
    return policyrules.load_rulebook(root, cache=False)


def test_a_fact_matching_more_alternatives_than_the_stack_splits_the_group(tmp_path: Path) -> None:
    """99 rules of one group all hold for one student: the engine's stack (64) overflows
    (error 303), so the group is split and the case decided again, with every rule."""
    book = _many_holding_together(tmp_path / "rules", 99, derived=False)
    assert book._engine.rulesets == 1
    old = book.evaluate(anyang_case(age=150), as_of="2020-06-01", explain=False)
    assert book._engine.rulesets > 1
    assert sorted(f.rule_id for f in old.findings) == sorted(["syn/anchor-student", *(f"syn/r{i}" for i in range(99))])
    young = book.evaluate(anyang_case(age=5), as_of="2020-06-01", explain=False)
    assert sorted(f.rule_id for f in young.findings) == sorted(["syn/anchor-student", *(f"syn/r{i}" for i in range(6))])
    assert book.evaluate_many([anyang_case(age=150)] * 3, as_of="2020-06-01", explain=False) == [old] * 3


def test_a_split_group_still_chains_derived_facts(tmp_path: Path) -> None:
    book = _many_holding_together(tmp_path / "rules", 80, derived=True)
    decision = book.evaluate(anyang_case(age=150), as_of="2020-06-01", explain=False)
    assert book._engine.rulesets > 1
    assert "syn/for-the-old" in [f.rule_id for f in decision.findings]
    assert "syn/for-the-old" not in [f.rule_id for f in book.evaluate(anyang_case(age=150, full_time=False), as_of="2020-06-01").findings]


def test_branches_count_the_alternatives_durable_rules_builds() -> None:
    book = policyrules.load_rulebook()
    assert all(branches(rule.condition) >= 1 for rule in book.rules)
    groups = plan(book.rules)
    assert [r.id for g in groups for r in sorted(g, key=lambda r: r.index)] != []
    assert sorted(r.index for g in groups for r in g) == list(range(len(book.rules)))
    assert all(len({r.subject for r in g}) == 1 for g in groups)


def test_small_groups_decide_exactly_as_one_group() -> None:
    """Cut the bundled rulebook into as many rulesets as possible: derived facts still chain across them."""
    book = policyrules.load_rulebook()
    narrow = Engine(book.rules, limit=max(branches(r.condition) for r in book.rules))
    assert narrow.rulesets > book._engine.rulesets
    entries = load_casebook([ROOT / "tests" / "casebook"])
    facts = [book._prepare(entry.data["case"], entry.data.get("as_of"))[2] for entry in entries]
    assert [sorted(f) for f in narrow.run(facts)] == [sorted(f) for f in book._engine.run(facts)]
    assert any(rule.derived for rule in book.rules)


def _sessions_left(engine: Engine, count: int) -> list[str]:
    left = []
    for group in engine._groups:
        for n in range(count):
            try:
                native.get_state(group.handle, f"c{n}")
            except native.error:
                continue
            left.append(f"c{n}")
    return left


def test_interrupted_evaluations_leave_no_session() -> None:
    """Interrupt an evaluation at every line the engine runs: no session survives the next one.

    `run` itself is spared: it only takes and releases the lock, and an exception raised by
    a trace function on the line event CPython reports just before a `with` block's exit
    skips `__exit__` (the language's business, not the engine's)."""
    book = policyrules.load_rulebook()
    case = anyang_case()
    engine_file = policyrules.engine.__file__

    def tracing(stop: int | None) -> list[int]:
        seen = [0]

        def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
            if frame.f_code.co_filename != engine_file or frame.f_code.co_name == "run":
                return tracer
            if event == "line":
                seen[0] += 1
                if seen[0] == stop:
                    raise KeyboardInterrupt
            return tracer

        sys.settrace(tracer)
        return seen

    book._engine.close()
    seen = tracing(None)
    try:
        book.evaluate(case, as_of="2019-01-01", explain=False)
    finally:
        sys.settrace(None)
    lines = seen[0]
    assert lines > 200
    interrupted = 0
    for k in range(1, lines + 1):
        # Each run opens its session, as the first did (a case interrupted after its last
        # assertion leaves the open session for the next case, which then runs fewer lines).
        book._engine.close()
        tracing(k)
        try:
            book.evaluate(case, as_of="2019-01-01", explain=False)
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.settrace(None)
    assert interrupted == lines
    assert book.evaluate(case, as_of="2019-01-01", explain=False).findings
    used = next(book._engine._sessions)
    # Only the open session (shared by the next cases) is left, and close() deletes it.
    assert set(_sessions_left(book._engine, used)) <= {book._engine._sid}
    book._engine.close()
    assert _sessions_left(book._engine, used) == []
    for _ in range(1100):  # past durable_rules' 1,024 live sessions, had any leaked
        assert book.evaluate(case, as_of="2019-01-01", explain=False).findings
