"""loader: every kind of bad rule file is refused with file, line and field; good ones load."""

from __future__ import annotations

from pathlib import Path

import pytest

import policyrules
from policyrules.errors import RuleFileError
from policyrules.loader import load

from conftest import ANYANG, ANYANG_QUOTE, MOE, MOE_QUOTE, anyang_case, line_of, make_rulebook, rule_file, rule_item, write_rule_file

GOOD = f"""\
document: anyang-2018-2
clause: 六、1
heading: 大力开展职业教育脱贫攻坚
rules:
  - id: syn/grant
    title: 国家助学金
    modality: entitlement
    subject: student
    bearer: {{entity: student, label: 学生}}
    jurisdiction:
      via: school.region
    when:
      all:
        - field: school.level
          op: "=="
          value: secondary
        - field: full_time
          op: "=="
          value: true
    effect: {{key: national_grant, label: 国家助学金}}
    amount: {{value: 2000, unit: CNY, period: per_student_per_year}}
    quotes:
      - {ANYANG_QUOTE}
"""

NATIONAL = f"""\
document: moe-2019-4
clause: 二、
rules:
  - id: syn/national
    title: 建档立卡
    modality: priority
    subject: student
    bearer: {{entity: student, label: 学生}}
    jurisdiction: none
    when:
      all:
        - field: household.poverty_registered
          op: "=="
          value: true
    effect: {{key: poor_priority, label: 倾斜}}
    quotes:
      - {MOE_QUOTE}
"""

DERIVED = f"""\
  - id: syn/poor
    title: 认定
    modality: derived
    subject: student
    bearer: {{entity: student, label: 学生}}
    jurisdiction:
      via: school.region
    when:
      all:
        - field: household.poverty_registered
          op: "=="
          value: true
    derives: {{key: poor, label: 贫困}}
    quotes:
      - {ANYANG_QUOTE}
"""


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _fails(root: Path, text: str, name: str = f"{ANYANG}/06-1.yaml") -> tuple[RuleFileError, Path]:
    path = write_rule_file(root, name, text)
    with pytest.raises(RuleFileError) as info:
        load(root)
    error = info.value
    assert error.file == str(path)
    assert str(path) in str(error)
    return error, path


def _located(error: RuleFileError, path: Path, line: int, field: str | None) -> None:
    assert error.line == line, str(error)
    assert f"{path}:{line}" in str(error)
    assert error.field == field, str(error)
    if field:
        assert field in str(error)


# --------------------------------------------------------------------------- good files


def test_valid_synthetic_rulebook_loads(rules_root: Path) -> None:
    write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", GOOD)
    write_rule_file(rules_root, f"{MOE}/02.yaml", NATIONAL)
    data = load(rules_root)
    assert [r.id for r in data.rules] == ["syn/national", "syn/grant"]  # registry order: moe first
    grant = data.rules[1]
    assert grant.document.key == ANYANG
    assert grant.document.number == "安政办〔2018〕2号"
    assert grant.clause == "六、1"
    assert grant.citations[0].quote == ANYANG_QUOTE
    assert grant.amount is not None and grant.amount.value == 2000
    assert grant.file == str(rules_root / "clauses" / ANYANG / "06-1.yaml")
    assert grant.line == 5
    assert [r.index for r in data.rules] == [0, 1]
    assert {d.key for d in data.documents} >= {ANYANG, MOE}
    assert data.classifications == ()
    book = policyrules.load_rulebook(rules_root)
    assert book.rule("syn/grant") is not None


def test_quotes_match_with_white_space_ignored(rules_root: Path) -> None:
    # The source text breaks 中等职业学校 across lines elsewhere; spacing never matters.
    spaced = " ".join(ANYANG_QUOTE)
    write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", _replace(GOOD, f"      - {ANYANG_QUOTE}", f'      - "{spaced}"'))
    data = load(rules_root)
    assert data.rules[0].citations[0].quote == spaced


