"""What each person or body of a case receives, and what each owes: one line per benefit and
per duty, money never added twice.

Several rules — of one document or of several — may grant the same benefit to the same
person (a city document and a national one both granting 国家助学金). Findings keep one
entry per rule, so the auditor sees every ground; a caseworker asks instead "what does this
student get in total, and on what grounds". This module answers that from the findings
alone: rules that grant the same benefit share their `effect.key`, so the findings of one
subject are grouped by key into one `Benefit` line carrying every rule and citation, and a
total adds each line once. Where the rules disagree on the amount, every amount is kept
with its sources and the line counts as the range between them, never as their sum — unless
the rulebook says which rule prevails (`prevails_over`, e.g. a later national standard over a
city's figure): the amount of a rule prevailed over by another rule of the same line is kept,
marked `superseded_by`, and no longer counts.

Duties are grouped the same way, for the same reason: a city plan and a national opinion both
forbidding 用人单位 to bar 职业院校毕业生 (one effect key) are one duty of that notice with two
grounds, not two duties; the caseworker would otherwise count two violations where the bearer
did one thing. A `Duty` line keeps each rule's own status and deadline (`DutyGround`), since
the two texts may set different thresholds or dates, and shows the most serious of them.

It depends on the model only (findings are read through the `Grant` protocol), so the
decision module can offer the summary without this module knowing about decisions.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

import attrs

from .model import Amount, Citation, Deadline, Effect, SubjectRef

# The modalities that give the subject something: a right or 待遇, or a preference (优先/倾斜).
BENEFIT_MODALITIES = ("entitlement", "priority")
# The modalities that bind the subject to act or to refrain: one duty line per effect key.
DUTY_MODALITIES = ("obligation", "prohibition")
# A duty line's status is its most serious ground's, in this order: a missed threshold outweighs
# a missing figure, which outweighs a deadline still to come; "applies" (no threshold) is last.
STATUS_ORDER = ("unmet", "unknown", "pending", "approximate", "met", "applies")
# Units whose amounts are never added across benefits: a percentage is a share of its own
# base (学费 for one benefit, 住宿费 for another), so two of them make no sum.
NOT_ADDED_UNITS = frozenset({"percent"})


class Holder(Protocol):
    """A finding's bearer or beneficiary, as far as the summary reads it."""

    @property
    def entity(self) -> str: ...


class Party(Holder, Protocol):
    """A bearer as a duty line names it: the text's words and, when it is in the case, its id."""

    @property
    def label(self) -> str: ...
    @property
    def id(self) -> str | None: ...


class Grant(Protocol):
    """The parts of a finding the summary reads (decision.Finding has them all)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def modality(self) -> str: ...
    @property
    def subject(self) -> SubjectRef: ...
    @property
    def bearer(self) -> Holder: ...
    @property
    def beneficiary(self) -> Holder | None: ...
    @property
    def effect(self) -> Effect: ...
    @property
    def amount(self) -> Amount | None: ...
    @property
    def citations(self) -> tuple[Citation, ...]: ...
    @property
    def prevails_over(self) -> tuple[str, ...]: ...


class Bound(Grant, Protocol):
    """The parts of a finding a duty line reads besides a grant's (decision.Finding has them)."""

    @property
    def bearer(self) -> Party: ...
    @property
    def status(self) -> str: ...
    @property
    def deadline(self) -> Deadline | None: ...
    @property
    def next_due(self) -> _dt.date | None: ...
    @property
    def deadline_passed(self) -> bool | None: ...


@attrs.frozen
class Total:
    """Money (or another addable unit) in one unit and period: low..high, equal when exact.

    For one benefit line the range spans the amounts its rules give; for a subject's total
    it is the sum of its lines' lows and of their highs. `approximate` says a figure in it
    is written with 左右; `benefits` names the effect keys that contribute.
    """

    unit: str
    period: str | None
    low: int | float
    high: int | float
    approximate: bool
    benefits: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "period": self.period,
            "low": self.low,
            "high": self.high,
            "approximate": self.approximate,
            "benefits": list(self.benefits),
        }


@attrs.frozen
class GivenAmount:
    """One amount of a benefit and the rules (with their citations) that give exactly it.

    `superseded_by` names the rules of the same line that prevail over every rule giving this
    amount; a superseded amount is shown with its grounds but not counted.
    """

    amount: Amount
    rules: tuple[str, ...]
    citations: tuple[Citation, ...]
    superseded_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": attrs.asdict(self.amount),
            "rules": list(self.rules),
            "citations": [citation.to_dict() for citation in self.citations],
            "superseded_by": list(self.superseded_by),
        }


