"""case: facts are checked against the fact schema before any rule runs."""

from __future__ import annotations

import datetime as dt
import decimal
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest

import policyrules
from policyrules.case import Case, FactPlan, flat_fact, parse_case
from policyrules.conditions import AS_OF
from policyrules.errors import FactError, YamlError
from policyrules.factschema import Yearly

from conftest import anyang_case, line_of


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from conftest import make_rulebook

    return policyrules.load_rulebook(make_rulebook(tmp_path_factory.mktemp("case") / "rules")).schema


def _fails(data: Any, schema: Any) -> FactError:
    with pytest.raises(FactError) as info:
        parse_case(data, schema)
    return info.value


def test_valid_case_is_sorted_and_canonical(schema: Any) -> None:
    case = parse_case(anyang_case(), schema)
    assert isinstance(case, Case)
    assert case.name == "name"
    assert [(e.type, e.id) for e in case.entities] == [("household", "h1"), ("region", "nh"), ("school", "sch"), ("student", "s1")]
    student = case.get("student", "s1")
    assert student is not None
    assert student.fields == {"school": "sch", "household": "h1", "full_time": True, "formal_enrolment": True}
    assert case.of_type("region")[0].fields["city"] == "安阳市"


def test_unknown_entity_type(schema: Any) -> None:
    error = _fails({**anyang_case(), "studnet": {"id": "x"}}, schema)
    assert error.field == "studnet"
    assert "did you mean 'student'" in str(error)


def test_unknown_field_suggests(schema: Any) -> None:
    case = anyang_case()
    case["school"]["levl"] = "secondary"
    error = _fails(case, schema)
    assert error.field == "school.levl"
    assert "school.levl" in str(error)
    assert "did you mean 'level'" in str(error)


def test_unknown_field_in_a_list_entity(schema: Any) -> None:
    case = anyang_case()
    case["region"].append({"id": "zz", "cty": "郑州市"})
    error = _fails(case, schema)
    assert error.field == "region[1].cty"
    assert "did you mean 'city'" in str(error)


@pytest.mark.parametrize(
    ("entity", "field", "value"),
    [
        ("student", "full_time", "yes"),
        ("student", "full_time", 1),
        ("student", "age", "16"),
        ("student", "age", True),
        ("student", "age", 16.5),
        ("region", "dual_qualified_teacher_share", "60"),
        ("region", "dual_qualified_teacher_share", float("nan")),
        ("region", "dual_qualified_teacher_share", True),
        ("region", "province", 41),
    ],
)
def test_wrong_type(schema: Any, entity: str, field: str, value: Any) -> None:
    case = anyang_case()
    record = case[entity][0] if isinstance(case[entity], list) else case[entity]
    record[field] = value
    error = _fails(case, schema)
    assert error.field is not None and error.field.endswith(field)
    assert field in str(error)


def test_wrong_date(schema: Any) -> None:
    case = {"region": {"id": "r"}, "government": {"id": "g", "region": "r", "per_student_funding_scheme_start": "2018-02-30"}}
    error = _fails(case, schema)
    assert error.field == "government.per_student_funding_scheme_start"


def test_enum_label_instead_of_key(schema: Any) -> None:
    case = anyang_case()
    case["school"]["level"] = "中等（高中阶段）"
    error = _fails(case, schema)
    assert error.field == "school.level"
    assert "'secondary'" in str(error)
    assert "label" in str(error)


def test_enum_typo_suggests(schema: Any) -> None:
    case = anyang_case()
    case["school"]["ownership"] = "pubic"
    error = _fails(case, schema)
    assert error.field == "school.ownership"
    assert "did you mean 'public'" in str(error)


def test_dangling_reference(schema: Any) -> None:
    case = anyang_case(school="sch2")
    error = _fails(case, schema)
    assert error.field == "student.school"
    assert "sch2" in str(error)
    assert "did you mean 'sch'" in str(error)


def test_reference_to_an_entity_of_another_type(schema: Any) -> None:
    case = anyang_case(school="h1")  # h1 is a household
    error = _fails(case, schema)
    assert error.field == "student.school"


