"""yamlio: hardened YAML reading that remembers the line of every value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policyrules import yamlio
from policyrules.errors import LocatedError, YamlError
from policyrules.yamlio import MAX_BYTES, MAX_DEPTH, Located, parse_yaml, read_yaml, to_date

DOC = """\
document: anyang-2018-2
clause: 六、1
rules:
  - id: a
    when:
      all:
        - {field: full_time, op: "==", value: true}
        - field: school.level
          op: "=="
          value: secondary
  - id: b
"""


def test_values_are_plain_python() -> None:
    located = parse_yaml(DOC, "rule.yaml")
    assert isinstance(located, Located)
    assert located.file == "rule.yaml"
    assert located.data["rules"][0]["when"]["all"][0] == {"field": "full_time", "op": "==", "value": True}
    assert located.data["rules"][1] == {"id": "b"}


def test_every_key_and_item_has_its_line() -> None:
    located = parse_yaml(DOC, "rule.yaml")
    assert located.line(("document",)) == 1
    assert located.line(("clause",)) == 2
    assert located.line(("rules",)) == 3
    assert located.line(("rules", 0)) == 4
    assert located.line(("rules", 0, "id")) == 4
    assert located.line(("rules", 0, "when")) == 5
    assert located.line(("rules", 0, "when", "all")) == 6
    assert located.line(("rules", 0, "when", "all", 0)) == 7
    assert located.line(("rules", 0, "when", "all", 1)) == 8
    assert located.line(("rules", 0, "when", "all", 1, "op")) == 9
    assert located.line(("rules", 0, "when", "all", 1, "value")) == 10
    assert located.line(("rules", 1)) == 11


def test_line_of_an_unknown_path_is_its_nearest_ancestor() -> None:
    located = parse_yaml(DOC, "rule.yaml")
    assert located.line(("rules", 0, "when", "all", 1, "nope", 3)) == 8
    assert located.line(("rules", 1, "title")) == 11
    assert located.line(()) == 1


def test_empty_document_is_none() -> None:
    located = parse_yaml("# only a comment\n", "empty.yaml")
    assert located.data is None


def _error(text: str, file: str = "bad.yaml") -> YamlError:
    with pytest.raises(YamlError) as info:
        parse_yaml(text, file)
    error = info.value
    assert isinstance(error, LocatedError)
    assert error.file == file
    assert file in str(error)
    return error


def test_alias_is_rejected_at_its_line() -> None:
    error = _error("a: 1\nb: &anchor 2\nc: *anchor\n")
    assert error.line == 2  # the anchor is refused before the alias is reached
    assert "bad.yaml:2" in str(error)
    assert "alias" in str(error)


def test_alias_without_visible_anchor_line() -> None:
    error = _error("a: [1, 2]\nb:\n  - x\n  - &y z\n  - *y\n")
    assert error.line == 4


def test_billion_laughs_is_rejected() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    error = _error(bomb)
    assert error.line == 1


def test_duplicate_key_names_key_and_line() -> None:
    error = _error("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n")
    assert error.line == 5
    assert "'x'" in str(error)
    assert "duplicate" in str(error)
    assert "bad.yaml:5" in str(error)


def test_duplicate_top_level_key() -> None:
    error = _error("document: a\nclause: b\ndocument: c\n")
    assert error.line == 3


def test_merge_key_is_rejected() -> None:
    error = _error("base: {a: 1}\nrule:\n  b: 2\n  <<: {a: 2}\n")
    assert error.line == 4
    assert "merge" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: !!python/object:os.system x\n",
        "a: 1\nb: !!python/name:os.system ''\n",
        "a: 1\nb: !!python/object/apply:os.system [ls]\n",
        "a: 1\nb: !!python/object/apply:os.system {args: [ls]}\n",
        "a: 1\nb: !!python/tuple [1, 2]\n",
        "a: 1\nb: !!python/dict {x: 1}\n",
    ],
    ids=["object-scalar", "name-scalar", "apply-sequence", "apply-mapping", "tuple-sequence", "dict-mapping"],
)
def test_python_tags_are_rejected(text: str) -> None:
    error = _error(text)
    assert error.line == 2


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: !custom 1\n", "a: 1\nb: !custom [1, 2]\n", "a: 1\nb: !custom {x: 1}\n"],
    ids=["scalar", "sequence", "mapping"],
)
def test_unknown_tags_are_rejected(text: str) -> None:
    # docs/architecture.md: yamlio "rejects ... unknown tags".
    error = _error(text)
    assert error.line == 2


def test_syntax_error_has_line() -> None:
    error = _error("a: 1\nb: [1, 2\nc: 3\n")
    assert error.line in (2, 3)
    assert "invalid YAML" in str(error)


def test_tab_indentation_has_line() -> None:
    error = _error("a:\n  b: 1\n\tc: 2\n")
    assert error.line == 3


def test_two_documents_in_one_file_are_rejected() -> None:
    error = _error("a: 1\n---\nb: 2\n")
    assert error.line == 2


def test_non_string_keys_are_rejected() -> None:
    error = _error("a: 1\n~: 2\n")
    assert error.line == 2
    error = _error("a: 1\n? [x, y]\n: 2\n")
    assert error.line == 2


def test_oversize_text_is_rejected() -> None:
    text = "a: '" + "x" * (MAX_BYTES + 10) + "'\n"
    error = _error(text, "huge.yaml")
    assert "larger" in str(error)


def test_oversize_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("a: '" + "x" * (MAX_BYTES + 10) + "'\n", encoding="utf-8")
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)


def test_nesting_just_within_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH - 1
    located = parse_yaml("[" * depth + "]" * depth, "deep.yaml")
    assert isinstance(located.data, list)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 200])
def test_too_deep_flow_nesting_is_rejected(depth: int) -> None:
    error = _error("a: " + "[" * depth + "]" * depth + "\n", "deep.yaml")
    assert error.line == 1
    assert "deeper" in str(error)


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_very_deep_nesting_is_a_yaml_error_not_a_recursion_error(depth: int) -> None:
    # Well under the 2 MiB size limit, so only the depth check can refuse it.
    text = "a: " + "[" * depth + "]" * depth + "\n"
    assert len(text.encode()) < MAX_BYTES
    error = _error(text, "deep.yaml")
    assert error.line == 1


def test_deep_block_mappings_are_rejected() -> None:
    lines = [" " * i + f"k{i}:" for i in range(MAX_DEPTH + 3)]
    error = _error("\n".join(lines) + " 1\n", "deep.yaml")
    assert error.line is not None and error.line > MAX_DEPTH // 2


def test_too_many_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_NODES", 50)  # the real limit takes seconds to reach
    error = _error("a: 1\nb:\n" + "".join(f"  - {i}\n" for i in range(60)), "many.yaml")
    assert "more than 50" in str(error)
    assert error.line is not None and error.line > 40


def test_non_utf8_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("case: 学生\n".encode("gbk"))
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert str(path) in str(info.value)


def test_read_yaml_records_lines_and_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("\ufeffa: 1\nb:\n  - 2\n  - 3\n", encoding="utf-8")
    located = read_yaml(path)
    assert located.data == {"a": 1, "b": [2, 3]}
    assert located.file == str(path)
    assert located.line(("b", 1)) == 4


def test_error_in_file_read_by_read_yaml_has_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert info.value.file == str(path)
    assert info.value.line == 3
    assert f"{path}:3" in str(info.value)


@pytest.mark.parametrize("value", ["2018-02-30", "2018-13-01", "2019-02-29"])
def test_impossible_timestamp_is_a_yaml_error_or_text(value: str) -> None:
    # The implicit timestamp resolver matches; the date does not exist. Either refuse it
    # with a located YamlError or keep it as text -- never an uncaught ValueError.
    try:
        located = parse_yaml(f"a: 1\nb: {value}\n", "dates.yaml")
    except YamlError as error:
        assert error.file == "dates.yaml"
        assert error.line == 2
        return
    assert located.data["b"] == value


def test_to_date() -> None:
    assert to_date("2018-09-01") == dt.date(2018, 9, 1)
    assert to_date(dt.date(2018, 9, 1)) == dt.date(2018, 9, 1)
    assert to_date(dt.datetime(2018, 9, 1, 10, 30)) == dt.date(2018, 9, 1)
    assert to_date("2018-02-30") is None
    assert to_date("yesterday") is None
    assert to_date(20180901) is None
