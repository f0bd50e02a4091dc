"""The casebook: the law's worked examples as YAML that a lawyer can read and check.

Each file in tests/casebook/ holds cases: input facts, an evaluation date, and what must
come out — findings with their amounts and citations, rules that must not apply (and the
condition that fails), and rules that must stay undetermined (and the fact that is
missing). Every bundled rule must be shown applying in at least one case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import policyrules
from policyrules.sources import normalise
from policyrules.yamlio import read_yaml

CASEBOOK = Path(__file__).parent / "casebook"
EXPECTATION_KEYS = {"applies", "does_not_apply", "undetermined", "only"}


def _entries() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASEBOOK.glob("*.yaml")):
        data = read_yaml(path).data
        for index, entry in enumerate(data["cases"]):
            out.append((f"{path.stem}[{index}] {entry['name']}", entry))
    return out


ENTRIES = _entries()


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def test_casebook_is_not_empty() -> None:
    assert len(ENTRIES) >= 10


def _subject_matches(item: dict[str, Any], subject: policyrules.SubjectRef) -> bool:
    return "subject" not in item or item["subject"] == subject.id


def _contains_all(texts: list[str], wanted: list[str], what: str) -> None:
    for fragment in wanted:
        assert any(fragment in text for text in texts), f"{what}: no check mentions {fragment!r}; got {texts}"


@pytest.mark.parametrize("entry", [e for _, e in ENTRIES], ids=[n for n, _ in ENTRIES])
def test_case(book: policyrules.Rulebook, entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    assert set(expect) <= EXPECTATION_KEYS, f"unknown expectation keys {set(expect) - EXPECTATION_KEYS}"
    decision = book.evaluate(entry["case"], as_of=entry.get("as_of"))

    for item in expect.get("applies", []):
        found = [f for f in decision.findings if f.rule_id == item["rule"] and _subject_matches(item, f.subject)]
        assert found, f"{item['rule']} should apply; findings: {[f.rule_id for f in decision.findings]}"
        finding = found[0]
        if "amount" in item:
            assert finding.amount is not None and finding.amount.value == item["amount"]
        for key in ("unit", "period"):
            if key in item:
                assert finding.amount is not None and getattr(finding.amount, key) == item[key]
        if "status" in item:
            assert finding.status == item["status"], [(c.condition, c.actual) for c in finding.compliance]
        if "next_due" in item:
            assert finding.next_due is not None and finding.next_due.isoformat() == str(item["next_due"])
        for wanted in item.get("citations", []):
            assert any(
                c.clause == wanted["clause"]
                and c.number == wanted.get("number", c.number)
                and normalise(wanted.get("quote_contains", "")) in normalise(c.quote)
                for c in finding.citations
            ), f"{item['rule']}: no citation like {wanted}; got {[(c.number, c.clause) for c in finding.citations]}"

    for key, status, detail in (
        ("does_not_apply", policyrules.Status.DOES_NOT_APPLY, "failed"),
        ("undetermined", policyrules.Status.UNDETERMINED, "missing"),
    ):
        for item in expect.get(key, []):
            outcomes = [o for o in decision.why_not(item["rule"]) if _subject_matches(item, o.subject)]
            assert outcomes, f"{item['rule']} was not tried on {item.get('subject')}"
            for outcome in outcomes:
                assert outcome.status is status, (outcome.status, outcome.checks)
                _contains_all([c.condition for c in outcome.checks], item.get(detail, []), item["rule"])

    if expect.get("only"):
        listed = {(i["rule"], i.get("subject")) for i in expect.get("applies", [])}
        for finding in decision.findings:
            assert (finding.rule_id, finding.subject.id) in listed or (finding.rule_id, None) in listed, (
                f"unexpected finding {finding.rule_id} for {finding.subject.id}"
            )


def test_every_rule_is_shown_applying(book: policyrules.Rulebook) -> None:
    shown = {item["rule"] for _, entry in ENTRIES for item in entry["expect"].get("applies", [])}
    missing = sorted(rule.id for rule in book.rules if rule.id not in shown)
    assert not missing, f"rules with no casebook case where they apply: {missing}"


def test_every_citation_is_in_its_source(book: policyrules.Rulebook) -> None:
    root = policyrules.resources.bundled_rulebook()
    texts = {d.key: normalise((root / d.source).read_text(encoding="utf-8")) for d in book.documents}
    for rule in book.rules:
        assert rule.citations, rule.id
        for citation in rule.citations:
            assert citation.number == rule.document.number
            assert normalise(citation.quote) in texts[citation.document], (rule.id, citation.quote)
