"""The validated rulebook as frozen values: documents, rules and what they conclude.

These are the types passed from the loader to the compiler and the explainer. They hold
no YAML and no engine state, so a rule can be inspected, compared and serialised on its
own, and the same rule object is what a finding points back to.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from .conditions import Compare, Node, Window

@attrs.frozen
class Document:
    key: str
    title: str
    number: str | None
    issuers: tuple[str, ...]
    date: str  # YYYY-MM-DD, YYYY-MM, YYYY or "unknown", as precise as the text
    level: str  # national / province / city
    binds: tuple[tuple[str, str], ...]  # (("province", "河南省"), ("city", "安阳市")) or ()
    source: str  # path of the source text inside the rulebook
    complete: bool = False  # every sentence is declared encoded or classified (lint: unaccounted is an error)


@attrs.frozen
class Citation:
    """The clause of a document that grants or imposes a finding, with its exact words."""

    document: str
    number: str | None
    title: str
    clause: str
    quote: str
    issuers: tuple[str, ...]
    date: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "number": self.number,
            "title": self.title,
            "clause": self.clause,
            "quote": self.quote,
            "issuers": list(self.issuers),
            "date": self.date,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Citation":
        return cls(
            document=data["document"],
            number=data["number"],
            title=data["title"],
            clause=data["clause"],
            quote=data["quote"],
            issuers=tuple(data["issuers"]),
            date=data["date"],
        )


@attrs.frozen(cache_hash=True)  # a key of many dicts while a decision is explained
class SubjectRef:
    """A case entity a finding or outcome is about: its type and id."""

    type: str
    id: str


@attrs.frozen
class Party:
    entity: str
    label: str


@attrs.frozen
class Effect:
    key: str
    label: str


@attrs.frozen
class Amount:
    value: float | int
    unit: str
    period: str | None = None
    approximate: bool = False


@attrs.frozen
class Range:
    min: float | int
    max: float | int
    unit: str
    of: str | None = None


@attrs.frozen
class Deadline:
    """A one-off date (possibly unknown) or a yearly recurring day, with the text's words."""

    text: str
    date: _dt.date | None = None
    recurring: tuple[int, int | str] | None = None  # (month, day or "last")
    window: tuple[_dt.date, _dt.date] | None = None  # a term or month: (surely not before, surely by)

    def passed(self, as_of: _dt.date) -> bool | None:
        """Whether the deadline has passed on as_of; None where that cannot be told.

        The day itself is still in time (每年4月底前: 30 April is the last day allowed). For a
        yearly recurring day it is the as_of year's day that is meant (the duty comes round
        again; `next_due` names the next). A term deadline (2018年秋季学期开学前) has no day but
        does pass: after its window it surely has, before the window it surely has not,
        within it nobody can say.
        """
        if self.recurring is not None:
            return as_of > self.due_in(as_of.year)
        if self.date is not None:
            return as_of > self.date
        if self.window is not None:
            earliest, latest = self.window
            if as_of > latest:
                return True
            if as_of < earliest:
                return False
        return None

    def due_in(self, year: int) -> _dt.date:
        """The day a 每年 duty of `year` falls due: its recurring day (每年4月底前 → 30 April,
        the last day allowed), else 31 December, the day the year's figure is final."""
        if self.recurring is None:
            return _dt.date(year, 12, 31)
        return _recurring_day(year, *self.recurring)

    def next_due(self, as_of: _dt.date) -> _dt.date | None:
        """The deadline that is next on or after as_of (one-off: its date, if known)."""
        if self.recurring is None:
            return self.date
        month, day = self.recurring
        for year in (as_of.year, as_of.year + 1):
            due = _recurring_day(year, month, day)
            if due >= as_of:
                return due
        raise AssertionError("a yearly day always recurs within two years")


def _recurring_day(year: int, month: int, day: int | str) -> _dt.date:
    if day == "last":
        first_next = _dt.date(year + (month == 12), month % 12 + 1, 1)
        return first_next - _dt.timedelta(days=1)
    assert isinstance(day, int)
    while True:  # clamp 31 to the month's length
        try:
            return _dt.date(year, month, day)
        except ValueError:
            day -= 1


@attrs.frozen
class Rule:
    """One rule of one clause, fully resolved against the documents and the fact schema."""

    id: str
    index: int  # position in the rulebook: the order findings are reported in
    document: Document
    clause: str
    title: str
    modality: str
    subject: str
    bearer: Party
    beneficiary: Party | None
    responsible: tuple[str, ...]
    effect: Effect  # for derived rules: the derived fact
    condition: Node  # when + jurisdiction + in-force, one tree
    thresholds: tuple[Compare, ...]
    amount: Amount | None
    range: Range | None
    deadline: Deadline | None
    in_force: Window
    citations: tuple[Citation, ...]
    note: str | None
    file: str  # as read, for errors and lint messages a reader can open
    line: int | None
    prevails_over: tuple[str, ...] = ()  # rules this one prevails over where both apply
    approximate: tuple[bool, ...] = ()  # per threshold: the text writes its figure with 左右
    # The rule file's path inside the rulebook (clauses/…/06-1.yaml): what decisions name, so a
    # decision does not depend on where the rulebook is installed.
    rulebook_file: str | None = None

    @property
    def derived(self) -> bool:
        return self.modality == "derived"
