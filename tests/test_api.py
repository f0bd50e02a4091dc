"""api: the public entry points, and smoke tests against the bundled rulebook.

The bundled rulebook is being extended while these tests are written, so the smoke tests
assert only stable things: the 2000元 国家助学金 rule of 安政办〔2018〕2号 六、1.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import policyrules
from policyrules.case import parse_case
from policyrules.errors import EvaluationError, FactError
from policyrules.explain import Status

from conftest import anyang_case

GRANT = "anyang-2018-2/06-1/national-grant"


@pytest.fixture(scope="module")
def bundled() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _grant(book: policyrules.Rulebook, case: dict[str, Any], as_of: str) -> policyrules.Outcome:
    decision = book.evaluate(case, as_of=as_of)
    (outcome,) = decision.why_not(GRANT)
    assert outcome.subject == policyrules.SubjectRef("student", "s1")
    applies = GRANT in [f.rule_id for f in decision.findings]
    assert applies == (outcome.status is Status.APPLIES)
    return outcome


def test_bundled_grant_applies(bundled: policyrules.Rulebook) -> None:
    decision = bundled.evaluate(anyang_case(), as_of="2018-09-01")
    (finding,) = [f for f in decision.findings if f.rule_id == GRANT]
    assert finding.modality == "entitlement"
    assert finding.subject == policyrules.SubjectRef("student", "s1")
    assert finding.bearer.id == "s1"
    assert finding.amount is not None
    assert (finding.amount.value, finding.amount.unit) == (2000, "CNY")
    numbers = {c.number for c in finding.citations}
    assert numbers == {"安政办〔2018〕2号"}
    assert any(c.clause == "六、1" and "每生每年2000元标准发放国家助学金" in c.quote for c in finding.citations)
    assert decision.rulebook == bundled.digest


def test_bundled_grant_not_before_the_document(bundled: policyrules.Rulebook) -> None:
    outcome = _grant(bundled, anyang_case(), "2017-12-31")
    assert outcome.status is Status.DOES_NOT_APPLY
    assert "in_force" in [c.kind for c in outcome.checks]


def test_bundled_grant_not_in_zhengzhou(bundled: policyrules.Rulebook) -> None:
    case = anyang_case()
    case["region"] = [{"id": "nh", "province": "河南省", "city": "郑州市"}]
    outcome = _grant(bundled, case, "2018-09-01")
    assert outcome.status is Status.DOES_NOT_APPLY
    assert "jurisdiction" in {c.kind for c in outcome.checks}


def test_bundled_grant_undetermined_without_full_time(bundled: policyrules.Rulebook) -> None:
    outcome = _grant(bundled, anyang_case(full_time=None), "2018-09-01")
    assert outcome.status is Status.UNDETERMINED
    assert outcome.checks and all(c.result is Status.UNDETERMINED for c in outcome.checks)


def test_bundled_grant_not_for_a_part_time_student(bundled: policyrules.Rulebook) -> None:
    assert _grant(bundled, anyang_case(full_time=False), "2018-09-01").status is Status.DOES_NOT_APPLY


def test_bundled_decision_round_trips(bundled: policyrules.Rulebook) -> None:
    decision = bundled.evaluate(anyang_case(), as_of="2018-09-01")
    again = policyrules.Decision.from_dict(json.loads(decision.to_json()))
    assert again == decision
    assert again.benefits == decision.benefits and again.to_dict() == decision.to_dict()


def test_bundled_student_benefits(bundled: policyrules.Rulebook) -> None:
    """The README's student: 国家助学金 and the “雨露计划” subsidy, each once, 4000元 a year in all."""
    decision = bundled.evaluate(anyang_case(), as_of="2018-09-01")
    (student,) = [s for s in decision.benefits if s.subject == policyrules.SubjectRef("student", "s1")]
    grant = next(b for b in student.benefits if b.key == "national_grant")
    assert {(c.number, c.clause) for c in grant.citations} >= {("安政办〔2018〕2号", "六、1"), ("安政办〔2018〕2号", "附件 21")}
    (total,) = [t for t in student.totals if (t.unit, t.period) == ("CNY", "per_student_per_year")]
    assert (total.low, total.high, total.approximate) == (4000, 4000, False)
    assert sorted(total.benefits) == ["national_grant", "rain_dew_subsidy"]


def test_bundled_batch_equals_one_by_one(bundled: policyrules.Rulebook) -> None:
    cases = [anyang_case(), anyang_case(full_time=None), anyang_case(full_time=False)]
    zz = anyang_case()
    zz["region"][0]["city"] = "郑州市"
    cases.append(zz)
    assert bundled.evaluate_many(cases, as_of="2018-09-01") == [bundled.evaluate(c, as_of="2018-09-01") for c in cases]
    assert list(bundled.evaluate_iter(iter(cases), as_of="2018-09-01")) == [bundled.evaluate(c, as_of="2018-09-01") for c in cases]


def test_evaluate_iter_reads_each_case_when_it_is_reached(grant_book: policyrules.Rulebook) -> None:
    """A stream: decisions come as cases are read; a bad case raises where it stands."""
    read: list[int] = []

    def cases() -> Any:
        for number in range(3):
            read.append(number)
            yield anyang_case() if number < 2 else anyang_case(full_time="yes")

    stream = grant_book.evaluate_iter(cases(), as_of="2020-01-01", explain=False)
    first = next(stream)
    assert read == [0] and first.findings and first.explanation is None
    assert next(stream) == first
    with pytest.raises(FactError):
        next(stream)
    assert read == [0, 1, 2]


