"""Properties (hypothesis): order independence, irrelevant facts, lossless serialisation,
and agreement of the engine with the explainer and with an independent reference."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.errors import EngineError
from policyrules.explain import Status

from conftest import ANYANG, GRANT_WHEN, MOE, anchor_item, flow, make_rulebook, rule_file, rule_item, write_rule_file

# Deterministic (derandomize) so a failure reproduces on the next run without a database.
SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Each example of the agreement tests loads a rulebook (~50 ms): shrinking a failure would
# take minutes, so those tests report the failing example unshrunk.
AGREEMENT = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
T, F, U = Status.APPLIES, Status.DOES_NOT_APPLY, Status.UNDETERMINED


# --------------------------------------------------------------------------- a realistic synthetic rulebook


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> policyrules.Rulebook:
    root = make_rulebook(tmp_path_factory.mktemp("props") / "rules")
    # (a derived rule over `any` with two true branches is tested on its own in
    # test_engine.py::test_derived_rule_whose_any_has_two_true_branches)
    derived = rule_item("syn/poor", document=MOE, modality="derived", effect_key="poor", when={"field": "household.poverty_registered", "op": "==", "value": True})
    needy = rule_item("syn/needy", document=MOE, subject="student", modality="priority", when={"any": [{"field": "household.poverty_registered", "op": "==", "value": True}, {"field": "household.economically_disadvantaged", "op": "==", "value": True}]})
    aid = rule_item("syn/aid", document=MOE, when={"all": [{"derived": "poor"}, {"field": "full_time", "op": "==", "value": True}]}, extra={"amount": {"value": 1500.5, "unit": "CNY", "period": "per_year", "approximate": True}, "responsible": ["市教育局"], "note": "说明"})
    funding = rule_item(
        "syn/funding",
        document=MOE,
        subject="school",
        modality="obligation",
        when={"field": "level", "op": "in", "value": ["secondary", "junior_college"]},
        extra={
            # a plain (not yearly) decimal figure, read through the school's region
            "thresholds": [{"field": "region.dual_qualified_teacher_share", "op": ">=", "value": 60}, {"field": "ownership", "op": "==", "value": "public"}],
            "deadline": {"text": "每年12月底前", "recurring": {"month": 12, "day": "last"}},
            "beneficiary": {"entity": "student", "label": "学生"},
        },
    )
    target = rule_item(
        "syn/target",
        document=MOE,
        subject="region",
        modality="target",
        when={"not": {"field": "poverty_county", "op": "==", "value": True}},
        extra={"deadline": {"text": "到2020年底", "date": "2020-12-31"}, "range": {"min": 1.5, "max": 2.5, "unit": "percent", "of": "职工工资总额"}},
    )
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, "二、", anchor_item(), anchor_item("school"), anchor_item("region"), derived, aid, needy, funding, target))
    grant = rule_item("syn/grant", when=GRANT_WHEN, extra={"amount": {"value": 2000, "unit": "CNY", "period": "per_student_per_year"}})
    unknown_deadline = rule_item("syn/school-duty", subject="school", modality="obligation", when={"field": "level", "op": "==", "value": "secondary"}, extra={"deadline": {"text": "秋季学期开学前", "date": "unknown"}})
    write_rule_file(root, f"{ANYANG}/06-1.yaml", rule_file(ANYANG, "六、1", grant, unknown_deadline))
    return policyrules.load_rulebook(root)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


SCHOOL_LEVEL_KIND = [
    (level, kind)
    for level, kinds in [("secondary", ["secondary_specialised", "technical_school", "general_high", None]),
                         ("junior_college", ["higher_vocational_college", None]), ("undergraduate", [None]), (None, [None, "technical_school", "general_high"])]
    for kind in kinds
]


@st.composite
def cases(draw: st.DrawFn, prefix: str = "") -> dict[str, Any]:
    regions = [
        {"id": f"{prefix}r{k}", "province": draw(maybe(st.sampled_from(["河南省", "黑龙江省"]))), "city": draw(maybe(st.sampled_from(["安阳市", "郑州市"]))), "poverty_county": draw(maybe(st.booleans())),
         "dual_qualified_teacher_share": draw(maybe(st.sampled_from([59, 60, 60.5])))}
        for k in range(draw(st.integers(1, 2)))
    ]
    region_ids = [r["id"] for r in regions]
    schools = [
        {
            "id": f"{prefix}sch{k}",
            "region": draw(maybe(st.sampled_from(region_ids))),
            # level and kind agree (the fact schema refuses contradictions); either may be unknown
            **dict(zip(("level", "kind"), draw(st.sampled_from(SCHOOL_LEVEL_KIND)))),
            "ownership": draw(maybe(st.sampled_from(["public", "private"]))),
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    households = [
        {"id": f"{prefix}h{k}", "region": draw(maybe(st.sampled_from(region_ids))), "poverty_registered": draw(maybe(st.booleans())), "economically_disadvantaged": draw(maybe(st.booleans()))}
        for k in range(draw(st.integers(0, 2)))
    ]
    students = [
        {
            "id": f"{prefix}s{k}",
            "school": draw(maybe(st.sampled_from([s["id"] for s in schools]))) if schools else None,
            "household": draw(maybe(st.sampled_from([h["id"] for h in households]))) if households else None,
            "full_time": draw(maybe(st.booleans())),
            "formal_enrolment": draw(maybe(st.booleans())),
        }
        for k in range(draw(st.integers(1, 3)))
    ]
    case: dict[str, Any] = {"case": "生成的案例", "region": regions, "student": students}
    if schools:
        case["school"] = schools
    if households:
        case["household"] = households
    return case


def shuffled(case: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    items = list(case.items())
    rng.shuffle(items)
    out: dict[str, Any] = {}
    for key, value in items:
        if isinstance(value, list):
            records = [dict(rng.sample(list(r.items()), len(r))) for r in value]
            rng.shuffle(records)
            # a single entity may also be written without the list
            out[key] = records[0] if len(records) == 1 and rng.random() < 0.5 else records
        else:
            out[key] = value
    return out


@SETTINGS
@given(case=cases(), rng=st.randoms(use_true_random=False), day=st.dates(dt.date(2017, 6, 1), dt.date(2021, 6, 1)))
def test_order_of_entities_and_fields_does_not_matter(book: policyrules.Rulebook, case: dict[str, Any], rng: random.Random, day: dt.date) -> None:
    original = book.evaluate(case, as_of=day).to_dict()
    again = book.evaluate(shuffled(case, rng), as_of=day).to_dict()
    assert again == original


def _about(decision: policyrules.Decision, prefix: str) -> tuple[list[Any], list[Any]]:
    findings = [f.to_dict() for f in decision.findings if not f.subject.id.startswith(prefix)]
    outcomes = [o.to_dict() for o in decision.outcomes if not o.subject.id.startswith(prefix)]
    return findings, outcomes


@SETTINGS
@given(case=cases(), extra=cases(prefix="x-"), day=st.dates(dt.date(2017, 6, 1), dt.date(2021, 6, 1)))
def test_unlinked_extra_entities_change_nothing_for_the_original_subjects(book: policyrules.Rulebook, case: dict[str, Any], extra: dict[str, Any], day: dt.date) -> None:
    merged = dict(case)
    for key, value in extra.items():
        if key == "case":
            continue
        merged[key] = list(case.get(key, [])) + list(value)
    before = book.evaluate(case, as_of=day)
    after = book.evaluate(merged, as_of=day)
    assert _about(after, "x-") == _about(before, "x-")
    # and the extra subjects are evaluated too
    assert {o.subject.id for o in after.outcomes} >= {s["id"] for s in extra["student"]}


@SETTINGS
@given(case=cases(), day=st.dates(dt.date(2017, 6, 1), dt.date(2021, 6, 1)))
def test_decision_round_trips(book: policyrules.Rulebook, case: dict[str, Any], day: dt.date) -> None:
    decision = book.evaluate(case, as_of=day)
    assert policyrules.Decision.from_dict(decision.to_dict()) == decision
    assert policyrules.Decision.from_dict(json.loads(decision.to_json())) == decision
    assert policyrules.Decision.from_dict(json.loads(decision.to_json(indent=None))) == decision
    assert json.loads(decision.to_json()) == decision.to_dict()
    assert policyrules.Decision.from_dict(json.loads(decision.to_json())).to_dict() == decision.to_dict()  # benefits included


def test_round_trip_covers_every_part_of_a_finding(book: policyrules.Rulebook) -> None:
    case = {
        "region": [{"id": "r", "province": "河南省", "city": "安阳市", "poverty_county": False, "dual_qualified_teacher_share": 55.5}],
        "school": {"id": "sch", "region": "r", "level": "secondary", "ownership": "public"},
        "household": {"id": "h", "region": "r", "poverty_registered": True},
        "student": {"id": "s", "school": "sch", "household": "h", "full_time": True, "formal_enrolment": True},
    }
    decision = book.evaluate(case, as_of="2020-06-01")
    found = {f.rule_id: f for f in decision.findings}
    assert {"syn/aid", "syn/funding", "syn/target", "syn/grant", "syn/school-duty"} <= set(found)
    assert found["syn/aid"].amount is not None and found["syn/aid"].amount.approximate
    assert found["syn/funding"].status == "unmet" and found["syn/funding"].compliance
    assert found["syn/funding"].next_due == dt.date(2020, 12, 31)
    assert found["syn/funding"].beneficiary is not None
    assert found["syn/target"].range is not None and found["syn/target"].deadline_passed is False
    assert found["syn/school-duty"].deadline is not None and found["syn/school-duty"].next_due is None
    assert any(summary.totals for summary in decision.benefits)  # an approximate decimal amount in a total
    again = policyrules.Decision.from_dict(json.loads(decision.to_json()))
    assert again == decision and again.to_dict() == decision.to_dict()


# --------------------------------------------------------------------------- engine / explainer agreement

FACTS = """\
entities:
  thing:
    label: 物
    fields:
      i: {type: int, label: 整数}
      d: {type: decimal, label: 小数}
      b: {type: bool, label: 真假}
      e: {type: enum, label: 枚举, values: {a: 甲, b: 乙, c: 丙}}
      t: {type: date, label: 日期}
      l: {type: list, label: 列表, values: {x: 子, y: 丑, z: 寅}}
      s: {type: string, label: 文本}
      other: {type: ref, entity: other, label: 另一}
  other:
    label: 另一
    fields:
      j: {type: int, label: 整数}
      f: {type: list, label: 自由列表}