def test_rule_order_follows_file_order(rules_root: Path) -> None:
    def one(rule_id: str) -> str:
        return rule_item(rule_id)

    write_rule_file(rules_root, f"{ANYANG}/10-1.yaml", rule_file(ANYANG, "六、1", one("syn/ten-a"), one("syn/ten-b")))
    write_rule_file(rules_root, f"{ANYANG}/2-1.yaml", rule_file(ANYANG, "六、1", one("syn/two")))
    write_rule_file(rules_root, f"{ANYANG}/02-3.yaml", rule_file(ANYANG, "六、1", one("syn/two-three-b"), one("syn/two-three-a")))
    write_rule_file(rules_root, f"{MOE}/09.yaml", rule_file(MOE, "二、", rule_item("syn/moe", document=MOE)))
    data = load(rules_root)
    assert [r.id for r in data.rules] == ["syn/moe", "syn/two", "syn/two-three-b", "syn/two-three-a", "syn/ten-a", "syn/ten-b"]
    assert [r.index for r in data.rules] == list(range(6))
    # findings come out in the same order
    book = policyrules.load_rulebook(rules_root)
    decision = book.evaluate(anyang_case(), as_of="2020-01-01")
    assert [f.rule_id for f in decision.findings] == [r.id for r in data.rules]


def test_digest_changes_when_a_rule_file_changes(rules_root: Path) -> None:
    path = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", GOOD)
    first = load(rules_root).digest
    assert load(rules_root).digest == first  # stable
    path.write_text(_replace(GOOD, "value: true", "value: false"), encoding="utf-8")
    second = load(rules_root).digest
    assert second != first
    write_rule_file(rules_root, f"{MOE}/02.yaml", NATIONAL)
    assert load(rules_root).digest not in (first, second)


def test_digest_does_not_depend_on_where_the_rulebook_lives(tmp_path: Path) -> None:
    one = make_rulebook(tmp_path / "one")
    two = make_rulebook(tmp_path / "elsewhere" / "two")
    for root in (one, two):
        write_rule_file(root, f"{ANYANG}/06-1.yaml", GOOD)
    assert load(one).digest == load(two).digest


def test_digest_changes_with_the_fact_schema(rules_root: Path) -> None:
    write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", GOOD)
    before = load(rules_root).digest
    facts = rules_root / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n  extra:\n    label: 额外\n    fields:\n      x: {type: bool, label: x}\n", encoding="utf-8")
    assert load(rules_root).digest != before