def test_duplicate_id(schema: Any) -> None:
    case = anyang_case()
    case["region"].append({"id": "nh", "city": "安阳市"})
    error = _fails(case, schema)
    assert error.field == "region[1].id"
    assert "duplicate" in str(error)


def test_same_id_in_two_types_is_fine(schema: Any) -> None:
    case = anyang_case()
    case["household"]["id"] = "x"
    case["student"]["id"] = "x"
    case["student"]["household"] = "x"
    parsed = parse_case(case, schema)
    assert parsed.get("household", "x") is not None and parsed.get("student", "x") is not None


@pytest.mark.parametrize("ident", [None, "", True, 1.5, ["a"]])
def test_missing_or_bad_id(schema: Any, ident: Any) -> None:
    case = anyang_case()
    if ident is None:
        del case["household"]["id"]
    else:
        case["household"]["id"] = ident
    error = _fails(case, schema)
    assert error.field == "household.id"


def test_integer_ids_are_text(schema: Any) -> None:
    parsed = parse_case({"region": {"id": 7, "city": "安阳市"}, "school": {"id": "s", "region": "7"}}, schema)
    assert parsed.get("region", "7") is not None


def test_bad_as_of(schema: Any) -> None:
    error = _fails({"as_of": "2018-13-01"}, schema)
    assert error.field == "as_of"


def test_case_must_be_a_mapping(schema: Any) -> None:
    error = _fails([anyang_case()], schema)
    assert "mapping" in str(error)
    error = _fails({"region": ["nh"]}, schema)
    assert error.field == "region[0]"


def test_null_means_unknown(schema: Any) -> None:
    case = anyang_case(full_time=None)
    parsed = parse_case(case, schema)
    student = parsed.get("student", "s1")
    assert student is not None
    assert "full_time" not in student.fields
    assert parse_case(anyang_case(full_time=...), schema) == parsed


def test_canonical_values(schema: Any) -> None:
    case = {
        "region": {"id": "r"},
        "school": {"id": "s", "region": "r", "annual_funding_per_student": {"2018": 12000.5}},
        "government": {"id": "g", "region": "r", "per_student_funding_scheme_start": "2018-03-01"},
    }
    parsed = parse_case(case, schema)
    school = parsed.get("school", "s")
    government = parsed.get("government", "g")
    assert school is not None and government is not None
    assert school.fields["annual_funding_per_student"] == Yearly(((2018, decimal.Decimal("12000.5")),))
    assert government.fields["per_student_funding_scheme_start"] == dt.date(2018, 3, 1)


def test_entity_order_does_not_matter(schema: Any) -> None:
    case = anyang_case()
    case["region"] = [{"id": "b", "city": "x"}, {"id": "a", "city": "y"}, case["region"][0]]
    reordered = dict(reversed(list(case.items())))
    reordered["region"] = list(reversed(case["region"]))
    assert parse_case(case, schema) == parse_case(reordered, schema)


# --------------------------------------------------------------------------- attrs instances


@attrs.define
class Region:
    id: str
    province: str | None = None
    city: str | None = None
    county: str | None = None


@attrs.define
class School:
    id: str
    region: str | None = None
    level: str | None = None
    ownership: str | None = None
    kind: str | None = None


@attrs.frozen
class Student:
    id: str
    school: str | None = None
    household: str | None = None
    full_time: bool | None = None
    formal_enrolment: bool | None = None


def test_attrs_instances_are_entities(schema: Any) -> None:
    data = anyang_case()
    objects = {
        "case": "name",
        "region": [Region("nh", "河南省", "安阳市", "内黄县")],
        "school": School("sch", "nh", "secondary", "public", "secondary_specialised"),
        "household": data["household"],
        "student": Student("s1", "sch", "h1", True, True),
    }
    assert parse_case(objects, schema) == parse_case(data, schema)


def test_attrs_none_fields_are_unknown(schema: Any) -> None:
    parsed = parse_case({"student": Student("s1")}, schema)
    student = parsed.get("student", "s1")
    assert student is not None and dict(student.fields) == {}


def test_attrs_instance_with_bad_value_is_located(schema: Any) -> None:
    error = _fails({"region": [Region("nh")], "school": School("sch", "nh", "中等职业学校")}, schema)
    assert error.field == "school.level"


