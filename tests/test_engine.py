"""engine: durable_rules owned and tamed — no timer threads, one session per case,
derived facts chain, native errors become EngineError, and the process never crashes."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import policyrules
from policyrules.errors import EngineError, FactError, RuleFileError
from policyrules.explain import Status

from conftest import ANYANG, GRANT_WHEN, MOE, QUOTED_CLAUSE, anchor_item, anyang_case, make_rulebook, rule_file, rule_item, write_rule_file


def _book(root: Path, *items: str, document: str = MOE) -> policyrules.Rulebook:
    write_rule_file(root, f"{document}/01.yaml", rule_file(document, QUOTED_CLAUSE[document], *items))
    return policyrules.load_rulebook(root)


def _ids(decision: policyrules.Decision) -> list[str]:
    return [f.rule_id for f in decision.findings]


# --------------------------------------------------------------------------- threads and sessions


def test_no_timer_threads(grant_root: Path) -> None:
    before = {(t.name, type(t)) for t in threading.enumerate()}
    books = [policyrules.load_rulebook(grant_root), policyrules.load_rulebook(grant_root), policyrules.load_rulebook()]
    for book in books:
        book.evaluate(anyang_case(), as_of="2018-09-01")
        book.evaluate_many([anyang_case(), anyang_case(full_time=False)], as_of="2020-01-01")
    time.sleep(0.6)  # durable_rules' own Host would have started its 0.1 s / 0.5 s timers by now
    after = {(t.name, type(t)) for t in threading.enumerate()}
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    assert after == before


def test_two_rulebooks_in_one_process_keep_their_own_rules(tmp_path: Path) -> None:
    one = make_rulebook(tmp_path / "one")
    two = make_rulebook(tmp_path / "two")
    write_rule_file(one, f"{MOE}/01.yaml", rule_file(MOE, "二、", anchor_item(), rule_item("syn/full-time", document=MOE, when={"field": "full_time", "op": "==", "value": True})))
    write_rule_file(two, f"{MOE}/01.yaml", rule_file(MOE, "二、", anchor_item(), rule_item("syn/part-time", document=MOE, when={"field": "full_time", "op": "==", "value": False})))
    book_one, book_two = policyrules.load_rulebook(one), policyrules.load_rulebook(two)
    assert book_one.digest != book_two.digest
    for _ in range(3):  # interleaved
        assert _ids(book_one.evaluate(anyang_case(), as_of="2020-01-01")) == ["syn/anchor-student", "syn/full-time"]
        assert _ids(book_two.evaluate(anyang_case(), as_of="2020-01-01")) == ["syn/anchor-student"]
        assert _ids(book_one.evaluate(anyang_case(full_time=False), as_of="2020-01-01")) == ["syn/anchor-student"]
        assert _ids(book_two.evaluate(anyang_case(full_time=False), as_of="2020-01-01")) == ["syn/anchor-student", "syn/part-time"]


def test_same_case_twice_in_one_batch(grant_book: policyrules.Rulebook) -> None:
    # each case has its own session: identical facts in two cases are not "already observed"
    first, second = grant_book.evaluate_many([anyang_case(), anyang_case()], as_of="2020-01-01")
    assert first == second
    assert "syn/grant" in _ids(first)


def test_sessions_do_not_leak_between_cases(grant_book: policyrules.Rulebook) -> None:
    assert "syn/grant" in _ids(grant_book.evaluate(anyang_case(), as_of="2020-01-01"))
    assert "syn/grant" not in _ids(grant_book.evaluate(anyang_case(full_time=False), as_of="2020-01-01"))
    assert "syn/grant" in _ids(grant_book.evaluate(anyang_case(), as_of="2020-01-01"))


@pytest.mark.parametrize("student_id", ['s"1', "s\\1", "学生一", "s|1", "s1 \u2028"])
def test_subject_ids_the_action_head_cannot_read_plainly_still_fire(grant_book: policyrules.Rulebook, student_id: str) -> None:
    """The engine reads an action's subject from the head of its text, and decodes the whole
    JSON where the id is escaped there (a quote, a backslash): every id fires all the same."""
    case = anyang_case()
    case["student"]["id"] = student_id
    decision = grant_book.evaluate(case, as_of="2020-01-01")
    assert [(f.rule_id, f.subject.id) for f in decision.findings if f.rule_id == "syn/grant"] == [("syn/grant", student_id)]


# --------------------------------------------------------------------------- derived facts


PRODUCER = rule_item("syn/poor", document=MOE, modality="derived", effect_key="poor", when={"field": "household.poverty_registered", "op": "==", "value": True})
CONSUMER = rule_item("syn/aid", document=MOE, when={"all": [{"derived": "poor"}, {"field": "full_time", "op": "==", "value": True}]})


def test_derived_rule_chains(rules_root: Path) -> None:
    book = _book(rules_root, anchor_item(), PRODUCER, CONSUMER)
    assert _ids(book.evaluate(anyang_case(), as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor", "syn/aid"]
    # producer false: consumer cannot apply although its own condition holds
    case = anyang_case()
    case["household"]["poverty_registered"] = False
    decision = book.evaluate(case, as_of="2020-01-01")
    assert _ids(decision) == ["syn/anchor-student"]
    assert decision.why_not("syn/aid")[0].status is Status.DOES_NOT_APPLY
    # producer unknown: consumer undetermined, and the check names the derived fact
    case["household"]["poverty_registered"] = None
    (outcome,) = book.evaluate(case, as_of="2020-01-01").why_not("syn/aid")
    assert outcome.status is Status.UNDETERMINED
    assert [ch.condition for ch in outcome.checks] == ["derived poor"]
    # consumer's own condition false
    assert _ids(book.evaluate(anyang_case(full_time=False), as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor"]


def test_derived_facts_belong_to_their_own_subject(rules_root: Path) -> None:
    book = _book(rules_root, anchor_item(), PRODUCER, CONSUMER)
    case = anyang_case()
    case["household"] = [case["household"], {"id": "h2", "region": "nh", "poverty_registered": False}]
    case["student"] = [case["student"], {"id": "s2", "school": "sch", "household": "h2", "full_time": True}]
    decision = book.evaluate(case, as_of="2020-01-01")
    assert [(f.rule_id, f.subject.id) for f in decision.findings if f.rule_id == "syn/aid"] == [("syn/aid", "s1")]


def test_two_level_chain(rules_root: Path) -> None:
    middle = rule_item("syn/poor-student", document=MOE, modality="derived", effect_key="poor_student", when={"all": [{"derived": "poor"}, {"field": "formal_enrolment", "op": "==", "value": True}]})
    top = rule_item("syn/top", document=MOE, when={"derived": "poor_student"})
    book = _book(rules_root, anchor_item(), top, middle, PRODUCER)  # order in the file does not matter
    assert sorted(_ids(book.evaluate(anyang_case(), as_of="2020-01-01"))) == sorted(["syn/anchor-student", "syn/top", "syn/poor-student", "syn/poor"])
    assert _ids(book.evaluate(anyang_case(formal_enrolment=False), as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor"]


def test_rule_requiring_two_derived_facts(rules_root: Path) -> None:
    other = rule_item("syn/full", document=MOE, modality="derived", effect_key="full", when={"field": "full_time", "op": "==", "value": True})
    both = rule_item("syn/both", document=MOE, when={"all": [{"derived": "poor"}, {"derived": "full"}]})
    book = _book(rules_root, anchor_item(), PRODUCER, other, both)
    assert "syn/both" in _ids(book.evaluate(anyang_case(), as_of="2020-01-01"))
    assert "syn/both" not in _ids(book.evaluate(anyang_case(full_time=False), as_of="2020-01-01"))


def test_two_producers_of_one_derived_fact(rules_root: Path) -> None:
    second = rule_item("syn/poor-too", document=MOE, modality="derived", effect_key="poor", when={"field": "household.rural", "op": "==", "value": True})
    consumer = rule_item("syn/aid", document=MOE, when={"derived": "poor"})
    book = _book(rules_root, anchor_item(), PRODUCER, second, consumer)
    case = anyang_case()
    case["household"]["rural"] = True
    assert _ids(book.evaluate(case, as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor", "syn/poor-too", "syn/aid"]


def test_two_producers_feeding_a_derived_chain(rules_root: Path) -> None:
    # Two ways to conclude `poor`, and a derived rule built on `poor`: the middle rule is
    # matched once per `poor` fact, and must still conclude `poor_student` only once.
    second = rule_item("syn/poor-too", document=MOE, modality="derived", effect_key="poor", when={"field": "household.rural", "op": "==", "value": True})
    middle = rule_item("syn/poor-student", document=MOE, modality="derived", effect_key="poor_student", when={"derived": "poor"})
    top = rule_item("syn/top", document=MOE, when={"derived": "poor_student"})
    book = _book(rules_root, anchor_item(), PRODUCER, second, middle, top)
    case = anyang_case()
    case["household"]["rural"] = True
    decision = book.evaluate(case, as_of="2020-01-01")
    assert _ids(decision) == ["syn/anchor-student", "syn/poor", "syn/poor-too", "syn/poor-student", "syn/top"]


def test_derived_rule_whose_any_has_two_true_branches(rules_root: Path) -> None:
    # "poor" = 建档立卡 or 家庭经济困难; a student with both, and a rule chaining on "poor".
    # durable_rules activates an `$or` once per true branch; `poor` must still be
    # concluded once and the chained rule must apply.
    either = rule_item("syn/poor", document=MOE, modality="derived", effect_key="poor", when={"any": [{"field": "household.poverty_registered", "op": "==", "value": True}, {"field": "household.economically_disadvantaged", "op": "==", "value": True}]})
    book = _book(rules_root, anchor_item(), either, CONSUMER)
    case = anyang_case()
    case["household"]["economically_disadvantaged"] = True
    assert _ids(book.evaluate(case, as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor", "syn/aid"]


def test_derived_rule_over_not_all_with_two_true_branches(rules_root: Path) -> None:
    # not (a and b) compiles to (not a) or (not b): the same double activation.
    producer = rule_item("syn/not-both", document=MOE, modality="derived", effect_key="not_both", when={"not": {"all": [{"field": "full_time", "op": "==", "value": True}, {"field": "formal_enrolment", "op": "==", "value": True}]}})
    consumer = rule_item("syn/top", document=MOE, when={"derived": "not_both"})
    book = _book(rules_root, anchor_item(), producer, consumer)
    assert _ids(book.evaluate(anyang_case(full_time=False, formal_enrolment=False), as_of="2020-01-01")) == ["syn/anchor-student", "syn/not-both", "syn/top"]


def test_derived_fact_required_twice(rules_root: Path) -> None:
    # Redundant: `poor` and `poor` is `poor`. Either the loader refuses the repetition with a
    # located error, or the rule applies exactly when `poor` holds -- never an EngineError.
    twice = rule_item("syn/twice", document=MOE, when={"all": [{"derived": "poor"}, {"derived": "poor"}]})
    try:
        book = _book(rules_root, anchor_item(), PRODUCER, twice)
    except RuleFileError as error:
        assert error.file is not None and error.file.endswith("01.yaml")
        assert error.line is not None
        return
    assert _ids(book.evaluate(anyang_case(), as_of="2020-01-01")) == ["syn/anchor-student", "syn/poor", "syn/twice"]


# --------------------------------------------------------------------------- crashes and limits


def test_case_matching_no_rule_does_not_crash(rules_root: Path) -> None:
    # The only rule does not apply to the only subject: every fact of the session is
    # "not handled" by durable_rules. The answer is an ordinary "does not apply".
    book = _book(rules_root, rule_item("syn/grant", document=ANYANG, when=GRANT_WHEN), document=ANYANG)
    case = anyang_case()
    case["region"][0]["city"] = "郑州市"
    decision = book.evaluate(case, as_of="2020-01-01")
    assert decision.findings == ()
    assert [o.status for o in decision.outcomes] == [Status.DOES_NOT_APPLY]


def test_undetermined_only_case_does_not_crash(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/ft", document=MOE, when={"field": "full_time", "op": "==", "value": True}))
    decision = book.evaluate(anyang_case(full_time=None), as_of="2020-01-01")
    assert [o.status for o in decision.outcomes] == [Status.UNDETERMINED]


def test_batch_with_a_case_matching_no_rule_does_not_crash(rules_root: Path) -> None:
    book = _book(rules_root, rule_item("syn/ft", document=MOE, when={"field": "full_time", "op": "==", "value": True}))
    yes, no = book.evaluate_many([anyang_case(), anyang_case(full_time=False)], as_of="2020-01-01")
    assert _ids(yes) == ["syn/ft"]
    assert _ids(no) == []


def test_case_with_no_subject_entities(grant_book: policyrules.Rulebook) -> None:
    decision = grant_book.evaluate({"region": [{"id": "r", "city": "安阳市"}]}, as_of="2020-01-01")
    assert decision.findings == () and decision.outcomes == ()


def test_many_rules_applying_to_one_subject(tmp_path: Path) -> None:
    # 80 rules that all apply to one school: 80 findings. (Past 64 actions for one fact
    # durable_rules once answered error 303 and the session's deletion then aborted the
    # interpreter; the library must neither lose findings nor crash.)
    root = make_rulebook(tmp_path / "rules")
    items = [rule_item(f"syn/r{i:02d}", document=MOE, subject="school", when={"field": "level", "op": "==", "value": "secondary"}) for i in range(80)]
    book = _book(root, *items)
    decision = book.evaluate(anyang_case(), as_of="2020-01-01")
    assert len(decision.findings) == 80


def test_sixty_four_rules_applying_to_one_subject(tmp_path: Path) -> None:
    root = make_rulebook(tmp_path / "rules")
    items = [rule_item(f"syn/r{i:02d}", document=MOE, subject="school", when={"field": "level", "op": "==", "value": "secondary"}) for i in range(64)]
    book = _book(root, *items)
    assert len(book.evaluate(anyang_case(), as_of="2020-01-01").findings) == 64


def _wide_facts(n: int) -> str:
    fields = "".join(f"      f{i}: {{type: bool, label: 字段{i}}}\n" for i in range(n))
    return f"entities:\n  thing:\n    label: 物\n    fields:\n{fields}"


def test_fact_with_more_than_255_properties_is_an_engine_error(tmp_path: Path) -> None:
    root = make_rulebook(tmp_path / "rules", _wide_facts(300))
    when = {"all": [{"field": f"f{i}", "op": "==", "value": True} for i in range(300)]}
    book = _book(root, rule_item("syn/wide", document=MOE, subject="thing", when=when, in_force={"from": "1990"}))
    with pytest.raises(EngineError) as info:
        book.evaluate({"thing": {"id": "t", **{f"f{i}": True for i in range(300)}}}, as_of="2020-01-01")
    assert "302" in str(info.value)
    assert "255" in str(info.value)
    # the rulebook still works afterwards
    decision = book.evaluate({"thing": {"id": "t", **{f"f{i}": True for i in range(20)}}}, as_of="2020-01-01")
    assert [o.status for o in decision.outcomes] == [Status.UNDETERMINED]
    decision = book.evaluate({"thing": {"id": "t", **{f"f{i}": i != 3 for i in range(20)}}}, as_of="2020-01-01")
    assert [o.status for o in decision.outcomes] == [Status.DOES_NOT_APPLY]


@pytest.mark.parametrize("literal", [2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1])
@pytest.mark.parametrize("op", ["<", ">", "=="])
def test_huge_integers_never_split_engine_and_explainer(rules_root: Path, literal: int, op: str) -> None:
    # durable_rules compares numbers as doubles (exact to 2^53) and cannot hold more than
    # 64 bits. A huge rule literal or fact must either be refused with a located error or
    # be compared correctly; never the "engine and explainer disagree" EngineError.
    try:
        book = _book(rules_root, anchor_item(), rule_item("syn/age", document=MOE, when={"field": "age", "op": op, "value": literal}))
    except RuleFileError:
        return
    for age in (0, 2**53, 2**53 + 1, 2**53 + 2, 2**63 - 1, 2**63, 2**64, 2**65, -(2**63) - 1):
        expected = {"<": age < literal, ">": age > literal, "==": age == literal}[op]
        try:
            decision = book.evaluate(anyang_case(age=age), as_of="2020-01-01")
        except FactError:
            continue
        (outcome,) = decision.why_not("syn/age")
        assert outcome.status is (Status.APPLIES if expected else Status.DOES_NOT_APPLY), (age, op, literal)


# --------------------------------------------------------------------------- batches and threads


def _varied_book(root: Path) -> policyrules.Rulebook:
    write_rule_file(
        root,
        f"{MOE}/01.yaml",
        rule_file(
            MOE,
            "二、",
            anchor_item(),
            anchor_item("school"),
            PRODUCER,
            CONSUMER,
            rule_item("syn/young", document=MOE, when={"any": [{"field": "age", "op": "<", "value": 16}, {"field": "junior_high_graduate", "op": "==", "value": False}]}),
            rule_item("syn/rich-school", document=MOE, subject="school", when={"all": [{"field": "annual_funding_per_student", "op": ">=", "value": 12000}, {"not": {"field": "ownership", "op": "in", "value": ["private", "enterprise"]}}]}),
        ),
    )
    write_rule_file(root, f"{ANYANG}/06-1.yaml", rule_file(ANYANG, "六、1", rule_item("syn/grant", when=GRANT_WHEN)))
    return policyrules.load_rulebook(root)


def _varied_cases(count: int, seed: int = 20180104) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def maybe(*values: Any) -> Any:
        return rng.choice((None,) + values)

    cases = []
    for n in range(count):
        regions = [
            {"id": "r1", "province": "河南省", "city": rng.choice(["安阳市", "郑州市", None]), "county": maybe("内黄县", "林州市")},
            {"id": "r2", "province": maybe("河南省", "黑龙江省"), "city": maybe("佳木斯市", "安阳市")},
        ]
        schools = [
            {"id": f"sch{k}", "region": rng.choice(["r1", "r2"]), "level": maybe("secondary", "junior_college", "undergraduate"),
             "ownership": maybe("public", "private", "enterprise"), "annual_funding_per_student": {2020: maybe(9000, 12000, 12000.5, 15000)}}
            for k in range(rng.randint(1, 2))
        ]
        households = [{"id": f"h{k}", "region": maybe("r1", "r2"), "poverty_registered": maybe(True, False)} for k in range(2)]
        students = [
            {"id": f"s{k}", "school": maybe(*[s["id"] for s in schools]), "household": maybe("h0", "h1"), "full_time": maybe(True, False),
             "formal_enrolment": maybe(True, False), "age": maybe(14, 15, 16, 17), "junior_high_graduate": maybe(True, False)}
            for k in range(rng.randint(1, 3))
        ]
        cases.append({"case": f"case-{n}", "region": regions, "school": schools, "household": households, "student": students})
    return cases


def test_many_cases_one_by_one_and_in_one_batch_agree(rules_root: Path) -> None:
    book = _varied_book(rules_root)
    cases = _varied_cases(300)
    one_by_one = [book.evaluate(case, as_of="2020-01-01").to_dict() for case in cases]
    batch = [d.to_dict() for d in book.evaluate_many(cases, as_of="2020-01-01")]
    assert batch == one_by_one
    statuses = {o["status"] for d in batch for o in d["outcomes"]}
    assert statuses == {"applies", "does_not_apply", "undetermined"}  # the cases are varied
    assert any(f["rule_id"] == "syn/aid" for d in batch for f in d["findings"])
    assert any(f["rule_id"] == "syn/grant" for d in batch for f in d["findings"])


def _run_threads(work: Any, count: int) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def test_threads_get_the_same_answers(rules_root: Path) -> None:
    book = _varied_book(rules_root)
    cases = _varied_cases(120, seed=7)
    expected = [book.evaluate(case, as_of="2020-01-01").to_dict() for case in cases]
    results: dict[int, list[dict[str, Any]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(worker: int) -> None:
        try:
            start.wait()
            if worker % 2:
                out = [d.to_dict() for d in book.evaluate_many(cases, as_of="2020-01-01")]
            else:
                out = [book.evaluate(case, as_of="2020-01-01").to_dict() for case in cases]
            results[worker] = out
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    _run_threads(work, 4)
    assert not errors, errors[:1]
    assert sorted(results) == [0, 1, 2, 3]
    for out in results.values():
        assert out == expected


def test_threads_with_different_rulebooks(tmp_path: Path) -> None:
    books = [_varied_book(make_rulebook(tmp_path / f"rules{i}")) for i in range(4)]
    cases = _varied_cases(60, seed=11)
    expected = [book.evaluate(case, as_of="2020-01-01").to_dict() for book, case in zip(books * 15, cases)]
    errors: list[BaseException] = []
    results: dict[int, list[dict[str, Any]]] = {}

    def work(i: int) -> None:
        try:
            results[i] = [books[i].evaluate(case, as_of="2020-01-01").to_dict() for case in cases[i::4]]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    _run_threads(work, 4)
    assert not errors, errors[:1]
    for i in range(4):
        assert results[i] == expected[i::4]