def test_not_a_rulebook(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as info:
        load(tmp_path)
    assert str(tmp_path) in str(info.value)


# --------------------------------------------------------------------------- schema-level errors


def test_unknown_rule_key_suggests_the_right_one(rules_root: Path) -> None:
    text = _replace(GOOD, "    when:", "    whenn:")
    error, path = _fails(rules_root, text)
    assert "'whenn'" in str(error)
    assert "did you mean 'when'" in str(error)
    assert error.field is not None and error.field.startswith("rules[0]")
    # somewhere inside the rule
    assert line_of(text, "- id: syn/grant") <= error.line <= line_of(text, "whenn")


@pytest.mark.parametrize(
    ("old", "new", "marker", "field"),
    [
        ("    when:", "    whenn:", "whenn", "rules[0].whenn"),
        ("heading:", "headng:", "headng", "headng"),
        ("          value: true", "          vaule: true", "vaule", "rules[0].when.all[1]"),
        ("    amount: {value: 2000, unit: CNY, period: per_student_per_year}", "    amount:\n      value: 2000\n      unit: CNY\n      perod: per_student_per_year", "perod", "rules[0].amount"),
    ],
    ids=["rule-key", "top-level-key", "condition-key", "amount-key"],
)
def test_unknown_key_error_points_at_the_key_itself(rules_root: Path, old: str, new: str, marker: str, field: str) -> None:
    # A rule is often 20+ lines long: the line must be the misspelt key's own.
    text = _replace(GOOD, old, new)
    error, path = _fails(rules_root, text)
    assert error.line == line_of(text, marker), str(error)
    assert field in str(error)


def test_unknown_top_level_key_suggests(rules_root: Path) -> None:
    text = _replace(GOOD, "document:", "documnet:")
    error, path = _fails(rules_root, text)
    assert "did you mean 'document'" in str(error)
    assert error.line == 1


def test_misspelt_condition_keyword_suggests(rules_root: Path) -> None:
    # `alll` is meant as `all`: the message must not claim only field/op/value are allowed
    # without offering the keyword the author obviously meant.
    text = _replace(GOOD, "      all:", "      alll:")
    error, path = _fails(rules_root, text)
    assert "'alll'" in str(error)
    assert "did you mean 'all'" in str(error)
    assert error.line == line_of(text, "alll")


def test_missing_required_key(rules_root: Path) -> None:
    text = _replace(GOOD, "    subject: student\n", "")
    error, path = _fails(rules_root, text)
    assert "subject" in str(error)
    assert error.line == line_of(text, "- id: syn/grant")


FORGED = ANYANG_QUOTE.replace("2000元", "3000元")

# (edit of the good rule file: old, new), the marker on the line the error must point at,
# the field it must name, and words the message must hold.
LOCATED_ERRORS = [
    ('op: "=="\n          value: true', 'op: "=>"\n          value: true', '"=>"', "rules[0].when.all[1].op", "'=>'"),
    ("id: syn/grant", "id: Syn/Grant", "Syn/Grant", "rules[0].id", ""),
    ("field: school.level", "field: school.levl", "school.levl", "rules[0].when.all[0].field", "did you mean 'level'"),
    ("field: full_time", "field: full_tme", "full_tme", "rules[0].when.all[1].field", "did you mean 'full_time'"),
    ("field: full_time", "field: full_time.x", "full_time.x", "rules[0].when.all[1].field", ""),
    ("value: true", 'value: "yes"', 'value: "yes"', "rules[0].when.all[1].value", "full_time"),
    ("value: secondary", "value: secondaryy", "secondaryy", "rules[0].when.all[0].value", "did you mean 'secondary'"),
    ("value: secondary", "value: 中等（高中阶段）", "value: 中等（高中阶段）", "rules[0].when.all[0].value", "'secondary'"),
    ('field: school.level\n          op: "=="', 'field: school.name\n          op: "<"', 'op: "<"', "rules[0].when.all[0].op", "school.name"),
    ('op: "=="\n          value: true', "op: exists\n          value: true", "value: true", "rules[0].when.all[1].value", "takes no value"),
    ('op: "=="\n          value: true', 'op: "=="', "field: full_time", "rules[0].when.all[1]", "value"),
    ('op: "=="\n          value: secondary', "op: in\n          value: secondary", "value: secondary", "rules[0].when.all[0].value", "list"),
    (f"      - {ANYANG_QUOTE}", f"      - {FORGED}", FORGED, "rules[0].quotes[0]", ANYANG),
    (f"      - {ANYANG_QUOTE}", f"      - {ANYANG_QUOTE}\n      - {{clause: 六、1, text: {MOE_QUOTE}}}", MOE_QUOTE, "rules[0].quotes[1]", "not in the text"),
    ("clause: 六、1", "clause: 六、2", ANYANG_QUOTE, "rules[0].quotes[0]", "not in its clause 六、2"),  # the quote is in 六、1
    ("clause: 六、1", "clause: 六、9", "clause: 六、9", "clause", "did you mean"),
    (f"      - {ANYANG_QUOTE}", f"      - {ANYANG_QUOTE}\n      - {{clause: 附件 99, text: 发放国家助学金}}", "附件 99", "rules[0].quotes[1].clause", "no clause '附件 99'"),
    ("    jurisdiction:\n      via: school.region", "    jurisdiction: none", "jurisdiction: none", "rules[0].jurisdiction", ANYANG),
    ("via: school.region", "via: school.regoin", "via: school.regoin", "rules[0].jurisdiction.via", "did you mean 'region'"),
    ("subject: student", "subject: studnet", "subject: studnet", "rules[0].subject", "did you mean 'student'"),
    ("    quotes:", '    in_force:\n      from: "2019-02-30"\n    quotes:', "in_force:", "rules[0].in_force", "2019-02-30"),
    ("    quotes:", "    range: {min: 3, max: 1, unit: percent}\n    quotes:", "range:", "rules[0].range", "above max"),
    ("    quotes:", '    deadline: {text: 秋季学期开学前, date: unknown, window: {from: "2018-09-30", to: "2018-08-01"}}\n    quotes:',
     "deadline:", "rules[0].deadline.window", "is after"),
    ("    quotes:", '    deadline: {text: 年底, date: "2018-12-31", window: {from: "2018-08-01", to: "2018-09-30"}}\n    quotes:',
     "deadline:", "rules[0].deadline.window", "date is unknown"),
]


@pytest.mark.parametrize(("old", "new", "marker", "field", "words"), LOCATED_ERRORS, ids=[row[3] + ":" + row[1][:20] for row in LOCATED_ERRORS])
def test_error_is_located(rules_root: Path, old: str, new: str, marker: str, field: str, words: str) -> None:
    text = _replace(GOOD, old, new)
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, marker), field)
    assert words in str(error)