def test_attrs_instances_evaluate(grant_book: policyrules.Rulebook) -> None:
    data = anyang_case()
    objects = {**data, "region": [Region("nh", "河南省", "安阳市", "内黄县")], "student": Student("s1", "sch", "h1", True, True)}
    assert grant_book.evaluate(objects, as_of="2020-01-01") == grant_book.evaluate(data, as_of="2020-01-01")


# --------------------------------------------------------------------------- case files


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


CASE_FILE = """\
case: 内黄县中职学生
as_of: 2018-09-01
region:
  - id: nh
    province: 河南省
    city: 安阳市
school:
  id: sch
  region: nh
  level: secondary
household:
  id: h1
  region: nh
  poverty_registered: true
student:
  id: s1
  school: sch
  household: h1
  full_time: true
  formal_enrolment: true
"""


def test_load_case_from_yaml(tmp_path: Path, grant_book: policyrules.Rulebook) -> None:
    case = policyrules.load_case(_write(tmp_path, CASE_FILE), grant_book)
    assert case.name == "内黄县中职学生"
    assert case.as_of == dt.date(2018, 9, 1)
    assert case == parse_case({**anyang_case(), "case": "内黄县中职学生", "as_of": "2018-09-01"} | {
        "region": [{"id": "nh", "province": "河南省", "city": "安阳市"}],
        "school": {"id": "sch", "region": "nh", "level": "secondary"},
    }, grant_book.schema)


@pytest.mark.parametrize(
    ("old", "new", "marker", "field"),
    [
        ("  full_time: true", "  ful_time: true", "ful_time", "student.ful_time"),
        ("  level: secondary", "  level: 中等（高中阶段）", "level: 中等（高中阶段）", "school.level"),
        ("  poverty_registered: true", "  poverty_registered: 是", "poverty_registered", "household.poverty_registered"),
        ("  school: sch\n  household", "  school: sch9\n  household", "school: sch9", "student.school"),
        ("    city: 安阳市", "    city: 安阳市\n  - id: nh\n    city: 郑州市", "- id: nh", "region[1].id"),
        ("student:", "studnet:", "studnet", "studnet"),
        ("as_of: 2018-09-01", "as_of: '2018-09-31'", "as_of", "as_of"),
    ],
    ids=["unknown-field", "enum-label", "wrong-type", "dangling-ref", "duplicate-id", "unknown-entity", "bad-as-of-text"],
)
def test_case_file_errors_have_file_and_line(tmp_path: Path, grant_book: policyrules.Rulebook, old: str, new: str, marker: str, field: str) -> None:
    assert old in CASE_FILE
    text = CASE_FILE.replace(old, new, 1)
    path = _write(tmp_path, text)
    with pytest.raises(FactError) as info:
        policyrules.load_case(path, grant_book)
    error = info.value
    occurrence = 2 if field == "region[1].id" else 1
    line = line_of(text, marker, occurrence)
    assert error.file == str(path)
    assert error.line == line
    assert error.field == field
    assert f"{path}:{line}: {field}" in str(error)


@pytest.mark.parametrize("field", ["as_of", "per_student_funding_scheme_start"])
def test_impossible_unquoted_date_in_a_case_file_is_located(tmp_path: Path, grant_book: policyrules.Rulebook, field: str) -> None:
    # YAML reads 2018-09-31 as a timestamp; the impossible day must become a located
    # error (YamlError or FactError), not an uncaught ValueError.
    if field == "as_of":
        text = CASE_FILE.replace("as_of: 2018-09-01", "as_of: 2018-09-31")
    else:
        text = CASE_FILE + "government:\n  id: g\n  region: nh\n  per_student_funding_scheme_start: 2018-02-30\n"
    path = _write(tmp_path, text)
    with pytest.raises((FactError, YamlError)) as info:
        policyrules.load_case(path, grant_book)
    assert info.value.file == str(path)
    assert info.value.line == line_of(text, field)


def test_json_case_file(tmp_path: Path, grant_book: policyrules.Rulebook) -> None:
    path = _write(tmp_path, '{\n  "student": {\n    "id": "s1",\n    "age": "x"\n  }\n}\n', "case.json")
    with pytest.raises(FactError) as info:
        policyrules.load_case(path, grant_book)
    assert info.value.line == 4
    assert info.value.field == "student.age"


