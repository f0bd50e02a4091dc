"""Typed errors. Every error a caller can cause names where it came from.

A caseworker or rule author should be able to fix their input from the message alone, so
each error carries the file, the line (when the input had lines) and the field, and offers
the nearest valid name when the mistake looks like a typo. Every message is one line of
bounded length with control characters escaped, whatever the input held.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .safetext import one_line, show


def suggest(name: object, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' hint, or '' when nothing is close (or the name is no name)."""
    if not isinstance(name, str) or len(name) > 200:  # difflib is quadratic in the length
        return ""
    close = difflib.get_close_matches(str(name), sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {show(close[0])}?)" if close else ""


class PolicyRulesError(Exception):
    """Base of every error policyrules raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class LocatedError(PolicyRulesError):
    """An error in an input file or document, located as precisely as the input allows."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = one_line(field, limit=200) if field else field
        self.reason = one_line(message)
        super().__init__(self._render())

    def _render(self) -> str:
        where = one_line(self.file, limit=300) if self.file else "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.reason}"


class YamlError(LocatedError):
    """The file is not acceptable YAML (syntax, duplicate keys, aliases, size, depth)."""


class RuleFileError(LocatedError):
    """A rule file, the fact schema or the document registry is invalid."""


class FactError(LocatedError):
    """A case holds facts the fact schema does not allow."""


class RecordError(LocatedError):
    """A decision record cannot be replayed: unreadable, of another format, or changed since written."""


class EvaluationError(PolicyRulesError):
    """Evaluation was asked for something impossible (e.g. a malformed as_of date)."""


class EngineError(PolicyRulesError):
    """The rules engine failed; the message names the engine's own error code."""