# --------------------------------------------------------------------------- semantic errors


@pytest.mark.parametrize("op", ["<", ">=", "<="])
def test_ordering_op_on_enum_and_bool_fields(rules_root: Path, op: str) -> None:
    text = _replace(GOOD, 'op: "=="\n          value: true', f'op: "{op}"\n          value: true')
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, f'op: "{op}"'), "rules[0].when.all[1].op")


def test_equality_on_a_link_is_refused(rules_root: Path) -> None:
    text = _replace(GOOD, "field: school.level\n          op: \"==\"", "field: school.region\n          op: \"==\"")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "field: school.region") + 1, "rules[0].when.all[0].op")


def test_duplicate_rule_id_in_one_file(rules_root: Path) -> None:
    second = GOOD.split("rules:\n", 1)[1]
    text = GOOD + second
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "- id: syn/grant", occurrence=2), "rules[1].id")
    assert "syn/grant" in str(error)


def test_duplicate_rule_id_across_files(rules_root: Path) -> None:
    first = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", GOOD)
    text = GOOD  # the same rule in a second file
    error, path = _fails(rules_root, text, f"{ANYANG}/06-2.yaml")
    _located(error, path, line_of(text, "- id: syn/grant"), "rules[0].id")
    assert str(first) in str(error)


def test_national_document_takes_no_via(rules_root: Path) -> None:
    text = _replace(NATIONAL, "    jurisdiction: none", "    jurisdiction:\n      via: school.region")
    error, path = _fails(rules_root, text, f"{MOE}/02.yaml")
    _located(error, path, line_of(text, "jurisdiction:"), "rules[0].jurisdiction")
    assert "national" in str(error)


@pytest.mark.parametrize("via", ["school", "school.level", "household", "full_time"])
def test_via_must_lead_to_a_region(rules_root: Path, via: str) -> None:
    text = _replace(GOOD, "via: school.region", f"via: {via}")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, f"via: {via}"), "rules[0].jurisdiction.via")


def test_derived_key_not_produced(rules_root: Path) -> None:
    text = _replace(GOOD, "        - field: full_time", "        - derived: poorr\n        - field: full_time")
    error, path = _fails(rules_root, text + DERIVED)
    _located(error, path, line_of(text, "derived: poorr"), "rules[0].when.all[1].derived")
    assert "did you mean 'poor'" in str(error)


def test_derived_under_any_is_refused(rules_root: Path) -> None:
    text = GOOD + DERIVED
    text = _replace(text, "        - field: full_time\n          op: \"==\"\n          value: true\n",
                    "        - any:\n            - derived: poor\n            - field: full_time\n              op: \"==\"\n              value: true\n")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "- derived: poor"), "rules[0].when.all[1].any[0].derived")


def test_derived_under_not_is_refused(rules_root: Path) -> None:
    text = GOOD + DERIVED
    text = _replace(text, "        - field: full_time\n          op: \"==\"\n          value: true\n", "        - not:\n            derived: poor\n")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "derived: poor"), "rules[0].when.all[1].not.derived")


def test_derived_in_a_nested_all_is_refused_or_works(rules_root: Path) -> None:
    # docs/rule-format.md: `{derived: key}` may appear only at the top level of `when` or in
    # its top-level `all`. A nested `all` must be refused with a located RuleFileError (or,
    # if the loader chooses to flatten it, chain correctly) — never crash in the compiler.
    text = GOOD + DERIVED
    text = _replace(text, "        - field: full_time\n          op: \"==\"\n          value: true\n", "        - all:\n            - derived: poor\n")
    path = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", text)
    try:
        book = policyrules.load_rulebook(rules_root)
    except RuleFileError as error:
        assert error.file == str(path)
        assert error.line == line_of(text, "- derived: poor")
        assert error.field == "rules[0].when.all[1].all[0].derived"
        return
    yes = book.evaluate(anyang_case(), as_of="2020-01-01")
    assert "syn/grant" in [f.rule_id for f in yes.findings]
    case = anyang_case()
    case["household"]["poverty_registered"] = False
    no = book.evaluate(case, as_of="2020-01-01")
    assert "syn/grant" not in [f.rule_id for f in no.findings]


