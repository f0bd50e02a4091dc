"""Hardened YAML reading that remembers where every value came from.

Rule authors and caseworkers write YAML by hand, so errors must point at a line. PyYAML's
constructors drop positions, and its defaults accept duplicate keys silently and expand
aliases (the "billion laughs" bomb), so this module composes the node graph itself and
builds plain Python values from it, recording the line of every mapping key and sequence
item under its path.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import attrs
import yaml

from .errors import YamlError

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
        self.count = 0
        self._constructor = yaml.SafeLoader("")

    def _fail(self, node: yaml.Node, message: str) -> YamlError:
        return YamlError(message, file=self.file, line=node.start_mark.line + 1)

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(node, f"document has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_COLLECTIONS:
            raise self._fail(node, f"tag {node.tag!r} is not allowed")
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self._fail(key_node, "merge keys (<<) are not allowed")
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self._fail(key_node, f"mapping keys must be strings, got {key!r}")
                if key in out:
                    raise self._fail(key_node, f"duplicate key {key!r}")
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self.build(item, path + (index,), depth + 1))
            return items
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self._fail(node, f"cannot read value: {str(exc).splitlines()[0]}") from None
        except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2018-02-30
            raise self._fail(node, f"cannot read value {node.value!r}: {exc}") from None


class _NoAliasComposer(yaml.SafeLoader):
    """Refuses anchors and aliases: no input of ours needs them and they enable bombs."""

    _pr_depth = 0

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
        self._pr_depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._pr_depth -= 1


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document from text, with positions."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(f"file is larger than {MAX_BYTES} bytes", file=file)
    loader = _NoAliasComposer(text)
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
    data = builder.build(node, (), 0)
    return Located(data=data, file=file, lines=builder.lines)


def read_yaml(path: Path) -> Located:
    """Read and parse a YAML file; unreadable or non-UTF-8 files become YamlError."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise YamlError(f"file is larger than {MAX_BYTES} bytes", file=name)
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror or exc}", file=name) from None
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
