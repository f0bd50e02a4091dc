"""Casebooks: the law's worked examples, as YAML a lawyer can read, run against a rulebook.

A casebook file holds cases: the facts, an evaluation date, and what must come out —
findings (with amounts, statuses and citations), rules that must not apply (with the
condition that fails), rules that must stay undetermined (with the fact that is
missing), and lines and totals of the benefit summary (one benefit shown once, never added
twice). Anyone writing rules runs their own casebook against their own rulebook
(`policyrules test`); the project's casebook runs through this same code in its tests. The
format is published as `schema/casebook.schema.json` in the bundled rulebook.

Running a case never stops at the first difference: every expectation is checked and each
unmet one is reported, so one run shows everything a rule change broke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from .api import Rulebook
from .decision import Decision, Outcome
from .errors import PolicyRulesError, RuleFileError
from .explain import Status
from .summary import BenefitSummary
from .jsonschemas import validate
from .resources import bundled_rulebook
from .safetext import show
from .sources import normalise
from .yamlio import read_yaml

SCHEMA = "casebook.schema.json"


@attrs.frozen
class CaseEntry:
    name: str
    file: str
    line: int | None
    data: dict[str, Any]  # the entry as written: case, as_of, expect

    @property
    def label(self) -> str:
        return f"{Path(self.file).name}:{self.line} {self.name}"


@attrs.frozen
class CaseResult:
    entry: CaseEntry
    differences: tuple[str, ...]  # one line per unmet expectation; empty when the case passes
    decision: Decision | None  # None when the case could not be evaluated at all

    @property
    def passed(self) -> bool:
        return not self.differences


def casebook_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, directories expanded (sorted, so runs are reproducible)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.exists():
            out.append(path)
        else:
            raise RuleFileError("no such casebook file or directory", file=str(path))
    return out


def load_casebook(paths: Iterable[Path]) -> tuple[CaseEntry, ...]:
    """Read and validate casebook files against the published casebook schema."""
    schema = bundled_rulebook() / "schema" / SCHEMA
    entries = []
    for path in casebook_files(paths):
        located = read_yaml(path)
        validate(located, schema)
        for index, raw in enumerate(located.data["cases"]):
            entries.append(CaseEntry(raw["name"], located.file, located.line(("cases", index)), raw))
    return tuple(entries)


def _mine(item: dict[str, Any], subject_id: str) -> bool:
    return "subject" not in item or str(item["subject"]) == subject_id


def _applies(decision: Decision, item: dict[str, Any]) -> list[str]:
    rule = item["rule"]
    found = [f for f in decision.findings if f.rule_id == rule and _mine(item, f.subject.id)]
    if not found:
        return [f"{rule} should apply{_to(item)}; it did not (findings: {', '.join(sorted({f.rule_id for f in decision.findings})) or 'none'})"]
    finding = found[0]
    out = []
    amount = finding.amount
    for key, actual in (("amount", amount.value if amount else None), ("unit", amount.unit if amount else None), ("period", amount.period if amount else None), ("status", finding.status.value), ("deadline_passed", finding.deadline_passed)):
        if key in item and item[key] != actual:
            out.append(f"{rule}{_to(item)}: {key} should be {show(item[key])}, is {show(actual)}")
    if "next_due" in item:
        actual_due = finding.next_due.isoformat() if finding.next_due else None
        if actual_due != str(item["next_due"]):
            out.append(f"{rule}{_to(item)}: next_due should be {item['next_due']}, is {actual_due}")
    for wanted in item.get("citations", []):
        if not any(
            c.clause == wanted["clause"]
            and c.number == wanted.get("number", c.number)
            and normalise(wanted.get("quote_contains", "")) in normalise(c.quote)
            for c in finding.citations
        ):
            got = "; ".join(f"{c.number} {c.clause}" for c in finding.citations)
            out.append(f"{rule}{_to(item)}: no citation of {wanted['clause']} like {show(wanted.get('quote_contains', ''))} (cited: {got})")
    return out


def _to(item: dict[str, Any]) -> str:
    return f" for {item['subject']}" if "subject" in item else ""


def _not_applying(decision: Decision, item: dict[str, Any], status: Status, detail: str) -> list[str]:
    rule = item["rule"]
    outcomes: list[Outcome] = [o for o in decision.why_not(rule) if _mine(item, o.subject.id)]
    if not outcomes:
        return [f"{rule} was not tried{_to(item)} (no subject of its type in the case)"]
    out = []
    for outcome in outcomes:
        if outcome.status is not status:
            out.append(f"{rule} for {outcome.subject.id} should be {status.value}, is {outcome.status.value}")
            continue
        texts = [leaf.condition for check in outcome.checks for leaf in check.leaves()]
        for fragment in item.get(detail, []):
            if not any(fragment in text for text in texts):
                out.append(f"{rule} for {outcome.subject.id}: no {detail} condition mentions {show(fragment)} ({'; '.join(texts)})")
    return out


def _summary_of(summaries: tuple[BenefitSummary, ...], subject: str) -> BenefitSummary | None:
    return next((s for s in summaries if s.subject.id == subject), None)


def _benefit_line(summaries: tuple[BenefitSummary, ...], item: dict[str, Any]) -> list[str]:
    subject, key = str(item["subject"]), item["key"]
    summary = _summary_of(summaries, subject)
    line = next((b for b in summary.benefits if b.key == key), None) if summary else None
    if item.get("absent"):
        return [] if line is None else [f"benefit {key} for {subject} should not be in the summary; it is, from {', '.join(line.rules)}"]
    if line is None:
        have = ", ".join(b.key for b in summary.benefits) if summary else "none"
        return [f"benefit {key} for {subject} should be in the summary; it is not (benefits: {have})"]
    out = []
    if "rules" in item and set(item["rules"]) != set(line.rules):
        out.append(f"benefit {key} for {subject}: granted by {', '.join(line.rules)}, should be {', '.join(item['rules'])}")
    if "no_amount" in item and item["no_amount"] != line.no_amount:
        out.append(f"benefit {key} for {subject}: no_amount should be {show(item['no_amount'])}, is {show(line.no_amount)}")
    values = line.values
    for bound in ("low", "high"):
        if bound in item:
            actual = [getattr(v, bound) for v in values]
            if actual != [item[bound]]:
                out.append(f"benefit {key} for {subject}: {bound} should be {show(item[bound])}, is {show(actual or None)}")
    if "superseded" in item:
        actual_superseded = {rule for given in line.amounts if given.superseded_by for rule in given.rules}
        if set(item["superseded"]) != actual_superseded:
            out.append(f"benefit {key} for {subject}: superseded should be {show(sorted(item['superseded']))}, is {show(sorted(actual_superseded))}")
    return out


def _total(summaries: tuple[BenefitSummary, ...], item: dict[str, Any]) -> list[str]:
    subject = str(item["subject"])
    summary = _summary_of(summaries, subject)
    totals = summary.totals if summary else ()
    wanted = (item["unit"], item.get("period"), item["low"], item["high"])
    if any((t.unit, t.period, t.low, t.high) == wanted for t in totals):
        return []
    have = "; ".join(f"{t.low}..{t.high} {t.unit} {t.period}" for t in totals) or "none"
    return [f"total for {subject} should be {item['low']}..{item['high']} {item['unit']} {item.get('period')}; totals: {have}"]


def run_case(book: Rulebook, entry: CaseEntry) -> CaseResult:
    """Evaluate one case and compare it with what it expects."""
    expect = entry.data["expect"]
    try:
        decision = book.evaluate(entry.data["case"], as_of=entry.data.get("as_of"))
    except PolicyRulesError as exc:
        return CaseResult(entry, (f"the case cannot be evaluated: {exc}",), None)
    differences: list[str] = []
    for item in expect.get("applies", []):
        differences += _applies(decision, item)
    for item in expect.get("does_not_apply", []):
        differences += _not_applying(decision, item, Status.DOES_NOT_APPLY, "failed")
    for item in expect.get("undetermined", []):
        differences += _not_applying(decision, item, Status.UNDETERMINED, "missing")
    if "benefits" in expect or "totals" in expect:
        summaries = decision.benefits  # computed from the findings on each access: once here
        for item in expect.get("benefits", []):
            differences += _benefit_line(summaries, item)
        for item in expect.get("totals", []):
            differences += _total(summaries, item)
    if expect.get("only"):
        listed = {(i["rule"], str(i["subject"]) if "subject" in i else None) for i in expect.get("applies", [])}
        for finding in decision.findings:
            if (finding.rule_id, finding.subject.id) not in listed and (finding.rule_id, None) not in listed:
                differences.append(f"unexpected finding {finding.rule_id} for {finding.subject.id}")
    return CaseResult(entry, tuple(differences), decision)


@attrs.frozen
class CasebookCoverage:
    """Which rules a casebook shows applying, and which it also shows not applying."""

    applying: frozenset[str]
    not_applying: frozenset[str]
    rules: tuple[str, ...]  # every rule of the rulebook, in order

    @property
    def never_applying(self) -> tuple[str, ...]:
        return tuple(r for r in self.rules if r not in self.applying)

    @property
    def never_negative(self) -> tuple[str, ...]:
        return tuple(r for r in self.rules if r not in self.not_applying)


def casebook_coverage(book: Rulebook, results: Sequence[CaseResult]) -> CasebookCoverage:
    """Rules shown applying (a finding in a passing case) and shown not applying or undetermined."""
    applying: set[str] = set()
    negative: set[str] = set()
    for result in results:
        if not result.passed:
            continue
        expect = result.entry.data["expect"]
        applying.update(item["rule"] for item in expect.get("applies", []))
        negative.update(item["rule"] for key in ("does_not_apply", "undetermined") for item in expect.get(key, []))
    return CasebookCoverage(frozenset(applying), frozenset(negative), tuple(r.id for r in book.rules))