def test_derivation_cycle(rules_root: Path) -> None:
    one = _replace(DERIVED, "        - field: household.poverty_registered\n          op: \"==\"\n          value: true\n", "        - derived: rich\n")
    two = _replace(_replace(one, "syn/poor", "syn/rich"), "- derived: rich", "- derived: poor")
    two = _replace(two, "derives: {key: poor", "derives: {key: rich")
    text = "document: anyang-2018-2\nclause: 六、1\nrules:\n" + one + two
    error, path = _fails(rules_root, text)
    assert "cycle" in str(error)
    assert "poor" in str(error) and "rich" in str(error)
    assert error.line in (line_of(text, "- id: syn/poor"), line_of(text, "- id: syn/rich"))
    assert error.field is not None and "when" in error.field


def test_derivation_cycle_across_files(rules_root: Path) -> None:
    one = _replace(DERIVED, "        - field: household.poverty_registered\n          op: \"==\"\n          value: true\n", "        - derived: rich\n")
    two = _replace(_replace(one, "syn/poor", "syn/rich"), "- derived: rich", "- derived: poor")
    two = _replace(two, "derives: {key: poor", "derives: {key: rich")
    first = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", "document: anyang-2018-2\nclause: 六、1\nrules:\n" + one)
    second = write_rule_file(rules_root, f"{ANYANG}/06-2.yaml", "document: anyang-2018-2\nclause: 六、1\nrules:\n" + two)
    with pytest.raises(RuleFileError) as info:
        load(rules_root)
    assert info.value.file in (str(first), str(second))
    assert info.value.line == 4
    assert "cycle" in str(info.value)


def test_self_derivation_is_a_cycle(rules_root: Path) -> None:
    one = _replace(DERIVED, "        - field: household.poverty_registered\n          op: \"==\"\n          value: true\n", "        - derived: poor\n")
    text = "document: anyang-2018-2\nclause: 六、1\nrules:\n" + one
    error, path = _fails(rules_root, text)
    assert "cycle" in str(error)
    assert error.line == 4


def test_derived_rule_with_effect_is_refused(rules_root: Path) -> None:
    text = GOOD + _replace(DERIVED, "derives:", "effect:")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "- id: syn/poor"), "rules[1]")
    assert "derives" in str(error)


def test_entitlement_with_derives_is_refused(rules_root: Path) -> None:
    text = _replace(GOOD, "    effect:", "    derives:")
    error, path = _fails(rules_root, text)
    _located(error, path, line_of(text, "- id: syn/grant"), "rules[0]")
    assert "effect" in str(error)


def test_unknown_document_suggests(rules_root: Path) -> None:
    text = _replace(GOOD, "document: anyang-2018-2", "document: anyang-2018-3")
    error, path = _fails(rules_root, text)
    _located(error, path, 1, "document")
    assert "did you mean 'anyang-2018-2'" in str(error)


def test_in_force_ending_before_it_starts(rules_root: Path) -> None:
    # Like a range whose min is above its max, a window that ends before it starts can
    # never hold: the rule would silently never apply.
    text = _replace(GOOD, "    quotes:", "    in_force:\n      from: \"2019-06-01\"\n      until: \"2018-12-31\"\n    quotes:")
    error, path = _fails(rules_root, text)
    assert error.line in (line_of(text, "in_force:"), line_of(text, "until:"))
    assert error.field is not None and error.field.startswith("rules[0].in_force")


def test_yaml_error_in_a_rule_file_is_located(rules_root: Path) -> None:
    text = _replace(GOOD, "    title: 国家助学金\n", "    title: 国家助学金\n    title: 重复\n")
    path = write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", text)
    with pytest.raises(policyrules.YamlError) as info:
        load(rules_root)
    assert info.value.file == str(path)
    assert info.value.line == line_of(text, "title: 重复")


def test_rule_file_that_is_not_a_mapping(rules_root: Path) -> None:
    error, path = _fails(rules_root, "- just\n- a list\n")
    assert error.line == 1


# --------------------------------------------------------------------------- other files of the rulebook


def test_facts_yaml_with_unknown_link_target(tmp_path: Path) -> None:
    facts = (policyrules.resources.bundled_rulebook() / "facts.yaml").read_text(encoding="utf-8")
    facts = _replace(facts, "school: {type: ref, entity: school, label: 就读学校}", "school: {type: ref, entity: schol, label: 就读学校}")
    root = make_rulebook(tmp_path / "rules", facts)
    with pytest.raises(RuleFileError) as info:
        load(root)
    assert info.value.file == str(root / "facts.yaml")
    assert info.value.line == line_of(facts, "entity: schol")
    assert "did you mean 'school'" in str(info.value)