def test_case_file_with_bad_yaml(tmp_path: Path, grant_book: policyrules.Rulebook) -> None:
    path = _write(tmp_path, "student:\n  id: s1\n  id: s2\n")
    with pytest.raises(YamlError) as info:
        policyrules.load_case(path, grant_book)
    assert info.value.file == str(path)
    assert info.value.line == 3


# --------------------------------------------------------------------------- flat facts


def test_flat_fact_holds_only_tested_values(grant_book: policyrules.Rulebook) -> None:
    case = parse_case(anyang_case(age=17), grant_book.schema)
    student = case.get("student", "s1")
    assert student is not None
    features = grant_book.data.features["student"]
    fact = flat_fact(case, student, FactPlan(features), dt.date(2018, 9, 1))
    assert fact["_kind"] == "student"
    assert fact["_eid"] == "s1"
    assert fact[AS_OF] == dt.date(2018, 9, 1).toordinal()
    assert fact["school__level"] == "secondary"
    assert fact["school__region__city"] == "安阳市"
    assert fact["household__poverty_registered"] is True
    assert "age" not in fact  # no rule tests it


def test_flat_fact_leaves_out_unknowns_through_links(grant_book: policyrules.Rulebook) -> None:
    case = parse_case(anyang_case(household=None, full_time=None), grant_book.schema)
    student = case.get("student", "s1")
    assert student is not None
    fact = flat_fact(case, student, grant_book.fact_plan("student"), dt.date(2018, 9, 1))
    assert "household__poverty_registered" not in fact
    assert "full_time" not in fact


# --------------------------------------------------------------------------- yearly figures


def _yearly_case(value: object) -> dict[str, object]:
    return {"region": {"id": "ay", "province": "河南省", "city": "安阳市", "level": "city", "training_person_times_per_year": value}}


@pytest.mark.parametrize(
    ("value", "words"),
    [(60000, "give it by year"), ({"next year": 1}, "not a year"), ({1800: 1}, "not a year"), ({2018: "many"}, "whole number")],
)
def test_a_yearly_figure_is_given_by_year(value: object, words: str) -> None:
    book = policyrules.load_rulebook()
    with pytest.raises(FactError) as info:
        book.evaluate(_yearly_case(value), as_of="2019-01-01")
    assert words in str(info.value) and info.value.field == "region.training_person_times_per_year"


def test_a_yearly_figure_is_read_for_the_as_of_year_only() -> None:
    book = policyrules.load_rulebook()
    rule = "anyang-2018-2/01-2/annual-skills-training"

    def status(value: object, as_of: str) -> str:
        decision = book.evaluate(_yearly_case(value), as_of=as_of)
        return next(f.status for f in decision.findings if f.rule_id == rule)

    figures = {2018: 61000, "2019": 40000, 2020: None}
    assert [status(figures, f"{y}-12-31") for y in (2018, 2019, 2020, 2021)] == ["met", "unmet", "unknown", "unknown"]
    assert status(figures, "2019-12-30") == "pending"  # the year is not over: a miss so far is not a breach


# --------------------------------------------------------------------------- contradictions


def _student_case(kind: str, entered: bool | None, graduate: bool | None = True) -> dict[str, object]:
    return {
        "region": {"id": "r", "province": "河南省", "city": "安阳市", "level": "city"},
        "school": {"id": "s", "region": "r", "level": "secondary", "kind": kind},
        "student": {"id": "x", "school": "s", "entered_general_high_school": entered, "junior_high_graduate": graduate},
    }


@pytest.mark.parametrize(
    ("level", "entered", "graduate", "fields"),
    [("general_high", False, True, "student.entered_general_high_school, student.school.kind"),
     ("vocational_high", True, False, "student.entered_general_high_school, student.junior_high_graduate")],
)
def test_contradictory_facts_are_refused_not_decided(level: str, entered: bool, graduate: bool, fields: str) -> None:
    book = policyrules.load_rulebook()
    with pytest.raises(FactError) as info:
        book.evaluate(_student_case(level, entered, graduate), as_of="2019-01-01")
    assert "contradictory facts" in str(info.value) and info.value.field == fields


