"""What an evaluation returns: findings with citations, and an outcome for every rule.

These are the types other services import, so they are frozen, typed, and serialise to
JSON with stable field names (and back, losslessly: to_dict/from_dict round-trip). The JSON
is a record (format 4, see record.py): it names the rulebook and document versions and
holds the normalised facts, so `policyrules replay` can decide the case again. Its shape is
published as rules/schema/decision.schema.json.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .explain import Check, Status
from .explanation.model import Explanation
from .model import Amount, Citation, Deadline, Effect, Range, SubjectRef
from .record import FORMAT, DocumentVersion, canonical_json, digest
from .summary import BenefitSummary, Duty, group_duties, summarise


@attrs.frozen
class Bearer:
    """Who holds the right or duty: the text's words, and the case entity when it is the subject."""

    entity: str
    label: str
    id: str | None = None


def _settled(value_of: Any, name: str) -> Any:
    """A lazy field's value: a field that may hold the function that makes its value (a
    frozen value's costly part, made when first read) holds the value from then on.

    The function is always the one evaluate gave, deterministic, so the value is the same
    whenever it is made; `attrs.evolve(x, field=value)` replaces function and value alike.
    """
    value = getattr(value_of, name)
    if callable(value):
        value = value()
        object.__setattr__(value_of, name, value)
    return value


