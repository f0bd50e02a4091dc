"""Clause trees, sentences and the accounting of every sentence of the five documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ANYANG, ANYANG_QUOTE, MOE, make_rulebook, write_rule_file

import policyrules
from policyrules.cli import main
from policyrules.errors import RuleFileError
from policyrules.law import report
from policyrules.law.accounting import CLASSIFIED, ENCODED, UNACCOUNTED, account
from policyrules.loader import load
from policyrules.sources import normalise

DOCS_LAW = Path(__file__).parent.parent / "docs" / "law"

# Pinned: an edit to a source text or to the splitter that moves a citation shows up here.
SHAPE = {
    "moe-2019-4": (21, 82),
    "mohrss-2019-2": (27, 94),
    "jiamusi-2022-plan": (51, 220),
    "anyang-2018-2": (72, 175),
    "cpc-2022-modern-vet": (20, 76),
}


@pytest.fixture(scope="module")
def data() -> policyrules.loader.RulebookData:
    return policyrules.load_rulebook().data


def test_clause_and_sentence_counts_are_pinned(data) -> None:
    shape = {key: (len(tree.clauses), sum(1 for _ in tree.sentences())) for key, tree in data.trees.items()}
    assert shape == SHAPE


@pytest.mark.parametrize(
    ("document", "path", "parent", "starts"),
    [
        ("anyang-2018-2", "附件 21", "附件", "对中等职业学校全日制正式学籍建档立卡贫困家庭学生"),
        ("anyang-2018-2", "六、1", "六、", "大力开展职业教育脱贫攻坚"),
        ("mohrss-2019-2", "（十二）", "四、", "加大资金投入保障力度"),  # numbered on through the document: the label alone
        ("moe-2019-4", "四、（二）", "四、", "强化统筹建好办好一批职业学校"),  # numbering restarts: nested
        ("jiamusi-2022-plan", "三、（三）9", "三、（三）", "实施办学条件达标计划"),
        ("jiamusi-2022-plan", "四、（二）", "四、", "强化工作保障"),
        ("cpc-2022-modern-vet", "13", "四、", "强化政策扶持"),
    ],
)
def test_known_clauses(data, document: str, path: str, parent: str, starts: str) -> None:
    clause = data.trees[document].clause(path)
    assert clause is not None, [c.path for c in data.trees[document].clauses]
    assert clause.parent == parent
    assert clause.sentences[0].text.startswith(starts)


def test_annex_rows_keep_their_responsible_units_and_schedule(data) -> None:
    row = data.trees[ANYANG].clause("附件 31")
    assert dict(row.columns) == {"负责单位": "各县(市、区)政府和市财政局、市教育局、市人力资源社会保障局", "时间进度": "2018年春季学期开始实施"}


def test_sentences_are_spans_of_the_source_text(data) -> None:
    for key, tree in data.trees.items():
        raw = data.sources[key].raw
        ids = set()
        for sentence in tree.sentences():
            assert sentence.id not in ids
            ids.add(sentence.id)
            assert normalise(sentence.text) == re.sub(r"\[\d+\]", "", normalise(raw[sentence.start : sentence.end]))
            assert tree.sentence(sentence.id) == sentence


def test_sentences_end_at_full_stops_and_page_breaks_are_joined(data) -> None:
    tree = data.trees[ANYANG]
    texts = [s.text for s in tree.clause("一、1").sentences]
    assert texts[0] == "总体要求。"
    assert "以习近平新时代中国特色社会主义思想为指导" in texts[1]  # broken across a page in the source
    assert all(s.text.endswith(("。", "；")) for s in tree.clause("六、1").sentences)


def test_a_heading_only_line_ends_its_sentence_before_the_text_under_it(data) -> None:
    # 教职成厅〔2019〕4号: “一、指导思想” and “三、工作目标” are lines of their own, the paragraph follows.
    tree = data.trees[MOE]
    for path, heading, text in (("一、", "指导思想", "坚持以习近平"), ("三、", "工作目标", "到2020年，确保深度贫困地区")):
        first, second = tree.clause(path).sentences[:2]
        assert (first.text, first.heading) == (heading, True)
        assert second.text.startswith(text) and not second.heading


def test_commentary_and_web_header_are_not_clauses(data) -> None:
    cpc = " ".join(s.text for s in data.trees["cpc-2022-modern-vet"].sentences())
    assert "内容解读" not in cpc and "总体情况" not in cpc
    jiamusi = " ".join(s.text for s in data.trees["jiamusi-2022-plan"].sentences())
    assert "浏览次数" not in jiamusi


def test_a_quote_covers_the_sentences_it_overlaps(data) -> None:
    tree = data.trees[ANYANG]
    covered = tree.quoted("六、1", "帮助建档立卡贫困家庭学生免费接受职业技能培训，使其至少掌握一种脱贫致富技能。对中等职业学校")
    assert [s.id for s in covered] == ["六、1#3", "六、1#4"]
    assert tree.quoted("六、2", ANYANG_QUOTE) is None
    assert [s.id for s in tree.quoted("六、", ANYANG_QUOTE)] == ["六、1#4"]  # a clause includes its sub-clauses


def test_every_bundled_sentence_has_one_state(data) -> None:
    for doc in account(data):
        counts = doc.counts()
        assert counts[ENCODED] + counts[CLASSIFIED] + counts[UNACCOUNTED] == counts["sentences"]
        assert not [s for s in doc.sentences() if s.conflict]


def test_anyang_is_declared_complete_and_every_sentence_is_accounted_for(data) -> None:
    doc = next(d for d in account(data) if d.document.key == ANYANG)
    assert doc.document.complete
    assert [s.sentence.id for s in doc.sentences() if s.state == UNACCOUNTED] == []


def test_encoded_sentences_name_the_rules_that_quote_them(data) -> None:
    doc = next(d for d in account(data) if d.document.key == ANYANG)
    grant = next(s for s in doc.sentences() if s.sentence.id == "六、1#4")
    assert grant.state == ENCODED
    assert "anyang-2018-2/06-1/national-grant" in grant.rules


def test_a_missing_part_marker_is_a_located_error(tmp_path: Path) -> None:
    root = make_rulebook(tmp_path / "rules")
    registry = root / "documents.yaml"
    text = registry.read_text(encoding="utf-8").replace("start: 主办：市教育局", "start: 主办：市人民政府")
    registry.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load(root)
    assert info.value.file == str(registry)
    assert info.value.field == "documents[3].parts"
    assert "主办：市人民政府" in str(info.value)


def test_coverage_json_lists_every_document(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    documents = json.loads(result.output)["documents"]
    assert {d["key"]: (d["counts"]["clauses"], d["counts"]["sentences"]) for d in documents} == SHAPE
    for d in documents:
        n = d["counts"]
        assert n["encoded"] + n["classified"] + n["unaccounted"] == n["sentences"] == sum(len(c["sentences"]) for c in d["clauses"])


def test_coverage_of_one_document_lists_its_sentences() -> None:
    result = CliRunner().invoke(main, ["coverage", "--document", ANYANG])
    assert result.exit_code == 0, result.output
    assert "六、1#4" in result.output and "anyang-2018-2/06-1/national-grant" in result.output
    bad = CliRunner().invoke(main, ["coverage", "--document", "anyang-2018"])
    assert bad.exit_code == 2 and "did you mean 'anyang-2018-2'" in bad.output


def test_docs_law_pages_are_current(data) -> None:
    for doc in account(data):
        page = DOCS_LAW / f"{doc.document.key}.md"
        assert page.is_file(), f"{page} is missing: run policyrules coverage --format markdown --output-dir docs/law"
        assert page.read_text(encoding="utf-8") == report.markdown(doc, data), (
            f"{page} is stale: run policyrules coverage --format markdown --output-dir docs/law"
        )


def test_markdown_shows_text_and_encoding_side_by_side(data) -> None:
    doc = next(d for d in account(data) if d.document.key == ANYANG)
    page = report.markdown(doc, data)
    assert "## 六、 充分发挥职业教育在脱贫攻坚和转型发展攻坚中的重要作用" in page
    assert "`anyang-2018-2/06-1/national-grant`" in page
    assert "*负责单位:* 市教育局、市人力资源社会保障局、市扶贫办、市财政局和各县(市、区)政府" in page


def test_a_new_rule_moves_a_sentence_from_unaccounted_to_encoded(tmp_path: Path) -> None:
    root = make_rulebook(tmp_path / "rules")
    before = {s.sentence.id: s.state for d in account(load(root)) if d.document.key == MOE for s in d.sentences()}
    write_rule_file(root, f"{MOE}/02.yaml", f"""
        document: {MOE}
        clause: 二、
        rules:
          - id: syn/moe
            title: 规则
            modality: obligation
            subject: government
            bearer: {{entity: government, label: 各级政府}}
            jurisdiction: none
            effect: {{key: focus, label: 聚焦}}
            quotes: [聚焦建档立卡贫困家庭学生及有培训需求的贫困劳动力]
    """)
    after = {s.sentence.id: s for d in account(load(root)) if d.document.key == MOE for s in d.sentences()}
    changed = [sid for sid, state in before.items() if state != after[sid].state]
    assert len(changed) == 1
    assert after[changed[0]].state == ENCODED and after[changed[0]].rules == ("syn/moe",)
