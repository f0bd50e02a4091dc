"""The official texts the rulebook cites, and the check that a quote is really in them.

Page-break artefacts split words across lines in the source files ("教\n\n师队伍"), so a
quote matches once all white space is removed from both sides; nothing else is forgiven.
Commentary and page furniture that a registry entry marks as not part of the document
are cut away first, so they can never be cited.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from .model import Document


def normalise(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


@attrs.frozen
class SourceText:
    document: Document
    raw: str
    citable: str  # normalised, restricted to the official text

    def contains(self, quote: str) -> bool:
        needle = normalise(quote)
        return bool(needle) and needle in self.citable


def load_source(document: Document, root: Path, section: dict[str, str] | None, exclude: list[str]) -> SourceText:
    """Read a source text; raises OSError/UnicodeDecodeError/ValueError for the caller to locate."""
    raw = (root / document.source).read_text(encoding="utf-8")
    citable = normalise(raw)
    if section:
        start = citable.find(normalise(section["start"]))
        end = citable.find(normalise(section["end"]), start + 1)
        if start < 0 or end < 0:
            raise ValueError(f"citable_section markers not found in {document.source}")
        citable = citable[start:end]
    for passage in exclude:
        needle = normalise(passage)
        if needle not in citable:
            raise ValueError(f"excluded passage not found in {document.source}: {passage!r}")
        citable = citable.replace(needle, "\u0000")
    return SourceText(document=document, raw=raw, citable=citable)
