"""Decision records: what a decision's JSON names (law versions, normalised facts), that it
does not depend on where the rulebook lies, and that it fits the published schemas."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

import policyrules
from policyrules.case import normalised, parse_case
from policyrules.decision import FindingStatus
from policyrules.record import FORMAT, canonical_json
from policyrules.resources import bundled_rulebook
from policyrules.yamlio import read_yaml

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
SCHEMAS = bundled_rulebook() / "schema"


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.schema.json")]
    registry: Registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


def _as_json(value: Any) -> Any:
    """A YAML case in JSON's data model (YAML reads an unquoted 2018-09-01 as a date)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _decide(book: policyrules.Rulebook, path: Path) -> policyrules.Decision:
    return book.evaluate(policyrules.load_case(path, book))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_case_files_and_their_decisions_fit_the_published_schemas(book: policyrules.Rulebook, path: Path) -> None:
    errors = list(_validator("case.schema.json").iter_errors(_as_json(read_yaml(path).data)))
    assert not errors, [e.message for e in errors]
    decision = _decide(book, path)
    record = json.loads(decision.to_json())
    errors = list(_validator("decision.schema.json").iter_errors(record))
    assert not errors, [(list(e.absolute_path), e.message) for e in errors[:3]]
    assert not list(_validator("case.schema.json").iter_errors(record["facts"]))  # the facts are a case too


def test_schemas_refuse_what_is_no_record(book: policyrules.Rulebook) -> None:
    record = json.loads(_decide(book, EXAMPLES[0]).to_json())
    validator = _validator("decision.schema.json")
    for broken in (
        {**record, "format": 1},
        {**record, "facts_sha256": "abc"},
        {k: v for k, v in record.items() if k != "facts"},
        {**record, "findings": [{**record["findings"][0], "status": "fine"}]},
        {**record, "documents": [{**record["documents"][0], "source": "/opt/rules/sources/x.txt"}]},
    ):
        assert list(validator.iter_errors(broken))
    assert list(_validator("case.schema.json").iter_errors({"student": {"full_time": True}}))  # no id


def test_record_names_the_law_and_the_facts(book: policyrules.Rulebook) -> None:
    path = next(p for p in EXAMPLES if p.stem == "anyang-technical-school-student")
    record = _decide(book, path).to_dict()
    assert record["format"] == FORMAT == 4
    assert record["rulebook"] == book.digest
    versions = {d["key"]: d for d in record["documents"]}
    assert set(versions) == {d.key for d in book.documents}
    anyang = versions["anyang-2018-2"]
    assert (anyang["number"], anyang["date"], anyang["source"]) == ("安政办〔2018〕2号", "2018-01-04", "sources/anyang-2018-2.txt")
    text = (bundled_rulebook() / "sources" / "anyang-2018-2.txt").read_text(encoding="utf-8")
    assert anyang["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert versions["mohrss-2019-2"]["number"] == "人社部发〔2019〕2号"
    facts = record["facts"]
    (student,) = facts["student"]
    assert list(student) == sorted(student) and student["id"] == "li-xiaohua" and student["age"] == 16
    assert record["facts_sha256"] == hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()
    assert record["as_of"] == "2020-09-01"


def test_facts_are_normalised_so_equivalent_cases_hash_alike(book: policyrules.Rulebook) -> None:
    one = {
        "school": {"id": "sch", "region": "r", "level": "secondary", "kind": "secondary_specialised", "name": None},
        "region": [{"id": "r2", "province": "河南省"}, {"id": "r", "province": "河南省", "city": "安阳市"}],
    }
    other = {"region": [one["region"][1], one["region"][0]], "school": {k: v for k, v in reversed(list(one["school"].items())) if v is not None}}
    a, b = book.evaluate(one, as_of="2019-01-01"), book.evaluate(other, as_of="2019-01-01")
    assert a.canonical_facts == b.canonical_facts and a.facts_digest == b.facts_digest
    assert [r["id"] for r in a.facts["region"]] == ["r", "r2"] and "name" not in a.facts["school"][0]


def test_normalised_facts_read_back_to_the_same_case(book: policyrules.Rulebook) -> None:
    # dates, decimals, lists and yearly figures come back as parse_case made them
    schema = book.schema
    government = {"id": "g", "region": "r", "per_student_funding_scheme_start": dt.date(2018, 3, 1), "surcharge_vocational_share": {2018: 25.5, "2019": 30}}
    labourer = {"id": 7, "skill_certificates": ["technician", "junior_worker", "technician"]}
    case = parse_case({"region": {"id": "r", "city": "安阳市"}, "government": government, "labourer": labourer}, schema)
    again = parse_case(normalised(case), schema)
    assert again.entities == case.entities
    assert normalised(case)["labourer"] == [{"id": "7", "skill_certificates": ["junior_worker", "technician"]}]
    assert normalised(case)["government"][0]["surcharge_vocational_share"] == {"2018": 25.5, "2019": 30}
    assert normalised(case)["government"][0]["per_student_funding_scheme_start"] == "2018-03-01"


def test_two_installs_in_different_places_write_the_same_record(tmp_path: Path) -> None:
    """Byte for byte: no path of the install (rule files, sources) reaches the JSON."""
    outputs = []
    for place in ("one/rules", "elsewhere/deeper/rulebook"):
        root = tmp_path / place
        shutil.copytree(bundled_rulebook(), root)
        book = policyrules.load_rulebook(root)
        outputs.append([_decide(book, path).to_json() for path in EXAMPLES])
    assert outputs[0] == outputs[1]
    assert str(tmp_path) not in "".join(outputs[0])
    checks = [c for d in json.loads(outputs[0][0])["outcomes"] for c in d["checks"]]
    assert checks and all(c["file"] is None or c["file"].startswith("clauses/") for c in checks)


def test_record_round_trips_and_old_records_still_read(book: policyrules.Rulebook) -> None:
    decision = _decide(book, EXAMPLES[0])
    data = json.loads(decision.to_json())
    again = policyrules.Decision.from_dict(data)
    assert again == decision and again.to_json() == decision.to_json()
    old = {k: v for k, v in data.items() if k not in ("format", "documents", "facts", "facts_sha256")}
    read = policyrules.Decision.from_dict(old)  # format 1: no law versions, no facts
    assert read.findings == decision.findings and read.facts is None and read.documents == ()


def test_finding_status_is_an_enum_with_the_same_json_strings(book: policyrules.Rulebook) -> None:
    path = next(p for p in EXAMPLES if p.stem == "anyang-public-higher-vocational")
    decision = _decide(book, path)
    statuses = {f.status for f in decision.findings}
    assert all(isinstance(s, FindingStatus) for s in statuses)
    assert FindingStatus.UNMET in statuses and FindingStatus.UNMET == "unmet" and str(FindingStatus.UNMET) == "unmet"
    assert {f["status"] for f in decision.to_dict()["findings"]} == {s.value for s in statuses}
    assert policyrules.FindingStatus is FindingStatus
