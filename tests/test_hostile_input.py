"""Hostile and broken input: only a PolicyRulesError escapes, as one bounded, escaped line.

Each class of input here once escaped as a traceback, a hang, unbounded memory or a silently
wrong value (see docs/bad-input.md); each test pins the class shut.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from policyrules import yamlio
from policyrules.cli import main
from policyrules.engine import to_json
from policyrules.errors import FactError, PolicyRulesError, YamlError
from policyrules.factschema import FieldSpec
from policyrules.safetext import MAX_MESSAGE, one_line, show
from policyrules.yamlio import parse_yaml, read_yaml

BOOK = policyrules.load_rulebook()
ENTERPRISE = {"region": {"id": "ay", "province": "河南省", "city": "安阳市"}}


def _bounded(message: str) -> None:
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert len(message) <= 2 * MAX_MESSAGE


def _refused(case: Any) -> str:
    with pytest.raises(FactError) as info:
        BOOK.evaluate(case, as_of="2019-01-01")
    message = str(info.value)
    _bounded(message)
    return message


# --------------------------------------------------------------------------- YAML 1.2 scalars


@pytest.mark.parametrize(
    ("text", "value"),
    [("0372", "0372"), ("NO", "NO"), ("on", "on"), ("y", "y"), ("0x1F", "0x1F"), ("1_000", "1_000"), ("00.5", "00.5"),
     ("12", 12), ("-0", 0), ("1.5", 1.5), ("true", True), ("False", False), ("~", None), ("null", None)],
)
def test_plain_scalars_follow_the_core_schema_and_keep_codes_as_text(text: str, value: Any) -> None:
    data = parse_yaml(f"a: {text}\n", "s.yaml").data
    assert data == {"a": value} and type(data["a"]) is type(value)


def test_an_id_with_a_leading_zero_is_the_same_text_in_a_case() -> None:
    case = parse_yaml("student:\n  id: 0372\n", "c.yaml").data
    assert BOOK.evaluate(case, as_of="2019-01-01").outcomes[0].subject.id == "0372"


def test_a_number_the_double_cannot_hold_is_refused_at_its_line() -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml("a: 1\nb: 1.4999999999999999999\n", "n.yaml")
    assert info.value.line == 2 and "would become 1.5" in str(info.value)


# --------------------------------------------------------------------------- files


def test_non_regular_files_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    for path, words in [(fifo, "not a regular file"), (Path("/dev/zero"), "not a regular file"), (tmp_path, "is a directory")]:
        with pytest.raises(YamlError) as info:
            read_yaml(path)
        assert words in str(info.value) and str(path) in str(info.value)


def test_the_value_count_is_enforced_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    monkeypatch.setattr(yamlio._Builder, "build", lambda *args: built.append(args))
    with pytest.raises(YamlError) as info:
        parse_yaml("[" + "1," * (yamlio.MAX_NODES + 5) + "1]", "many.yaml")
    assert f"more than {yamlio.MAX_NODES} values" in str(info.value)
    assert built == []  # refused while composing, before any value was built


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ({"student": {"id": "s", "age": 10**5000}}, "5001-digit number"),
        ({"student": {"id": 10**5000}}, "too large"),
        ({"student": {"id": "s", 10**5000: 1}}, "has no field"),
        ({"student": {"id": "s\ud800"}}, "lone surrogate"),
        ({"student": {"id": "s" * 70_000}}, "70000 characters"),
        ({"student": {"id": "s", "age": {1, 2}}}, "expected a whole number"),
        ({"student": object()}, "mapping of fields"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: decimal.Decimal("1.4999999999999999999")}}}, "decimal places"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: 0.1 + 0.2}}}, "decimal places"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: decimal.Decimal("1E-999999999")}}}, "decimal places"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: decimal.Decimal("1E+999999999")}}}, "out of range"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: decimal.Decimal("123456789.1234567")}}}, "decimal places"),
        ({"enterprise": {"id": "e", "payroll_total": {2018: decimal.Decimal("1234567890123.456")}}}, "significant digits"),
        ({"enterprise": {"id": "e", "training_fund_rate": {2018: float("nan")}}}, "finite"),
    ],
    ids=["huge-int", "huge-int-id", "huge-int-key", "surrogate", "long-text", "set", "object", "precision",
         "float-noise", "tiny-exponent", "huge-exponent", "too-many-places", "too-many-digits", "nan"],
)
def test_values_the_engine_cannot_hold_exactly_are_refused_with_their_path(case: dict[str, Any], words: str) -> None:
    assert words in _refused(case)


def test_deeply_nested_values_are_refused_not_a_recursion_error() -> None:
    deep: list[Any] = []
    cursor = deep
    for _ in range(100_000):
        cursor.append([])
        cursor = cursor[0]
    assert "expected a whole number" in _refused({"student": {"id": "s", "age": deep}})


def test_small_decimals_reach_the_engine_without_an_exponent() -> None:
    assert to_json({"x": 5e-05, "y": 1e16, "z": [0.1, 2]}) == '{"x":0.00005,"y":10000000000000000,"z":[0.1,2]}'
    case = dict(ENTERPRISE, enterprise={"id": "e", "region": "ay", "training_fund_rate": {2019: decimal.Decimal("0.00005")}})
    decision = BOOK.evaluate(case, as_of="2019-12-31")  # the engine refused "5e-05" (error 204)
    [finding] = [f for f in decision.findings if f.rule_id == "anyang-2018-2/08-3/enterprise-training-fund"]
    assert finding.status == "unmet" and [c.actual for c in finding.compliance] == ["0.00005"]


# --------------------------------------------------------------------------- messages and output


def test_messages_are_one_escaped_bounded_line() -> None:
    message = _refused({"student": {"id": "s", "age": "\x1b[31m\n" + "x" * 50_000}})
    assert "\\x1b[31m\\n" in message


def test_one_line_escapes_controls_and_cuts() -> None:
    assert one_line("a\nb\x1b\u200bc\ud800") == "a\\nb\\x1b\\u200bc\\ud800"
    assert len(one_line("x" * 10_000, limit=100)) <= 130
    assert show("y" * 10_000).count("y") <= 100


def test_long_and_hostile_text_is_elided_and_escaped_in_output(tmp_path: Path) -> None:
    ident = "\x1b]0;owned\x07" + "长" * 9_000
    path = tmp_path / "case.yaml"
    path.write_text(json.dumps({"student": {"id": ident}}, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(path), "--explain"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\\x1b]0;owned\\x07" in result.stdout
    assert len(result.stdout) < 60_000  # ~30 rules × a clipped id, not 30 × 9,000 characters


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_cli_refuses_what_is_not_a_file_in_one_line(tmp_path: Path, kind: str) -> None:
    path = {"directory": tmp_path, "fifo": tmp_path / "p.yaml", "device": Path("/dev/zero")}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ")


# --------------------------------------------------------------------------- fuzzing

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**6000), max_value=10**6000),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.text(alphabet=st.characters(codec=None), max_size=20), st.dates(),
    st.sampled_from(["河南省", "安阳市", "secondary", "public", "s", "h", "", "0372"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
IDS = st.sampled_from(["a", "b", "0372", "\x1b[31m", "长"])


def _typed(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values a well-formed case could hold for this field (links point at the ids above)."""
    keys = spec.value_keys()
    return {
        "bool": st.booleans(),
        "int": st.integers(min_value=-(10**6), max_value=10**6),
        "decimal": st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        "date": st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
        "enum": st.sampled_from(keys) if keys else st.text(max_size=5),
        "string": st.sampled_from(["河南省", "安阳市", "内黄县", "内黄县中等职业学校"]) | st.text(max_size=20),
        "list": st.lists(st.sampled_from(keys) if keys else st.text(max_size=5), max_size=3),
        "ref": st.just("a") | IDS,
    }[spec.type]