# --------------------------------------------------------------------------- the API itself


def test_as_of_defaults_to_the_case_then_today(grant_book: policyrules.Rulebook) -> None:
    assert grant_book.evaluate({**anyang_case(), "as_of": "2019-03-01"}).as_of == dt.date(2019, 3, 1)
    assert grant_book.evaluate({**anyang_case(), "as_of": "2019-03-01"}, as_of="2020-01-01").as_of == dt.date(2020, 1, 1)
    assert grant_book.evaluate(anyang_case()).as_of == dt.date.today()
    assert grant_book.evaluate(anyang_case(), as_of=dt.date(2020, 2, 2)).as_of == dt.date(2020, 2, 2)


@pytest.mark.parametrize("as_of", ["2018-02-30", "soon", "2018-9-1"])
def test_bad_as_of(grant_book: policyrules.Rulebook, as_of: str) -> None:
    with pytest.raises(EvaluationError):
        grant_book.evaluate(anyang_case(), as_of=as_of)


def test_bad_case_raises_fact_error_before_anything_runs(grant_book: policyrules.Rulebook) -> None:
    with pytest.raises(FactError):
        grant_book.evaluate_many([anyang_case(), anyang_case(full_time="yes")], as_of="2020-01-01")


def test_parsed_cases_are_accepted(grant_book: policyrules.Rulebook) -> None:
    parsed = parse_case(anyang_case(), grant_book.schema)
    assert grant_book.evaluate(parsed, as_of="2020-01-01") == grant_book.evaluate(anyang_case(), as_of="2020-01-01")


def test_rule_lookup(grant_book: policyrules.Rulebook) -> None:
    assert grant_book.rule("syn/grant").id == "syn/grant"
    with pytest.raises(KeyError):
        grant_book.rule("syn/nope")


def test_decision_helpers(grant_book: policyrules.Rulebook) -> None:
    decision = grant_book.evaluate(anyang_case(full_time=None), as_of="2020-01-01")
    assert decision.case == "name"
    assert [o.rule_id for o in decision.undetermined] == ["syn/grant"]
    assert decision.outcomes_with(Status.APPLIES) == tuple(o for o in decision.outcomes if o.status is Status.APPLIES)
    assert decision.why_not("syn/nope") == ()


def test_findings_for_several_subjects_are_ordered(grant_book: policyrules.Rulebook) -> None:
    case = anyang_case()
    case["student"] = [dict(case["student"], id="s2"), dict(case["student"], id="s1"), dict(case["student"], id="s3", full_time=False)]
    decision = grant_book.evaluate(case, as_of="2020-01-01")
    assert [(f.rule_id, f.subject.id) for f in decision.findings if f.rule_id == "syn/grant"] == [("syn/grant", "s1"), ("syn/grant", "s2")]
    order = {r.id: r.index for r in grant_book.rules}
    keys = [(order[o.rule_id], o.subject.type, o.subject.id) for o in decision.outcomes]
    assert keys == sorted(keys)


def test_batch_uses_each_case_own_date(grant_book: policyrules.Rulebook) -> None:
    cases = [{**anyang_case(), "as_of": "2017-06-01"}, {**anyang_case(), "as_of": "2020-06-01"}, anyang_case()]
    decisions = grant_book.evaluate_many(cases)
    assert [d.as_of for d in decisions] == [dt.date(2017, 6, 1), dt.date(2020, 6, 1), dt.date.today()]
    assert "syn/grant" not in [f.rule_id for f in decisions[0].findings]
    assert "syn/grant" in [f.rule_id for f in decisions[1].findings]
    assert decisions == [grant_book.evaluate(c) for c in cases]


def test_empty_batch(grant_book: policyrules.Rulebook) -> None:
    assert grant_book.evaluate_many([]) == []


def test_decisions_with_windows_and_new_statuses_round_trip(bundled: policyrules.Rulebook) -> None:
    """Term-deadline windows and the pending / unknown / approximate statuses survive JSON."""
    case = {
        "region": [{"id": "ay", "province": "河南省", "city": "安阳市", "level": "city", "vocational_enrolment": 56900},
                   {"id": "hx", "province": "河南省", "city": "安阳市", "county": "滑县", "county_type": "county"}],
        "government": {"id": "hx-gov", "region": "hx", "level": "county", "kind": "people_government",
                       "layout_adjustment_filed": False, "per_student_funding_scheme_adopted": False},
    }
    seen = set()
    for as_of in ("2018-01-20", "2018-08-25", "2019-01-02"):
        decision = bundled.evaluate(case, as_of=as_of)
        again = policyrules.Decision.from_dict(json.loads(json.dumps(decision.to_dict(), ensure_ascii=False)))
        assert again == decision and again.to_dict() == decision.to_dict()
        seen |= {f.status for f in decision.findings}
        assert any(f.deadline and f.deadline.window for f in decision.findings)
    assert {"pending", "unknown", "approximate", "unmet"} <= seen