"""

INTS = [-2, -1, 0, 1, 2]
DECIMALS = [-1.5, 0, 0.5, 2.25, 3]
DATES = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]
ENUMS = ["a", "b", "c"]
STRINGS = ["p", "q", "中"]
MEMBERS = ["x", "y", "z"]
FREE = ["m", "n"]

# path -> (type, domain of literals)
PATHS: dict[str, tuple[str, list[Any]]] = {
    "i": ("int", INTS),
    "d": ("decimal", DECIMALS),
    "b": ("bool", [True, False]),
    "e": ("enum", ENUMS),
    "t": ("date", DATES),
    "l": ("list", MEMBERS),
    "s": ("string", STRINGS),
    "other.j": ("int", INTS),
    "other.f": ("list", FREE),
    "other": ("link", []),
}
ORDERED = {"int", "decimal", "date"}


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(sorted(PATHS)))
    kind, domain = PATHS[path]
    ops = ["exists", "missing"]
    if kind == "list":
        ops.append("contains")
    elif kind != "link":
        ops += ["==", "!=", "in"]
        if kind in ORDERED:
            ops += ["<", "<=", ">", ">="]
    op = draw(st.sampled_from(ops))
    leaf: dict[str, Any] = {"field": path, "op": op}
    if op == "in":
        leaf["value"] = draw(st.lists(st.sampled_from(domain), min_size=1, max_size=3))
    elif op not in ("exists", "missing"):
        leaf["value"] = draw(st.sampled_from(domain))
    return leaf


conditions = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, children),
    ),
    max_leaves=8,
)


@st.composite
def rule_specs(draw: st.DrawFn, with_derived: bool = True) -> list[dict[str, Any]]:
    """Rules r0..rn; with_derived: some derive k<n>, later ones may require earlier keys."""
    specs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 6))):
        when = draw(conditions)
        produced = [s["key"] for s in specs if s["key"]]
        needs = draw(st.lists(st.sampled_from(produced), max_size=2, unique=True)) if produced else []
        if needs:
            when = {"all": [*({"derived": k} for k in needs), when]}
        derived = with_derived and draw(st.booleans())
        specs.append({"id": f"gen/r{n}", "when": when, "key": f"k{n}" if derived else None})
    return specs


@st.composite
def things(draw: st.DrawFn) -> dict[str, Any]:
    others = [{"id": f"o{k}", "j": draw(maybe(st.sampled_from(INTS))), "f": draw(maybe(st.lists(st.sampled_from(FREE), max_size=2, unique=True)))} for k in range(draw(st.integers(0, 2)))]
    records = []
    for k in range(draw(st.integers(1, 3))):
        records.append(
            {
                "id": f"t{k}",
                "i": draw(maybe(st.sampled_from(INTS))),
                "d": draw(maybe(st.sampled_from(DECIMALS + [decimal.Decimal("0.50"), 2]))),
                "b": draw(maybe(st.booleans())),
                "e": draw(maybe(st.sampled_from(ENUMS))),
                "t": draw(maybe(st.sampled_from(DATES + [dt.date(2020, 1, 2)]))),
                "l": draw(maybe(st.lists(st.sampled_from(MEMBERS), max_size=3, unique=True))),
                "s": draw(maybe(st.sampled_from(STRINGS))),
                "other": draw(maybe(st.sampled_from([o["id"] for o in others]))) if others else None,
            }
        )
    case: dict[str, Any] = {"thing": records}
    if others:
        case["other"] = others
    return case


# ---- an independent reference: Kleene logic over plain Python values


def _value(thing: dict[str, Any], others: dict[str, dict[str, Any]], path: str) -> Any:
    if path.startswith("other."):
        link = thing.get("other")
        if link is None:
            return None
        return others[link].get(path.split(".", 1)[1])
    return thing.get(path)


def _canon(kind: str, value: Any) -> Any:
    if kind == "decimal":
        return decimal.Decimal(str(value))
    if kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return value


def _not(s: Status) -> Status:
    return {T: F, F: T, U: U}[s]


def reference(node: dict[str, Any], thing: dict[str, Any], others: dict[str, dict[str, Any]], derived: dict[str, Status]) -> Status:
    if "all" in node:
        results = [reference(n, thing, others, derived) for n in node["all"]]
        return F if F in results else U if U in results else T
    if "any" in node:
        results = [reference(n, thing, others, derived) for n in node["any"]]
        return T if T in results else U if U in results else F
    if "not" in node:
        return _not(reference(node["not"], thing, others, derived))
    if "derived" in node:
        return derived[node["derived"]]
    path, op = node["field"], node["op"]
    kind = PATHS[path][0]
    value = _value(thing, others, path)
    if op == "exists":
        return T if value is not None else F
    if op == "missing":
        return F if value is not None else T
    if value is None:
        return U
    if op == "contains":
        return T if node["value"] in value else F
    actual = _canon(kind, value)
    if op == "in":
        return T if actual in [_canon(kind, v) for v in node["value"]] else F
    literal = _canon(kind, node["value"])
    result = {"==": actual == literal, "!=": actual != literal, "<": actual < literal, "<=": actual <= literal, ">": actual > literal, ">=": actual >= literal}[op]
    return T if result else F


def _write_generated(root: Path, specs: list[dict[str, Any]]) -> None:
    items = []
    for spec in specs:
        modality = "derived" if spec["key"] else "entitlement"
        items.append(rule_item(spec["id"], document=MOE, subject="thing", modality=modality, when=spec["when"], effect_key=spec["key"] or "effect", in_force={"from": "1990"}))
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, "二、", *items))


def _check_agreement(tmp_path_factory: pytest.TempPathFactory, specs: list[dict[str, Any]], facts: list[dict[str, Any]]) -> None:
    root = make_rulebook(tmp_path_factory.mktemp("agree") / "rules", FACTS)
    _write_generated(root, specs)
    book = policyrules.load_rulebook(root)
    try:
        decisions = book.evaluate_many(facts, as_of="2020-06-01")
        fast = [book.evaluate(case, as_of="2020-06-01", explain=False) for case in facts]
    except EngineError as exc:  # e.g. the engine fired a different set of rules than the explainer
        raise AssertionError(f"{exc}\nrules: {flow(specs)}\nfacts: {facts}") from None
    for case, decision, quick in zip(facts, decisions, fast):
        others = {o["id"]: o for o in case.get("other", [])}
        got = {(o.rule_id, o.subject.id): o.status for o in decision.outcomes}
        assert {(o.rule_id, o.subject.id): o.status for o in quick.outcomes} == got
        expected: dict[tuple[str, str], Status] = {}
        for thing in case["thing"]:
            derived: dict[str, Status] = {}
            for spec in specs:
                status = reference(spec["when"], thing, others, derived)
                expected[(spec["id"], thing["id"])] = status
                if spec["key"]:
                    derived[spec["key"]] = status
        assert got == expected, f"rules: {flow(specs)}\ncase: {case}"
        applies = {(f.rule_id, f.subject.id) for f in decision.findings}
        assert applies == {key for key, status in expected.items() if status is T}
        # the order of entities never matters; nor, for the answers, the order of list values
        # (how a list is displayed is test_order_of_list_values_does_not_matter's concern)
        rng = random.Random(len(repr(case)))
        moved = {key: rng.sample(value, len(value)) for key, value in case.items()}
        assert book.evaluate(moved, as_of="2020-06-01").to_dict() == decision.to_dict()
        mixed = {key: [{k: rng.sample(v, len(v)) if isinstance(v, list) else v for k, v in r.items()} for r in value] for key, value in moved.items()}
        assert {(o.rule_id, o.subject.id): o.status for o in book.evaluate(mixed, as_of="2020-06-01").outcomes} == got


@AGREEMENT
@given(specs=rule_specs(with_derived=False), facts=st.lists(things(), min_size=1, max_size=3))
def test_engine_explainer_and_reference_agree_on_condition_trees(tmp_path_factory: pytest.TempPathFactory, specs: list[dict[str, Any]], facts: list[dict[str, Any]]) -> None:
    _check_agreement(tmp_path_factory, specs, facts)


@AGREEMENT
@given(specs=rule_specs(), facts=st.lists(things(), min_size=1, max_size=3))
def test_engine_explainer_and_reference_agree_with_derived_chains(tmp_path_factory: pytest.TempPathFactory, specs: list[dict[str, Any]], facts: list[dict[str, Any]]) -> None:
    _check_agreement(tmp_path_factory, specs, facts)


def test_order_of_list_values_does_not_matter(tmp_path: Path) -> None:
    # A list field is a set of values (rules test membership only): the same case with its
    # list written in another order is the same case and gets the same decision.
    root = make_rulebook(tmp_path / "rules", FACTS)
    when = {"all": [{"field": "l", "op": "exists"}, {"field": "l", "op": "contains", "value": "y"}, {"field": "i", "op": "==", "value": 5}]}
    _write_generated(root, [{"id": "gen/r0", "when": when, "key": None}])
    book = policyrules.load_rulebook(root)
    for i in (1, 5):
        one = book.evaluate({"thing": [{"id": "t0", "l": ["x", "y"], "i": i}]}, as_of="2020-06-01")
        other = book.evaluate({"thing": [{"id": "t0", "l": ["y", "x"], "i": i}]}, as_of="2020-06-01")
        assert one.to_dict() == other.to_dict()


def test_reference_agrees_on_a_known_example(tmp_path: Path) -> None:
    # a sanity check of the generator and the reference on one hand-written rule
    root = make_rulebook(tmp_path / "rules", FACTS)
    specs = [{"id": "gen/r0", "when": {"any": [{"field": "i", "op": ">", "value": 1}, {"not": {"field": "l", "op": "contains", "value": "x"}}]}, "key": None}]
    _write_generated(root, specs)
    book = policyrules.load_rulebook(root)
    case = {"thing": [{"id": "t0", "i": 0, "l": ["x"]}, {"id": "t1", "i": 2}, {"id": "t2", "l": ["y"]}, {"id": "t3", "i": 0}]}
    got = {o.subject.id: o.status for o in book.evaluate(case, as_of="2020-06-01").outcomes}
    assert got == {"t0": F, "t1": T, "t2": T, "t3": U}
    for thing in case["thing"]:
        assert reference(specs[0]["when"], thing, {}, {}) is got[thing["id"]]
