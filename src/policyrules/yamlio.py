"""Hardened YAML reading that remembers where every value came from.

Rule authors and caseworkers write YAML by hand, so errors must point at a line. PyYAML's
constructors drop positions, and its defaults accept duplicate keys silently and expand
aliases (the "billion laughs" bomb), so this module composes the node graph itself and
builds plain Python values from it, recording the line of every mapping key and sequence
item under its path.

Plain scalars are read by YAML 1.2's core schema, not PyYAML's YAML 1.1 one: area codes,
ids and answers are data, so `NO`, `on` and `y` stay text, and a number with a leading zero
(`0372`, an id) stays the text it is rather than becoming octal 250 (the core schema would
make it 372: for codes either reading is wrong). A float is kept only when the double
holds exactly the number written (`1.4999999999999999999` is refused, not read as 1.5).
Dates (`2018-01-04`) are still read as dates: every date in these files is one.

Only regular files are read, and never more than MAX_BYTES of them (a device or a pipe
would otherwise be read forever); the node count is enforced while parsing, so a huge
document is refused before it is built.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import attrs
import yaml

from .errors import YamlError
from .safetext import show

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

PathKey = tuple[Any, ...]
_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@attrs.frozen
class Located:
    """A parsed document plus the line of every path in it (1-based)."""

    data: Any
    file: str
    lines: dict[PathKey, int]
    # The file's path inside the folder it belongs to (a rulebook), posix-style. Output that
    # names a rule file uses it, so two installs in different places write the same record;
    # errors keep `file`, which a reader can open.
    name: str | None = None

    def line(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[PathKey, int] = {}
        self._constructor = yaml.SafeLoader("")

    def _fail(self, node: yaml.Node, message: str) -> YamlError:
        return YamlError(message, file=self.file, line=node.start_mark.line + 1)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_COLLECTIONS:
            raise self._fail(node, f"tag {show(node.tag)} is not allowed")
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self._fail(key_node, "merge keys (<<) are not allowed")
                key = self.build(key_node, path + ("<key>",))
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self._fail(key_node, f"mapping keys must be strings, got {show(key)}")
                if key in out:
                    raise self._fail(key_node, f"duplicate key {show(key)}")
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self.build(item, path + (index,)))
            return items
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self._fail(node, f"cannot read value: {str(exc).splitlines()[0]}") from None
        except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2018-02-30
            raise self._fail(node, f"cannot read value {show(node.value)}: {exc}") from None
        if isinstance(value, float) and math.isfinite(value) and decimal.Decimal(repr(value)) != decimal.Decimal(node.value):
            raise self._fail(
                node, f"the number {show(node.value)} cannot be held exactly (it would become {value!r}): write fewer digits"
            )
        return value


_DIGITS = list("-+0123456789")
_CORE_SCALARS = (  # tag, pattern, first characters (YAML 1.2 core schema, leading zeros excepted)
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", _DIGITS),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        [*_DIGITS, "."],
    ),
    ("tag:yaml.org,2002:timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9:.+\-Zz ]*)?$", list("0123456789")),
    ("tag:yaml.org,2002:merge", r"^<<$", ["<"]),
)


class _NoAliasComposer(yaml.SafeLoader):
    """Refuses anchors and aliases: no input of ours needs them and they enable bombs.

    Also resolves plain scalars by the core schema above and counts nodes as it composes."""

    yaml_implicit_resolvers: dict[Any, Any] = {}
    _pr_depth = 0
    _pr_nodes = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self._pr_depth >= MAX_DEPTH:
            raise YamlError(
                f"nesting deeper than {MAX_DEPTH} levels",
                file=getattr(self, "_pr_file", None),
                line=self.peek_event().start_mark.line + 1,
            )
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlError(
                "anchors and aliases (&, *) are not allowed",
                file=getattr(self, "_pr_file", None),
                line=event.start_mark.line + 1,
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise YamlError(
                "anchors and aliases (&, *) are not allowed",
                file=getattr(self, "_pr_file", None),
                line=event.start_mark.line + 1,
            )
        self._pr_nodes += 1
        if self._pr_nodes > MAX_NODES:
            raise YamlError(
                f"document has more than {MAX_NODES} values",
                file=getattr(self, "_pr_file", None),
                line=self.peek_event().start_mark.line + 1,
            )
        self._pr_depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._pr_depth -= 1


for _tag, _pattern, _first in _CORE_SCALARS:
    _NoAliasComposer.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document from text, with positions."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(f"file is larger than {MAX_BYTES} bytes", file=file)
    try:
        loader = _NoAliasComposer(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text[: exc.position].count("\n") + 1
        raise YamlError(f"invalid YAML: character {exc.character:#06x} is not allowed", file=file, line=line) from None
    loader._pr_file = file  # type: ignore[attr-defined]
    try:
        node = loader.get_single_node()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlError(f"invalid YAML: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    if node is None:
        return Located(data=None, file=file, lines={})
    builder = _Builder(file)
    data = builder.build(node, ())
    return Located(data=data, file=file, lines=builder.lines)


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is a YamlError.

    Devices and pipes are refused before they are read (a FIFO would block, /dev/zero never
    end), and the read itself stops after `limit` bytes in case the file grew meanwhile.
    """
    name = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise YamlError("is a directory, not a file", file=name)
        if not stat.S_ISREG(info.st_mode):
            raise YamlError("is not a regular file (a device, pipe or socket)", file=name)
        if info.st_size > limit:
            raise YamlError(f"file is larger than {limit} bytes", file=name)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise YamlError("is not a regular file (a device, pipe or socket)", file=name)
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    if len(raw) > limit:
        raise YamlError(f"file is larger than {limit} bytes", file=name)
    return raw


def read_yaml(path: Path) -> Located:
    """Read and parse a YAML file; unreadable, oversized or non-UTF-8 files become YamlError."""
    name = str(path)
    raw = read_bounded(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"file is not UTF-8 (byte {exc.start})", file=name) from None
    return parse_yaml(text, name)


def to_date(value: Any) -> _dt.date | None:
    """A date from a YAML date or an ISO string; None if it is neither."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
