"""What makes a decision a record: which law it was decided under, and on which facts.

A decision is evidence only if someone else can make it again. So its JSON names the
rulebook by digest and every document by version (文号, date and a digest of the bundled
official text), and carries the case's facts as policyrules understood them — normalised
(entities sorted, canonical values, unknown fields left out) and hashed — so `policyrules
replay` can evaluate the same facts on the same day and say whether the answer still holds.

Nothing here depends on where the rulebook is installed: paths are relative to the rulebook,
and the facts are written as canonical JSON (sorted keys, no spaces), the form their digest
is taken of.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from .loader import RulebookData

FORMAT = 4
"""The record format `Decision.to_dict` writes. 1 (no `format` key) held findings, outcomes
and the rulebook digest only; 2 adds the document versions and the normalised facts, so a
record can be replayed; 3 adds the explanation (how, why not, what is missing, why nothing)
and each check's fact path and expected value; 4 adds `duties`, each obligation and prohibition
once per subject and bearer with every rule imposing it (derived from the findings, so a format
3 record replays to the same answer)."""

REPLAYABLE = (2, 3, 4)
"""Formats that hold facts, so `policyrules replay` can decide them again."""


@attrs.frozen
class DocumentVersion:
    """One document of the rulebook as it was when a decision was made."""

    key: str
    number: str | None  # 文号
    date: str  # as precise as the text: YYYY-MM-DD, YYYY-MM, YYYY or "unknown"
    source: str  # the official text's path inside the rulebook
    sha256: str  # of the official text as bundled (UTF-8)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DocumentVersion":
        return cls(data["key"], data["number"], data["date"], data["source"], data["sha256"])


def document_versions(data: RulebookData) -> tuple[DocumentVersion, ...]:
    """Every document of a loaded rulebook, in registry order, with its text's digest."""
    return tuple(
        DocumentVersion(
            key=document.key,
            number=document.number,
            date=document.date,
            source=document.source,
            sha256=hashlib.sha256(data.sources[document.key].raw.encode("utf-8")).hexdigest(),
        )
        for document in data.documents
    )


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, non-ASCII kept. Its digest names the value."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
