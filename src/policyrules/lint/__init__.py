"""Rule-author checks beyond what loading refuses: accounting, dead rules and conflicts.

Loading already refuses what makes a rulebook unusable (schemas, unknown fields and
values, quotes outside the clause they cite, unknown clauses and sentences, derived-fact
cycles, duplicate ids); `lint` reports a failed load as its one error. On a rulebook that
loads it adds what an auditor needs before trusting it:

- every sentence accounted for (an error for documents declared `complete`, else a warning),
  and no sentence both encoded and classified;
- rules that can never apply (contradictory conditions, a window outside the document,
  a derived fact that can never hold);
- conflicts: two rules that can apply to one subject with the same effect but different
  amounts, or an obligation and a prohibition of the same act — unless one states that it
  prevails over the other.

Every message names the file, line, rule id, clause and field it is about.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import attrs

from .. import conditions as c
from ..errors import LocatedError
from ..law.accounting import UNACCOUNTED, account
from ..loader import RulebookData, date_span, load
from ..model import Rule
from ..resources import bundled_rulebook
from ..safetext import show
from .satisfiable import satisfiable

ERROR, WARNING = "error", "warning"


@attrs.frozen
class Message:
    severity: str
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    rule: str | None = None
    clause: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    def render(self) -> str:
        where = self.file or "<rulebook>"
        if self.line is not None:
            where += f":{self.line}"
        about = " ".join(x for x in (self.rule and f"[{self.rule}]", self.clause and f"({self.clause})", self.field and f"{self.field}:") if x)
        return f"{where}: {self.severity} {self.code}: {about + ' ' if about else ''}{self.message}"


def lint_path(root: Path | None) -> tuple[Message, ...]:
    """Load the rulebook at `root` (None: the bundled one) and lint it; a failed load is one error."""
    try:
        data = load(root if root is not None else bundled_rulebook())
    except LocatedError as exc:
        return (Message(ERROR, "load", exc.reason, exc.file, exc.line, field=exc.field),)
    return lint(data)


def lint(data: RulebookData) -> tuple[Message, ...]:
    """Every finding on a loaded rulebook, errors first, then in rulebook order."""
    messages = [*_accounting(data), *_dead_rules(data), *_conflicts(data), *_prevails(data)]
    return tuple(sorted(messages, key=lambda m: (m.severity != ERROR,)))


def _rule_message(severity: str, code: str, message: str, rule: Rule, field: str | None = None) -> Message:
    return Message(severity, code, message, rule.file, rule.line, rule.id, rule.clause, field)


def _accounting(data: RulebookData) -> list[Message]:
    out = []
    for document in account(data):
        severity = ERROR if document.document.complete else WARNING
        for item in document.sentences():
            sentence = item.sentence
            if item.state == UNACCOUNTED:
                line = document.tree.raw.count("\n", 0, sentence.start) + 1
                out.append(
                    Message(severity, "unaccounted", f"sentence {sentence.id} is neither encoded nor classified: {sentence.text[:60]}",
                            str(data.root / document.document.source), line, clause=sentence.clause, field=sentence.id)
                )
            elif item.conflict:
                entry = item.classification
                assert entry is not None
                out.append(
                    Message(ERROR, "encoded-and-classified", f"sentence {sentence.id} is quoted by {', '.join(item.rules)} and also classified {entry.kind}",
                            entry.file, entry.line, clause=sentence.clause, field=sentence.id)
                )
    return out


def _can_hold(data: RulebookData) -> dict[tuple[str, str], bool]:
    """For each (subject, derived key): can some producing rule apply? (cycles are refused at load)"""
    producers: dict[tuple[str, str], list[Rule]] = {}
    for rule in data.rules:
        if rule.derived:
            producers.setdefault((rule.subject, rule.effect.key), []).append(rule)
    memo: dict[tuple[str, str], bool] = {}

    def holds(key: tuple[str, str]) -> bool:
        if key not in memo:
            memo[key] = any(satisfiable(r.condition, lambda k, s=r.subject: holds((s, k))) for r in producers.get(key, []))
        return memo[key]

    for key in producers:
        holds(key)
    return memo


def _dead_rules(data: RulebookData) -> list[Message]:
    can_hold = _can_hold(data)
    out = []
    for rule in data.rules:
        if not satisfiable(rule.condition, lambda k, s=rule.subject: can_hold.get((s, k), False)):
            out.append(_rule_message(ERROR, "never-applies", "no facts can satisfy this rule's conditions (they contradict each other, its jurisdiction or a derived fact that can never hold)", rule, "when"))
        issued = date_span(rule.document.date)
        if issued is not None and 0 < rule.in_force.start_out + 1 < issued[0].toordinal():
            out.append(_rule_message(WARNING, "before-document", f"in force from before its document was issued ({rule.document.date})", rule, "in_force"))
    return out


def _jointly(a: Rule, b: Rule, can_hold: dict[tuple[str, str], bool]) -> bool:
    return satisfiable(c.AllOf((a.condition, b.condition)), lambda k: can_hold.get((a.subject, k), False))


def _conflicts(data: RulebookData) -> list[Message]:
    can_hold = _can_hold(data)
    out = []
    groups: dict[tuple[str, str], list[Rule]] = {}
    for rule in data.rules:
        if not rule.derived:
            groups.setdefault((rule.subject, rule.effect.key), []).append(rule)
    for rules in groups.values():
        for a, b in itertools.combinations(rules, 2):
            if a.id in b.prevails_over or b.id in a.prevails_over:
                continue
            clash = None
            if a.amount and b.amount and a.amount != b.amount:
                clash = f"the same effect {a.effect.key} with a different amount ({_amount(a)} vs {_amount(b)} in {b.id}, {b.document.number or b.document.key} {b.clause})"
            elif {a.modality, b.modality} == {"obligation", "prohibition"}:
                clash = f"{a.modality} and {b.modality} of the same act {a.effect.key} ({b.id}, {b.document.number or b.document.key} {b.clause})"
            if clash and _jointly(a, b, can_hold):
                out.append(_rule_message(ERROR, "conflict", f"can apply to one subject together with {clash}; say which prevails (prevails_over)", a, "effect"))
    return out


def _amount(rule: Rule) -> str:
    amount = rule.amount
    assert amount is not None
    return f"{amount.value} {amount.unit}{' ' + amount.period if amount.period else ''}"


def _prevails(data: RulebookData) -> list[Message]:
    ids = {rule.id for rule in data.rules}
    return [
        _rule_message(ERROR, "unknown-rule", f"prevails over {show(other)}, which is no rule of this rulebook", rule, "prevails_over")
        for rule in data.rules
        for other in rule.prevails_over
        if other not in ids
    ]
