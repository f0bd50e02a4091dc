"""Replaying a decision record: the same facts, the same day, today's rulebook — same answer?

A record (Decision.to_dict, format 2) holds the normalised facts and the date it was decided
on, so anyone can decide the case again and compare. The comparison is by rule and subject:
a finding gained, lost or changed (status, amount, deadline, citations …), and an outcome
whose status moved (does not apply ↔ undetermined). Explanations are not compared — a rule
file edited above a rule moves its line numbers without changing what it decides.

Separately from the verdict, the replay says whether the rulebook (its digest) and each
document (its 文号, date and text digest) are the ones the record names: an identical answer
from another rulebook is still worth knowing about.

A record that cannot be read, is of another format, or whose facts do not match their digest
is bad input (RecordError, one located line), never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .api import Rulebook
from .decision import Decision, Finding, Outcome
from .errors import FactError, RecordError
from .jsonschemas import validate
from .resources import bundled_rulebook
from .record import REPLAYABLE, DocumentVersion, canonical_json
from .yamlio import Located, read_bounded

MAX_RECORD_BYTES = 64 * 1024 * 1024  # a record with explanations is far larger than its case
SCHEMA = "decision.schema.json"
GAINED, LOST, CHANGED, OUTCOME = "gained", "lost", "changed", "outcome"


@attrs.frozen
class Change:
    """One way the replayed decision differs from the record, for one rule and one subject."""

    kind: str  # gained / lost / changed (a finding) or outcome (a status other than applies moved)
    rule_id: str
    subject: str  # "student s1"
    detail: str

    def line(self) -> str:
        return f"{self.kind:<8} {self.rule_id} for {self.subject}: {self.detail}"


@attrs.frozen
class Replay:
    """The recorded decision, the one made again, and how they and their law differ."""

    recorded: Decision
    replayed: Decision
    changes: tuple[Change, ...]
    versions: tuple[str, ...]  # each way the rulebook or a document is not the one recorded

    @property
    def identical(self) -> bool:
        return not self.changes


def read_record(path: Path, schema_dir: Path | None = None) -> Decision:
    """A record file as a Decision, checked against decision.schema.json and its own digest."""
    name = str(path)
    try:
        data = json.loads(read_bounded(path, MAX_RECORD_BYTES).decode("utf-8"), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc.msg}", file=name, line=exc.lineno) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RecordError(f"not a readable JSON record: {type(exc).__name__}", file=name) from None
    return parse_record(data, name, schema_dir)


def parse_record(data: Any, name: str, schema_dir: Path | None = None) -> Decision:
    """A record already parsed from JSON; `name` says where it came from in errors.

    The record format belongs to the library, not to a rulebook, so it is checked against the
    bundled schema folder unless told otherwise.
    """
    schema_dir = schema_dir or bundled_rulebook() / "schema"
    if not isinstance(data, dict):
        raise RecordError("a decision record is a JSON object", file=name)
    if data.get("format") not in REPLAYABLE:
        written = data.get("format", 1)
        raise RecordError(
            f"record format {canonical_json(written)[:20]} cannot be replayed: this policyrules replays formats {', '.join(map(str, REPLAYABLE[:-1]))} and {REPLAYABLE[-1]} "
            "(format 1 holds no facts; evaluate the case again with --format json)",
            file=name,
            field="format",
        )
    validate(Located(data, name, {}), schema_dir / SCHEMA, RecordError)
    try:
        recorded = Decision.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:  # the schema lets through what it cannot express
        raise RecordError(f"not a decision record: {type(exc).__name__}: {exc}", file=name) from None
    if recorded.facts_digest != data["facts_sha256"]:
        raise RecordError("the facts do not match facts_sha256: the record was changed after it was written", file=name, field="facts")
    return recorded


def replay(recorded: Decision, book: Rulebook, name: str | None = None) -> Replay:
    """Decide the recorded facts again on the recorded day and compare."""
    facts = recorded.facts
    if facts is None:
        raise RecordError("the record holds no facts to replay", file=name, field="facts")
    case: dict[str, Any] = dict(facts)
    if recorded.case is not None:
        case["case"] = recorded.case
    try:
        again = book.evaluate(case, as_of=recorded.as_of)
    except FactError as exc:  # the fact schema changed since: say where in the record
        field = f"facts.{exc.field}" if exc.field else "facts"
        raise RecordError(f"the recorded facts no longer fit the fact schema: {exc.reason}", file=name, field=field) from None
    return Replay(recorded, again, tuple(compare(recorded, again)), tuple(version_notes(recorded, book)))


def version_notes(recorded: Decision, book: Rulebook) -> Iterable[str]:
    """Plain sentences for every way the rulebook is not the one the record names."""
    if recorded.rulebook != book.digest:
        yield f"rulebook differs: recorded {recorded.rulebook[:12]}, replayed with {book.digest[:12]}"
    now = {version.key: version for version in book.versions}
    then = {version.key: version for version in recorded.documents}
    for key, old in then.items():
        new = now.get(key)
        if new is None:
            yield f"document {key} ({_name(old)}) is not in this rulebook"
        elif new != old:
            what = [field for field in ("number", "date", "source", "sha256") if getattr(old, field) != getattr(new, field)]
            words = {"sha256": "text", "number": "文号"}
            yield f"document {key} ({_name(old)}) differs: {', '.join(words.get(w, w) for w in what)} not as recorded"
    for key, new in now.items():
        if key not in then:
            yield f"document {key} ({_name(new)}) was not in the recorded rulebook"


def _name(version: DocumentVersion) -> str:
    return f"{version.number or 'no 文号'}, {version.date}"


def compare(recorded: Decision, replayed: Decision) -> Iterable[Change]:
    """Findings gained, lost or changed, then outcome statuses that moved, in rule order of the replay."""
    before = {_key(f): f for f in recorded.findings}
    after = {_key(f): f for f in replayed.findings}
    for key, finding in after.items():
        if key not in before:
            yield Change(GAINED, key[0], key[1], f"{finding.title} [{finding.status.value}]")
        else:
            detail = _finding_changes(before[key], finding)
            if detail:
                yield Change(CHANGED, key[0], key[1], detail)
    for key, finding in before.items():
        if key not in after:
            yield Change(LOST, key[0], key[1], f"{finding.title} [{finding.status.value}]")
    was = {_key(o): o.status.value for o in recorded.outcomes}
    now = {_key(o): o.status.value for o in replayed.outcomes}
    for key in [*now, *(k for k in was if k not in now)]:
        old, new = was.get(key, "not decided"), now.get(key, "not decided")
        if old != new and "applies" not in (old, new):  # a move to or from applies is a finding gained or lost
            yield Change(OUTCOME, key[0], key[1], f"{old} → {new}")


def _key(item: Finding | Outcome) -> tuple[str, str]:
    return item.rule_id, f"{item.subject.type} {item.subject.id}"


def _finding_changes(old: Finding, new: Finding) -> str:
    """`field old → new` for each field that differs (amount.value 2000 → 3000); a list that
    differs (citations, compliance) is named only. Compliance is compared by what was
    compared, not by where the rule file says it."""
    return "; ".join(_differences(_comparable(old), _comparable(new), ""))


def _differences(a: Any, b: Any, at: str) -> Iterable[str]:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for key in a:
            yield from _differences(a[key], b[key], f"{at}.{key}" if at else key)
    elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        yield f"{at} differs"
    else:
        yield f"{at} {_shown(a)} → {_shown(b)}"


def _comparable(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["compliance"] = [[leaf.condition, leaf.actual, leaf.result.value] for check in finding.compliance for leaf in check.leaves()]
    return data


def _shown(value: Any) -> str:
    return "null" if value is None else str(value)[:80]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def as_dict(report: Replay) -> Mapping[str, Any]:
    """The replay as JSON: the verdict, the version notes and every change."""
    return {
        "result": "identical" if report.identical else "differs",
        "as_of": report.recorded.as_of.isoformat(),
        "rulebook": {"recorded": report.recorded.rulebook, "replayed": report.replayed.rulebook},
        "facts_sha256": report.recorded.facts_digest,
        "versions": list(report.versions),
        "changes": [attrs.asdict(change) for change in report.changes],
    }