@attrs.frozen
class Benefit:
    """One benefit of one subject, however many rules grant it.

    `amounts` holds each distinct amount once with the rules giving it; it is empty when no
    rule gives an amount (`no_amount`): a benefit in kind (free tuition, a priority), or money
    whose amount rules outside the rulebook set (国家助学金 按规定) — the line cannot tell which,
    so it never calls such a line "in kind". `rules` and `citations` are every rule and
    citation granting the benefit, each once, in rulebook order. The label and modality are
    those of the first rule granting it.
    """

    key: str
    label: str
    modality: str
    amounts: tuple[GivenAmount, ...]
    rules: tuple[str, ...]
    citations: tuple[Citation, ...]

    @property
    def no_amount(self) -> bool:
        return not self.amounts

    @property
    def values(self) -> tuple[Total, ...]:
        """What the line is worth per (unit, period): the range between the amounts of its
        rules that no other rule of the line prevails over."""
        groups: dict[tuple[str, str | None], list[Amount]] = {}
        # Rules prevailing over each other in a circle would leave nothing: then count all.
        for given in [g for g in self.amounts if not g.superseded_by] or self.amounts:
            groups.setdefault((given.amount.unit, given.amount.period), []).append(given.amount)
        return tuple(
            Total(
                unit=unit,
                period=period,
                low=min(a.value for a in amounts),
                high=max(a.value for a in amounts),
                approximate=any(a.approximate for a in amounts),
                benefits=(self.key,),
            )
            for (unit, period), amounts in groups.items()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "modality": self.modality,
            "no_amount": self.no_amount,
            "amounts": [given.to_dict() for given in self.amounts],
            "values": [value.to_dict() for value in self.values],
            "rules": list(self.rules),
            "citations": [citation.to_dict() for citation in self.citations],
        }


@attrs.frozen
class BenefitSummary:
    """Everything one subject of the case receives, and its totals.

    `totals` holds one `Total` per (unit, period) over the entitlement lines with amounts
    (priorities are preferences, not sums; percentages are not added): each line counted
    once, by its range, so an amount two rules grant is never added twice.
    """

    subject: SubjectRef
    benefits: tuple[Benefit, ...]

    @property
    def totals(self) -> tuple[Total, ...]:
        sums: dict[tuple[str, str | None], list[Total]] = {}
        for benefit in self.benefits:
            if benefit.modality != "entitlement":
                continue
            for value in benefit.values:
                if value.unit not in NOT_ADDED_UNITS:
                    sums.setdefault((value.unit, value.period), []).append(value)
        return tuple(
            Total(
                unit=unit,
                period=period,
                low=_sum(v.low for v in values),
                high=_sum(v.high for v in values),
                approximate=any(v.approximate for v in values),
                benefits=tuple(key for v in values for key in v.benefits),
            )
            for (unit, period), values in sums.items()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "benefits": [benefit.to_dict() for benefit in self.benefits],
            "totals": [total.to_dict() for total in self.totals],
        }


def receives(grant: Grant) -> bool:
    """Whether the finding gives its own subject something.

    A benefit belongs to the one who receives it: the beneficiary, else the bearer. A rule
    evaluated for someone else (a government's duty to favour schools) is nobody's line.
    """
    party = grant.beneficiary or grant.bearer
    return grant.modality in BENEFIT_MODALITIES and party.entity == grant.subject.type


def summarise(findings: Iterable[Grant]) -> tuple[BenefitSummary, ...]:
    """One summary per subject that receives something, sorted by (type, id).

    Lines and amounts keep the order of the findings (rulebook order), so the first rule
    granting a benefit names it.
    """
    by_subject: dict[SubjectRef, dict[tuple[str, str], list[Grant]]] = {}
    for grant in findings:
        if receives(grant):
            lines = by_subject.setdefault(grant.subject, {})
            lines.setdefault((grant.effect.key, grant.modality), []).append(grant)
    return tuple(
        BenefitSummary(subject, tuple(_benefit(grants) for grants in by_subject[subject].values()))
        for subject in sorted(by_subject, key=lambda s: (s.type, s.id))
    )


def _benefit(grants: list[Grant]) -> Benefit:
    by_amount: dict[Amount, list[Grant]] = {}
    for grant in grants:
        if grant.amount is not None:
            by_amount.setdefault(grant.amount, []).append(grant)
    first = grants[0]
    return Benefit(
        key=first.effect.key,
        label=first.effect.label,
        modality=first.modality,
        amounts=tuple(
            GivenAmount(amount, _rules(given), _citations(given), _superseded_by(given, grants))
            for amount, given in by_amount.items()
        ),
        rules=_rules(grants),
        citations=_citations(grants),
    )


