"""Untrusted values shown safely: one line, bounded, with control characters escaped.

Cases and rule files come from people and from other programs. A value quoted back in an
error or an explanation must not break the output it lands in: a newline would split a
one-line error, an ANSI escape would drive the reader's terminal, a 60 MB string would make
the report 60 MB, and Python's own `repr` fails on some inputs (integers past its 4,300-digit
conversion limit, values nested deeper than the recursion limit). Everything shown to a
reader that came from input goes through `show` (a value) or `one_line` (finished text).
"""

from __future__ import annotations

import reprlib
import unicodedata
from typing import Any

MAX_TEXT = 80
"""Characters of one input string shown before the rest is elided."""

MAX_MESSAGE = 1000
"""Characters of one message, after escaping."""

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = MAX_TEXT
_REPR.maxother = MAX_TEXT
_REPR.maxlong = 40
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque", "maxarray"):
    setattr(_REPR, _name, 6)


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if unicodedata.category(char)[0] == "C":  # control, format, surrogate, private, unassigned
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return char


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` on one line, control characters escaped, at most about `limit` characters."""
    if len(text) <= limit and text.isprintable():  # the common case, checked in C
        return text
    if len(text) > 4 * limit:  # escaping at most quadruples a character: cut first
        text = text[: 4 * limit]
    out = "".join(_escape(char) for char in text)
    if len(out) > limit:
        out = f"{out[: limit - 30]}… ({len(text) - limit + 30}+ characters cut)"
    return out


def elide(text: str, limit: int = MAX_TEXT) -> str:
    """A long input string cut to `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def clip(text: str) -> str:
    """An input string shown as text (no quotes): elided when long, escaped, on one line."""
    return one_line(elide(text), limit=4 * MAX_TEXT)


def show(value: Any) -> str:
    """A value as Python would write it, bounded in length and depth, on one line."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<a {value.bit_length() * 30103 // 100000 + 1}-digit number>"
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still shown, by type
        text = f"<{type(value).__name__}>"
    return one_line(text, limit=4 * MAX_TEXT)
