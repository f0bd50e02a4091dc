"""The official texts the rulebook cites, and the check that a quote is really in them.

Page-break artefacts split words across lines in the source files ("教\n\n师队伍"), so a
quote matches once all white space is removed from both sides; nothing else is forgiven.
Commentary and page furniture that a registry entry marks as not part of the document
are cut away first, so they can never be cited. Where they lie is kept as spans of the raw
text, so the clause tree is cut from exactly the text a quote may come from.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from .model import Document
from .safetext import show


def normalise(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


@attrs.frozen
class SourceText:
    document: Document
    raw: str
    citable: str  # normalised, restricted to the official text
    section: tuple[int, int]  # the official text's span in `raw`
    excluded: tuple[tuple[int, int], ...]  # spans of `raw` inside it that are not the document

    def contains(self, quote: str) -> bool:
        needle = normalise(quote)
        return bool(needle) and needle in self.citable


def _find(raw: str, passage: str, start: int = 0) -> tuple[int, int] | None:
    """The span of `passage` in `raw` at or after `start`, white space ignored on both sides."""
    needle = normalise(passage)
    positions = [i for i in range(start, len(raw)) if not raw[i].isspace()]
    flat = "".join(raw[i] for i in positions)
    at = flat.find(needle)
    if not needle or at < 0:
        return None
    return positions[at], positions[at + len(needle) - 1] + 1


def load_source(document: Document, root: Path, section: dict[str, str] | None, exclude: list[str]) -> SourceText:
    """Read a source text; raises OSError/UnicodeDecodeError/ValueError for the caller to locate."""
    raw = (root / document.source).read_text(encoding="utf-8")
    lo, hi = 0, len(raw)
    if section:
        first = _find(raw, section["start"])
        last = _find(raw, section["end"], first[1]) if first else None
        if first is None or last is None:
            raise ValueError(f"citable_section markers not found in {document.source}")
        lo, hi = first[0], last[0]
    spans = []
    for passage in exclude:
        span = _find(raw, passage, lo)
        if span is None or span[1] > hi:
            raise ValueError(f"excluded passage not found in {document.source}: {show(passage)}")
        spans.append(span)
    pieces, at = [], lo
    for a, b in sorted(spans):
        pieces.append(normalise(raw[at:a]))
        at = b
    pieces.append(normalise(raw[at:hi]))
    return SourceText(document=document, raw=raw, citable="\u0000".join(pieces), section=(lo, hi), excluded=tuple(sorted(spans)))