@pytest.mark.parametrize(("level", "entered", "graduate"), [("general_high", True, True), ("general_high", None, True), ("vocational_high", False, True), ("vocational_high", True, None)])
def test_facts_that_merely_may_contradict_are_decided(level: str, entered: bool | None, graduate: bool | None) -> None:
    decision = policyrules.load_rulebook().evaluate(_student_case(level, entered, graduate), as_of="2019-01-01")
    assert decision.outcomes  # an unknown fact never makes a contradiction


def test_a_contradiction_on_an_unknown_field_is_refused_with_its_line(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "rules"
    shutil.copytree(policyrules.resources.bundled_rulebook(), root)
    facts = root / "facts.yaml"
    text = facts.read_text(encoding="utf-8").replace("field: entered_general_high_school, op: \"==\", value: false", "field: entered_high_school, op: \"==\", value: false")
    facts.write_text(text, encoding="utf-8")
    with pytest.raises(policyrules.RuleFileError) as info:
        policyrules.load_rulebook(root)
    assert info.value.file == str(facts) and info.value.line == text.splitlines().index(
        next(line for line in text.splitlines() if "entered_high_school" in line)) + 1
    assert "did you mean 'entered_general_high_school'" in str(info.value)


@pytest.mark.parametrize(
    ("case", "fields"),
    [
        ({"school": {"id": "s", "level": "secondary", "kind": "higher_vocational_college"}}, "school.kind, school.level"),
        ({"school": {"id": "s", "level": "junior_college", "kind": "general_high"}}, "school.kind, school.level"),
        ({"region": {"id": "ay", "province": "河南省", "city": "安阳市", "level": "city"},
          "government": {"id": "g", "region": "ay", "level": "county", "kind": "people_government"}}, "government.level, government.region.level"),
    ],
    ids=["higher-vocational-at-secondary-level", "general-high-at-college-level", "county-body-on-the-city-record"],
)
def test_schools_and_bodies_whose_facts_contradict_are_refused(case: dict[str, Any], fields: str) -> None:
    with pytest.raises(FactError) as info:
        policyrules.load_rulebook().evaluate(case, as_of="2019-01-01")
    assert "contradictory facts" in str(info.value) and info.value.field == fields


def _reference_value(case: Case, entity: Any, feature: Any, year: int) -> Any:
    """A feature's flat-fact value found the plain way: its path walked link by link."""
    holder = entity
    for step, target in zip(feature.steps[:-1], feature.targets, strict=True):
        ref = holder.fields.get(step)
        holder = None if ref is None else case.get(target, ref)
        if holder is None:
            return None
    value = holder.fields.get(feature.steps[-1])
    if isinstance(value, Yearly):
        value = value.of(year)
    if value is None:
        return None
    if feature.member is not None:
        return feature.member in value
    return value.toordinal() if isinstance(value, dt.date) else float(value) if isinstance(value, decimal.Decimal) else value


def test_flat_facts_of_the_whole_casebook_match_each_feature_walked_alone() -> None:
    """Every subject of every casebook case: the flat fact (features grouped by their chain
    of links) holds exactly the values found by walking each feature's path alone."""
    from policyrules.casebook import load_casebook

    book = policyrules.load_rulebook()
    entries = load_casebook([Path(__file__).parent / "casebook"])
    subjects = 0
    for entry in entries:
        try:
            case = parse_case(entry.data["case"], book.schema)
        except FactError:
            continue  # a case the casebook expects to be refused
        day = dt.date.fromisoformat(str(entry.data.get("as_of") or case.as_of or "2020-01-01"))
        for entity in case.entities:
            for year in (day.year, day.year - 1):
                fact = flat_fact(case, entity, book.fact_plan(entity.type), day, year)
                expected = {"_kind": entity.type, "_eid": entity.id, AS_OF: day.toordinal()}
                for feature in book.data.features.get(entity.type, ()):
                    value = _reference_value(case, entity, feature, year)
                    if value is not None:
                        expected[feature.key] = value
                assert fact == expected, f"{entry.label}: {entity.type} {entity.id}"
                assert list(fact)[:2] == ["_kind", "_eid"]
            subjects += 1
    assert subjects > 500
