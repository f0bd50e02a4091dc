"""What became of every sentence of the law: encoded by rules, classified, or unaccounted.

A sentence is **encoded** when some rule's quote covers it wholly or in part, and
**classified** when a classification entry names it with its kind and reason. A clause's
own title is accounted as a heading when nothing else accounts for it. Anything else is
**unaccounted** — the gap an auditor must be shown, because nothing in the rulebook says
what the sentence means for anyone. Every sentence ends in exactly one state; a sentence
both encoded and classified is reported as a conflict rather than silently counted once.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..loader import Classification, RulebookData
from ..model import Document
from .tree import Clause, ClauseTree, Sentence

ENCODED, CLASSIFIED, UNACCOUNTED = "encoded", "classified", "unaccounted"
HEADING_REASON = "the clause's own title; what it announces is accounted for by the clause's sentences"


@attrs.frozen
class SentenceAccount:
    sentence: Sentence
    state: str  # encoded / classified / unaccounted
    rules: tuple[str, ...]  # ids of the rules quoting it
    classification: Classification | None  # the entry naming it (None for an implicit heading)
    kind: str | None  # for classified sentences
    reason: str | None

    @property
    def conflict(self) -> bool:
        """Encoded by a rule and also classified as not encoded."""
        return bool(self.rules) and self.classification is not None


@attrs.frozen
class ClauseAccount:
    clause: Clause
    sentences: tuple[SentenceAccount, ...]


@attrs.frozen
class DocumentAccount:
    document: Document
    tree: ClauseTree
    clauses: tuple[ClauseAccount, ...]

    def sentences(self) -> Iterable[SentenceAccount]:
        for clause in self.clauses:
            yield from clause.sentences

    def count(self, state: str) -> int:
        return sum(1 for s in self.sentences() if s.state == state)

    def counts(self) -> dict[str, int]:
        return {
            "clauses": len(self.clauses),
            "sentences": sum(len(c.sentences) for c in self.clauses),
            ENCODED: self.count(ENCODED),
            CLASSIFIED: self.count(CLASSIFIED),
            UNACCOUNTED: self.count(UNACCOUNTED),
        }


def account(data: RulebookData) -> tuple[DocumentAccount, ...]:
    """The accounting of every document of the rulebook, in registry order."""
    quoting: dict[tuple[str, str], list[str]] = {}
    for rule in data.rules:
        tree = data.trees[rule.document.key]
        for citation in rule.citations:
            for sentence in tree.quoted(citation.clause, citation.quote) or ():
                ids = quoting.setdefault((rule.document.key, sentence.id), [])
                if rule.id not in ids:
                    ids.append(rule.id)
    named = {(c.document, sid): c for c in data.classifications for sid in c.sentences}
    out = []
    for document in data.documents:
        tree = data.trees[document.key]
        clauses = []
        for clause in tree.clauses:
            accounts = []
            for sentence in clause.sentences:
                rules = tuple(quoting.get((document.key, sentence.id), ()))
                entry = named.get((document.key, sentence.id))
                if rules:
                    accounts.append(SentenceAccount(sentence, ENCODED, rules, entry, None, None))
                elif entry is not None:
                    accounts.append(SentenceAccount(sentence, CLASSIFIED, (), entry, entry.kind, entry.reason))
                elif sentence.heading:
                    accounts.append(SentenceAccount(sentence, CLASSIFIED, (), None, "heading", HEADING_REASON))
                else:
                    accounts.append(SentenceAccount(sentence, UNACCOUNTED, (), None, None, None))
            clauses.append(ClauseAccount(clause, tuple(accounts)))
        out.append(DocumentAccount(document, tree, tuple(clauses)))
    return tuple(out)