def _date(value: _dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _undate(value: str | None) -> _dt.date | None:
    return _dt.date.fromisoformat(value) if value else None


def _opt(value: Any, fn: Any) -> Any:
    return None if value is None else fn(value)


class FindingStatus(enum.StrEnum):
    """Where a finding stands. A StrEnum, so its JSON value and its comparisons with the
    plain strings ("unmet") are what they were when the status was a string.

    Most rules simply apply. A rule with thresholds (年生均财政拨款水平不低于12000元) says in
    addition whether the case's figures meet them; see api._compliance for pending and
    approximate.
    """

    APPLIES = "applies"  # the rule applies; it has no threshold to meet
    MET = "met"  # every threshold is met
    UNMET = "unmet"  # a threshold is missed and nothing excuses it (deadline passed, year over)
    UNKNOWN = "unknown"  # a figure is missing, or whether the deadline has passed cannot be told
    PENDING = "pending"  # missed, but the deadline (or the year) has not passed yet
    APPROXIMATE = "approximate"  # a figure written with 左右 is missed: reported, not judged


@attrs.frozen
class Finding:
    """A rule that applies to one entity of the case, with what it concludes and why."""

    rule_id: str
    modality: str
    title: str
    subject: SubjectRef
    bearer: Bearer
    beneficiary: Bearer | None
    effect: Effect
    amount: Amount | None
    range: Range | None
    deadline: Deadline | None
    next_due: _dt.date | None
    deadline_passed: bool | None
    status: FindingStatus
    compliance: tuple[Check, ...]
    responsible: tuple[str, ...]
    citations: tuple[Citation, ...]
    note: str | None = None
    # Rules this one prevails over where both apply (the rule's `prevails_over`): the benefit
    # summary counts this rule's amount, not theirs, when both grant the same benefit.
    prevails_over: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        deadline = self.deadline
        return {
            "rule_id": self.rule_id,
            "modality": self.modality,
            "title": self.title,
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "bearer": attrs.asdict(self.bearer),
            "beneficiary": _opt(self.beneficiary, attrs.asdict),
            "effect": attrs.asdict(self.effect),
            "amount": _opt(self.amount, attrs.asdict),
            "range": _opt(self.range, attrs.asdict),
            "deadline": None
            if deadline is None
            else {
                "text": deadline.text,
                "date": _date(deadline.date),
                "recurring": None if deadline.recurring is None else {"month": deadline.recurring[0], "day": deadline.recurring[1]},
                "window": None if deadline.window is None else {"from": _date(deadline.window[0]), "to": _date(deadline.window[1])},
            },
            "next_due": _date(self.next_due),
            "deadline_passed": self.deadline_passed,
            "status": self.status.value,
            "compliance": [check.to_dict() for check in self.compliance],
            "responsible": list(self.responsible),
            "citations": [citation.to_dict() for citation in self.citations],
            "note": self.note,
            "prevails_over": list(self.prevails_over),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Finding":
        deadline = data["deadline"]
        return cls(
            rule_id=data["rule_id"],
            modality=data["modality"],
            title=data["title"],
            subject=SubjectRef(**data["subject"]),
            bearer=Bearer(**data["bearer"]),
            beneficiary=_opt(data["beneficiary"], lambda b: Bearer(**b)),
            effect=Effect(**data["effect"]),
            amount=_opt(data["amount"], lambda a: Amount(**a)),
            range=_opt(data["range"], lambda r: Range(**r)),
            deadline=None
            if deadline is None
            else Deadline(
                text=deadline["text"],
                date=_undate(deadline["date"]),
                recurring=None if deadline["recurring"] is None else (deadline["recurring"]["month"], deadline["recurring"]["day"]),
                window=None if deadline.get("window") is None else (_undate(deadline["window"]["from"]), _undate(deadline["window"]["to"])),
            ),
            next_due=_undate(data["next_due"]),
            deadline_passed=data["deadline_passed"],
            status=FindingStatus(data["status"]),
            compliance=tuple(Check.from_dict(c) for c in data["compliance"]),
            responsible=tuple(data["responsible"]),
            citations=tuple(Citation.from_dict(c) for c in data["citations"]),
            note=data["note"],
            prevails_over=tuple(data.get("prevails_over", ())),
        )


@attrs.frozen(eq=False)
class Outcome:
    """One rule for one entity: applies / does not apply / undetermined, and the deciding checks.

    For `does_not_apply` the checks are every failed condition; for `undetermined`, every
    condition whose fact is missing; for `applies`, every condition that held.
    """

    rule_id: str
    subject: SubjectRef
    status: Status
    # The checks, or what builds them on first access (evaluate gives a builder: most callers
    # read only statuses and findings). Built from the same fact, they are the same value.
    _checks: tuple[Check, ...] | Callable[[], tuple[Check, ...]] = attrs.field(default=(), alias="checks", repr=False)

    @property
    def checks(self) -> tuple[Check, ...]:
        return _settled(self, "_checks")  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.rule_id, self.subject, self.status, self.checks) == (other.rule_id, other.subject, other.status, other.checks)  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self.rule_id, self.subject, self.status, self.checks))

    def __getstate__(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "subject": self.subject, "status": self.status, "_checks": self.checks}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "status": self.status.value,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Outcome":
        return cls(
            rule_id=data["rule_id"],
            subject=SubjectRef(**data["subject"]),
            status=Status(data["status"]),
            checks=tuple(Check.from_dict(c) for c in data["checks"]),
        )