def _now_and_then(typed: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a well-typed value, one time in twenty a hostile one."""
    return st.tuples(st.integers(0, 19), typed, VALUES).map(lambda t: t[2] if t[0] == 0 else t[1])


def _entities(name: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to three entities with distinct ids, one of them "a" (so links to "a" resolve)."""
    spec = BOOK.schema.entity(name)
    assert spec is not None
    fields = {f: _now_and_then(_typed(spec.field(f))) for f in spec.field_names()}  # type: ignore[arg-type]
    one = st.fixed_dictionaries({"id": IDS}, optional=fields)
    return st.lists(one, max_size=3, unique_by=lambda e: str(e["id"])).map(
        lambda es: es if any(e["id"] == "a" for e in es) else [{"id": "a"}, *es]
    )


# Mostly well-typed cases (so evaluation and explanation run, not only validation), with
# hostile values mixed in: a field in twenty, and a third of the cases wholly malformed.
CASES = st.one_of(
    st.fixed_dictionaries({}, optional={name: _entities(name) for name in BOOK.schema.entity_names()}),
    st.fixed_dictionaries({}, optional={name: _entities(name) for name in BOOK.schema.entity_names()}),
    st.dictionaries(st.sampled_from([*BOOK.schema.entity_names(), "as_of", "case", "nonsense"]), VALUES, max_size=4),
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_fuzzed_cases_give_a_decision_or_one_clean_error(case: dict[str, Any]) -> None:
    try:
        decision = BOOK.evaluate(case, explain=True)
    except PolicyRulesError as exc:
        _bounded(str(exc))
        return
    json.dumps(decision.to_dict(), ensure_ascii=False)  # and it serialises


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(st.text(max_size=200))
def test_fuzzed_yaml_text_parses_or_gives_a_located_error(text: str) -> None:
    try:
        parse_yaml(textwrap.dedent(text), "fuzz.yaml")
    except YamlError as exc:
        _bounded(str(exc))