def _superseded_by(given: list[Grant], line: list[Grant]) -> tuple[str, ...]:
    """The rules of the line, giving another amount, that prevail over every rule giving
    this one; empty when any of this amount's rules stands unopposed."""
    own = set(_rules(given))
    prevailing = [g for g in line if g.amount is not None and g.rule_id not in own and own & set(g.prevails_over)]
    if not prevailing or not all(any(rule in g.prevails_over for g in prevailing) for rule in own):
        return ()
    return _rules(prevailing)


def _rules(grants: list[Grant]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(grant.rule_id for grant in grants))


def _citations(grants: list[Grant]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(citation for grant in grants for citation in grant.citations))


def _sum(values: Iterable[int | float]) -> int | float:
    """Added in decimal, so 0.1 + 0.2 is 0.3; whole results stay integers."""
    total = sum((Decimal(str(v)) for v in values), Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)


@attrs.frozen
class DutyGround:
    """One rule imposing a duty line, with its own status and deadline: two texts imposing one
    duty may set different figures or dates, so the line keeps each."""

    rule_id: str
    status: str
    deadline: str | None  # the text's words (到2020年底)
    next_due: _dt.date | None
    deadline_passed: bool | None
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "status": self.status,
            "deadline": self.deadline,
            "next_due": None if self.next_due is None else self.next_due.isoformat(),
            "deadline_passed": self.deadline_passed,
            "citations": [citation.to_dict() for citation in self.citations],
        }


@attrs.frozen
class Duty:
    """One duty (obligation or prohibition) of one bearer about one subject, however many rules
    impose it: the caseworker sees it once, with every ground.

    `status` is the most serious of its grounds' (STATUS_ORDER); `deadline_passed` is true when
    any ground's deadline has passed. The label and bearer's words are the first rule's.
    """

    subject: SubjectRef
    bearer_entity: str
    bearer_label: str
    bearer_id: str | None
    beneficiary: str | None  # the entity type the duty is owed to, where the text names one
    modality: str
    key: str
    label: str
    grounds: tuple[DutyGround, ...]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(ground.rule_id for ground in self.grounds)

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(dict.fromkeys(citation for ground in self.grounds for citation in ground.citations))

    @property
    def status(self) -> str:
        return min((ground.status for ground in self.grounds), key=_severity)

    @property
    def deadline_passed(self) -> bool | None:
        seen = [ground.deadline_passed for ground in self.grounds if ground.deadline_passed is not None]
        return any(seen) if seen else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "bearer": {"entity": self.bearer_entity, "label": self.bearer_label, "id": self.bearer_id},
            "beneficiary": self.beneficiary,
            "modality": self.modality,
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "deadline_passed": self.deadline_passed,
            "rules": list(self.rules),
            "grounds": [ground.to_dict() for ground in self.grounds],
            "citations": [citation.to_dict() for citation in self.citations],
        }


def group_duties(findings: Iterable[Bound]) -> tuple[Duty, ...]:
    """One line per (subject, bearer, modality, effect key) over the obligations and prohibitions,
    in the order of each line's first finding (rulebook order, then subject).

    The bearer's words are not part of the key: 用人单位 and 各类用人单位 in two texts are one
    bearer when they are the same entity of the case.
    """
    lines: dict[tuple[SubjectRef, str, str | None, str, str], list[Bound]] = {}
    for finding in findings:
        if finding.modality in DUTY_MODALITIES:
            key = (finding.subject, finding.bearer.entity, finding.bearer.id, finding.modality, finding.effect.key)
            lines.setdefault(key, []).append(finding)
    return tuple(_duty(found) for found in lines.values())


def _duty(found: list[Bound]) -> Duty:
    first = found[0]
    return Duty(
        subject=first.subject,
        bearer_entity=first.bearer.entity,
        bearer_label=first.bearer.label,
        bearer_id=first.bearer.id,
        beneficiary=None if first.beneficiary is None else first.beneficiary.entity,
        modality=first.modality,
        key=first.effect.key,
        label=first.effect.label,
        grounds=tuple(
            DutyGround(
                rule_id=f.rule_id,
                status=str(f.status),
                deadline=None if f.deadline is None else f.deadline.text,
                next_due=f.next_due,
                deadline_passed=f.deadline_passed,
                citations=f.citations,
            )
            for f in found
        ),
    )


def _severity(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