def test_documents_yaml_with_duplicate_key(rules_root: Path) -> None:
    path = rules_root / "documents.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- key: mohrss-2019-2", "- key: moe-2019-4", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load(rules_root)
    assert info.value.file == str(path)
    assert info.value.line == line_of(text, "- key: moe-2019-4", occurrence=2)


def _classify(root: Path, text: str) -> Path:
    (root / "classification").mkdir(exist_ok=True)
    path = root / "classification" / f"{ANYANG}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_classification_is_loaded(rules_root: Path) -> None:
    write_rule_file(rules_root, f"{ANYANG}/06-1.yaml", GOOD)
    _classify(
        rules_root,
        "document: anyang-2018-2\nentries:\n  - clause: 一、1\n    kind: guiding_principle\n    reason: 总体要求, no bearer or act\n"
        "  - sentences: [文头#1, 文头#2]\n    kind: furniture\n    reason: the title block of the document\n",
    )
    data = load(rules_root)
    assert [(c.document, c.sentences, c.kind) for c in data.classifications] == [
        (ANYANG, ("一、1#1", "一、1#2"), "guiding_principle"),
        (ANYANG, ("文头#1", "文头#2"), "furniture"),
    ]
    assert data.kinds["furniture"] == "公文格式要素"


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        ("  - sentences: [一、1#9]\n    kind: background\n    reason: no such sentence here\n", "entries[0].sentences[0]", 3, "no sentence '一、1#9'"),
        ("  - clause: 十、1\n    kind: background\n    reason: no such clause here\n", "entries[0].clause", 3, "no clause '十、1'"),
        ("  - sentences: [一、1#2]\n    kind: background\n    reason: said once here\n  - clause: 一、1\n    kind: heading\n    reason: said again here\n",
         "entries[1]", 6, "classified twice"),
        ("  - sentences: [一、1#2]\n    kind: vague\n    reason: not actionable\n", "entries[0].kind", 4, "not one of: furniture, heading"),
        ("  - sentences: [一、1#2]\n    kind: restatement\n    see: [六、1#99]\n    reason: says it again\n", "entries[0].see[0]", 5, "no sentence '六、1#99'"),
    ],
)
def test_bad_classification_is_located(rules_root: Path, text: str, field: str, line: int, words: str) -> None:
    path = _classify(rules_root, "document: anyang-2018-2\nentries:\n" + text)
    with pytest.raises(RuleFileError) as info:
        load(rules_root)
    assert (info.value.file, info.value.field) == (str(path), field)
    assert info.value.line == line
    assert words in str(info.value)


def test_bundled_rulebook_loads() -> None:
    data = load(policyrules.resources.bundled_rulebook())
    assert len(data.rules) > 0
    ids = [r.id for r in data.rules]
    assert len(ids) == len(set(ids))
    assert "anyang-2018-2/06-1/national-grant" in ids
    assert [r.index for r in data.rules] == list(range(len(ids)))



def test_field_names_with_double_underscores_do_not_collide_with_paths(tmp_path: Path) -> None:
    # Flat facts key a path by joining its steps with "__": a field named `school__level`
    # (allowed by facts.schema.json) and the path `school.level` must stay apart -- or the
    # fact schema must refuse such a name.
    facts = (policyrules.resources.bundled_rulebook() / "facts.yaml").read_text(encoding="utf-8")
    marker = "      age: {type: int, unit: years, label: 年龄}\n"
    assert marker in facts
    facts = facts.replace(marker, marker + "      school__level: {type: string, label: 自填学校类别}\n", 1)
    root = make_rulebook(tmp_path / "rules", facts)
    own = rule_item("syn/own", document=MOE, when={"field": "school__level", "op": "==", "value": "自填"})
    linked = rule_item("syn/linked", document=MOE, when={"field": "school.level", "op": "==", "value": "secondary"})
    write_rule_file(root, f"{MOE}/01.yaml", rule_file(MOE, "二、", own, linked))
    try:
        book = policyrules.load_rulebook(root)
    except RuleFileError as error:
        assert error.file == str(root / "facts.yaml") or error.file.endswith("01.yaml")
        return
    decision = book.evaluate(anyang_case(school__level="自填"), as_of="2020-01-01")
    assert {o.rule_id: o.status.value for o in decision.outcomes} == {"syn/own": "applies", "syn/linked": "applies"}
