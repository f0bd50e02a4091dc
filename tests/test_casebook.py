"""The casebook: the law's worked examples as YAML that a lawyer can read and check.

Each file in tests/casebook/ holds cases (format: rules/schema/casebook.schema.json) run
through the same code as `policyrules test`. Every bundled rule must be shown applying in
at least one case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import policyrules
from policyrules.casebook import CaseEntry, casebook_coverage, load_casebook, run_case
from policyrules.sources import normalise

CASEBOOK = Path(__file__).parent / "casebook"
ENTRIES = load_casebook([CASEBOOK])


@pytest.fixture(scope="module")
def book() -> policyrules.Rulebook:
    return policyrules.load_rulebook()


def test_casebook_is_not_empty() -> None:
    assert len(ENTRIES) >= 10


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.label for e in ENTRIES])
def test_case(book: policyrules.Rulebook, entry: CaseEntry) -> None:
    result = run_case(book, entry)
    assert result.passed, "\n".join(result.differences)


def test_every_rule_is_shown_applying(book: policyrules.Rulebook) -> None:
    coverage = casebook_coverage(book, [run_case(book, entry) for entry in ENTRIES])
    assert not coverage.never_applying, f"rules with no casebook case where they apply: {coverage.never_applying}"


def test_every_citation_is_in_its_source(book: policyrules.Rulebook) -> None:
    root = policyrules.resources.bundled_rulebook()
    texts = {d.key: normalise((root / d.source).read_text(encoding="utf-8")) for d in book.documents}
    for rule in book.rules:
        assert rule.citations, rule.id
        for citation in rule.citations:
            assert citation.number == rule.document.number
            assert normalise(citation.quote) in texts[citation.document], (rule.id, citation.quote)