@attrs.frozen(eq=False)
class Decision:
    """The result of evaluating one case against one rulebook on one date."""

    case: str | None
    as_of: _dt.date
    rulebook: str  # digest of the rulebook the decision was made with
    findings: tuple[Finding, ...]
    # Every rule's outcome for every subject (sorted by rule, then subject), or what makes
    # them on first access: a case has hundreds and most callers read only the findings.
    _outcomes: tuple[Outcome, ...] | Callable[[], tuple[Outcome, ...]] = attrs.field(alias="outcomes", repr=False)
    documents: tuple[DocumentVersion, ...] = ()  # the rulebook's documents, each with its text's digest
    # The normalised input facts (case.normalised) as canonical JSON, or what writes them on
    # first access: kept as text so the decision stays immutable and the digest is taken of
    # exactly what is written. None in a record of format 1, which cannot be replayed.
    _canonical_facts: str | None | Callable[[], str] = attrs.field(default=None, alias="canonical_facts", repr=False)
    # How, why not, what is missing and why nothing (explanation/), or what builds it on first
    # access from the checks the evaluation kept: built by every evaluate with explain=True,
    # None otherwise and in records of format 1 and 2. Counterfactuals are not part of it:
    # they re-evaluate, so they are computed on request (Rulebook.counterfactual).
    _explanation: Explanation | None | Callable[[], Explanation] = attrs.field(default=None, alias="explanation", repr=False)

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Every rule's outcome (applies / does not apply / undetermined) for every subject it was tried on."""
        return _settled(self, "_outcomes")  # type: ignore[no-any-return]

    @property
    def canonical_facts(self) -> str | None:
        """The normalised input facts as canonical JSON (None in a record of format 1)."""
        return _settled(self, "_canonical_facts")  # type: ignore[no-any-return]

    @property
    def explanation(self) -> Explanation | None:
        """How, why not, what is missing and why nothing (None when evaluated with explain=False)."""
        return _settled(self, "_explanation")  # type: ignore[no-any-return]

    def _key(self) -> tuple[Any, ...]:
        return (
            self.case, self.as_of, self.rulebook, self.findings, self.outcomes, self.documents, self.canonical_facts, self.explanation,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._key())

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its lazy parts made (the functions that make them are not part of the value)."""
        return {a.name: _settled(self, a.name) for a in attrs.fields(Decision)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @property
    def facts(self) -> dict[str, Any] | None:
        """The case's facts as decided on: entities by type, canonical values (a fresh copy)."""
        return None if self.canonical_facts is None else json.loads(self.canonical_facts)

    @property
    def facts_digest(self) -> str | None:
        """sha256 of the canonical facts: two records with the same digest decided the same facts."""
        return None if self.canonical_facts is None else digest(self.canonical_facts)

    def outcomes_with(self, status: Status) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status is status)

    @property
    def undetermined(self) -> tuple[Outcome, ...]:
        return self.outcomes_with(Status.UNDETERMINED)

    def why_not(self, rule_id: str) -> tuple[Outcome, ...]:
        """The outcomes of one rule for every entity it was tried on."""
        return tuple(o for o in self.outcomes if o.rule_id == rule_id)

    @property
    def benefits(self) -> tuple[BenefitSummary, ...]:
        """What each subject receives: one line per benefit (effect key) with every rule and
        citation granting it, and totals that count each benefit once (see summary.py).

        Computed from the findings on each access, so it can never disagree with them.
        """
        return summarise(self.findings)

    @property
    def duties(self) -> tuple[Duty, ...]:
        """Each obligation and prohibition once per subject and bearer: rules of several texts
        imposing one duty (same effect key) make one line with every ground (see summary.py).

        Computed from the findings on each access, like `benefits`; findings keep one entry per rule.
        """
        return group_duties(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "case": self.case,
            "as_of": self.as_of.isoformat(),
            "rulebook": self.rulebook,
            "documents": [document.to_dict() for document in self.documents],
            "facts_sha256": self.facts_digest,
            "facts": self.facts,
            "findings": [f.to_dict() for f in self.findings],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "benefits": [summary.to_dict() for summary in self.benefits],
            "duties": [duty.to_dict() for duty in self.duties],
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Decision":
        """The decision back from to_dict(); `benefits` and `duties` are derived from the findings again.

        Reads formats 1 (no documents, no facts), 2 (no explanation) and 3 (no duties) too. Whether `facts_sha256` still matches the
        facts is for the reader to ask (replay does): this only reads.
        """
        facts = data.get("facts")
        return cls(
            case=data["case"],
            as_of=_dt.date.fromisoformat(data["as_of"]),
            rulebook=data["rulebook"],
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            outcomes=tuple(Outcome.from_dict(o) for o in data["outcomes"]),
            documents=tuple(DocumentVersion.from_dict(d) for d in data.get("documents", ())),
            canonical_facts=None if facts is None else canonical_json(facts),
            explanation=_opt(data.get("explanation"), Explanation.from_dict),
        )
