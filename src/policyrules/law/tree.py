"""A document's clause tree and its sentences, computed from the shipped official text.

Accounting for the law works sentence by sentence, so every sentence needs an address
that does not depend on anyone's reading: the document's own numbering gives the clause
path (`六、1`, `四、（二）`, `（十二）`, `三、（三）9`, `附件 21`) and the sentence's position
in its clause gives the rest (`六、1#3`). Nothing here is written by hand except where the
numbered body begins and which parts surround it (the registry's `parts`), because a
document's 文头, 主送, 落款 and annex table carry no numbering of their own.

Numbering levels are `一、` (1), `（一）` (2) and `1.` (3). A level whose numbers run on
through the whole document (人社部发〔2019〕2号's （一）…（十八）, the 意见's 1…14) is
unique on its own, so its path is just the label; elsewhere the path nests. Lines broken
by page breaks ("教\\n\\n师队伍") are joined; sentences end at 。；！？ and at heading-only
lines and list items (——). Spans are character offsets into the raw source text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import attrs

from ..safetext import show
from ..sources import normalise

_CN_DIGITS = "一二三四五六七八九十"
_L1 = re.compile(rf"^([{_CN_DIGITS}]+)、")
_L2 = re.compile(rf"^[（(]([{_CN_DIGITS}]+)[）)]")
_L3 = re.compile(r"^(\d+)[\.．、](?!\d)")
_TERMINATORS = "。；;！？"
_CLOSERS = "”’」』）)"
_DASH = "——"
_FOOTNOTE = re.compile(r"\[\d+\]")
_ROW = re.compile(r"^(\d+)\t")
HEADING_MAX = 30  # a clause's lead phrase ("总体要求。") longer than this is a sentence, not a title
HEADING_LINE_MAX = 40  # a numbered line without 。 this short is a heading; longer, it runs on past a page break


class StructureError(ValueError):
    """The registry's structure hints do not fit the text (raised to the loader, which locates it)."""


@attrs.frozen
class Sentence:
    """One sentence of the law: the unit every rule or classification accounts for."""

    id: str  # clause path + "#" + ordinal (1-based)
    clause: str
    ordinal: int
    text: str  # white space inside lines collapsed, line breaks removed, footnote marks dropped
    start: int  # span in the raw source text
    end: int
    heading: bool  # the clause's own title (or a heading-only line)


@attrs.frozen
class Clause:
    path: str
    label: str
    parent: str | None
    heading: str | None
    start: int  # span of the clause and all its sub-clauses in the raw text
    end: int
    sentences: tuple[Sentence, ...]
    columns: tuple[tuple[str, str], ...] = ()  # annex rows: (("负责单位", …), ("时间进度", …))


@attrs.frozen
class Part:
    """A stretch of the document named by the registry: a plain part, the numbered body, or a table."""

    path: str | None  # None for the numbered body
    start: str  # the first line of the part begins with this (white space ignored)
    table: bool = False


@attrs.frozen
class _Line:
    start: int  # raw offset of the first character after stripping
    end: int
    text: str  # stripped of white space, markdown headings (#) and bullets (- )


_FURNITURE = re.compile(r"(#+\s*|-\s+)")  # markdown headings and bullets of the encyclopedia page


def _lines(raw: str, lo: int, hi: int, excluded: Sequence[tuple[int, int]]) -> list[_Line]:
    out = []
    pos = lo
    for chunk in raw[lo:hi].split("\n"):
        start = pos
        pos += len(chunk) + 1
        if any(a <= start < b for a, b in excluded):
            continue
        text = chunk.lstrip()
        offset = start + len(chunk) - len(text)
        text = text.rstrip()
        furniture = _FURNITURE.match(text)
        if furniture:
            offset += furniture.end()
            text = text[furniture.end() :]
        if text and not text.startswith("[bookmark:"):
            out.append(_Line(offset, offset + len(text), text))
    return out


def _marker(text: str) -> tuple[int, str, int] | None:
    """(level, label, length of the marker) for a numbered line."""
    for level, pattern in ((1, _L1), (2, _L2), (3, _L3)):
        match = pattern.match(text)
        if match:
            number = match.group(1)
            label = {1: f"{number}、", 2: f"（{number}）", 3: number}[level]
            return level, label, match.end()
    return None


@attrs.define
class _Building:
    level: int
    label: str
    parent: "_Building | None"
    start: int
    pieces: list[tuple[int, str]] = attrs.field(factory=list)  # (raw offset, text) of its own lines
    breaks: set[int] = attrs.field(factory=set)  # raw offsets where a sentence must end
    headings: set[int] = attrs.field(factory=set)  # raw offsets where a heading sentence starts
    path: str = ""
    columns: tuple[tuple[str, str], ...] = ()


def _cn_number(label: str) -> int:
    """1 for `1`, `一、` or `（一）`; Chinese numerals up to 九十九."""
    digits = label.strip("（）、")
    if digits.isdigit():
        return int(digits)
    tens, _, ones = digits.rpartition("十")
    value = (_CN_DIGITS.index(tens) + 1 if tens else 1) * 10 if "十" in digits else 0
    return value + (_CN_DIGITS.index(ones) + 1 if ones else 0)


def _split(raw: str, building: _Building) -> list[tuple[int, int, bool]]:
    """Sentence spans (start, end, is_heading) of one clause's own text."""
    chars: list[tuple[int, str]] = []
    for offset, text in building.pieces:
        chars.extend((offset + i, ch) for i, ch in enumerate(text))
    spans: list[tuple[int, int, bool]] = []
    current: list[tuple[int, str]] = []

    def close() -> None:
        content = [(o, ch) for o, ch in current if not ch.isspace()]
        if content:
            start, end = current[0][0], current[-1][0] + 1
            spans.append((start, end, start in building.headings))
        current.clear()

    breaks = sorted(building.breaks)
    pending = 0  # index of the first break not yet passed
    for i, (offset, ch) in enumerate(chars):
        # A break may fall between two characters (the end of a heading-only line, whose
        # line break is not among the characters): it ends the sentence before the first
        # character at or after it.
        passed = False
        while pending < len(breaks) and breaks[pending] <= offset:
            passed = True
            pending += 1
        if passed and current:
            close()
        if not current and ch.isspace():
            continue
        current.append((offset, ch))
        nxt = chars[i + 1][1] if i + 1 < len(chars) else ""
        if ch in _TERMINATORS and nxt not in _CLOSERS:
            close()
        elif ch in _CLOSERS and current[-2:-1] and current[-2][1] in _TERMINATORS and nxt not in _CLOSERS:
            close()
    close()
    return spans


def _lead_heading(text: str, offset: int, building: _Building) -> None:
    """Mark a clause's title: its lead phrase ("总体要求。…") or a line that is only a heading."""
    stop = text.find("。")
    if 0 <= stop <= HEADING_MAX:
        building.headings.add(offset)
    elif stop < 0 and len(text) <= HEADING_LINE_MAX:
        building.headings.add(offset)
        building.breaks.add(offset + len(text))


def _body(lines: list[_Line], document: str) -> list[_Building]:
    built: list[_Building] = []
    stack: list[_Building] = []
    for line in lines:
        found = _marker(line.text)
        if found is None:
            if not stack:
                raise StructureError(f"{document}: the numbered body must begin with a numbered heading, got {show(line.text[:20])}")
            target = stack[-1]
            if line.text.startswith(_DASH):
                target.breaks.add(line.start)
                _lead_heading(line.text[len(_DASH):], line.start, target)
            target.pieces.append((line.start, line.text))
            continue
        level, label, length = found
        while stack and stack[-1].level >= level:
            stack.pop()
        node = _Building(level, label, stack[-1] if stack else None, line.start)
        content_start = line.start + length
        content = line.text[length:]
        lead = len(content) - len(content.lstrip())
        node.pieces.append((content_start + lead, content.lstrip()))
        node.breaks.add(content_start + lead)
        _lead_heading(content.lstrip(), content_start + lead, node)
        built.append(node)
        stack.append(node)
    _paths(built, document)
    return built


def _paths(built: list[_Building], document: str) -> None:
    continuous = set()
    for level in (2, 3):
        nodes = [n for n in built if n.level == level]
        numbers = [_cn_number(n.label) for n in nodes]
        parents = {id(n.parent) for n in nodes}
        if nodes and numbers == list(range(1, len(nodes) + 1)) and len(parents) > 1:
            continuous.add(level)
    for node in built:
        if node.level in continuous or node.parent is None:
            node.path = node.label
        else:
            node.path = node.parent.path + node.label
    seen: set[str] = set()
    for node in built:
        if node.path in seen:
            raise StructureError(f"{document}: clause path {node.path} occurs twice")
        seen.add(node.path)


def _plain(lines: list[_Line], path: str) -> _Building:
    node = _Building(0, path, None, lines[0].start if lines else 0)
    node.path = path
    for line in lines:
        node.breaks.add(line.start)
        node.pieces.append((line.start, line.text))
    return node


def _table(lines: list[_Line], path: str) -> list[_Building]:
    """An annex table: rows `N<TAB>task<TAB>responsible<TAB>schedule`; other lines belong to the annex itself."""
    annex = _Building(0, path, None, lines[0].start if lines else 0)
    annex.path = path
    rows: list[_Building] = []
    for line in lines:
        match = _ROW.match(line.text)
        if match is None:  # the annex's title, header rows and section rows
            annex.breaks.add(line.start)
            annex.headings.add(line.start)
            annex.pieces.append((line.start, line.text))
            continue
        cells = line.text.split("\t")
        number = match.group(1)
        row = _Building(1, f"{path} {number}", annex, line.start)
        row.path = f"{path} {number}"
        task_start = line.start + len(cells[0]) + 1
        row.pieces.append((task_start, cells[1] if len(cells) > 1 else ""))
        row.breaks.add(task_start)
        row.columns = tuple((name, cells[i].strip()) for i, name in ((2, "负责单位"), (3, "时间进度")) if len(cells) > i and cells[i].strip())
        rows.append(row)
    return [annex, *rows]


def _clean(raw: str, start: int, end: int) -> str:
    text = raw[start:end].replace("\r", "").replace("\n", "")
    text = _FOOTNOTE.sub("", text)
    return re.sub(r"[ \t\u3000\xa0]+", " ", text).strip()


@attrs.frozen
class ClauseTree:
    """Every clause of one document, in document order, with its sentences."""

    document: str
    clauses: tuple[Clause, ...]
    raw: str = attrs.field(repr=False)
    _by_path: dict[str, Clause] = attrs.field(init=False, eq=False, repr=False)
    _norm: str = attrs.field(init=False, eq=False, repr=False)
    _before: list[int] = attrs.field(init=False, eq=False, repr=False)  # non-space characters before each raw offset

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_path", {c.path: c for c in self.clauses})
        before = [0]
        for ch in self.raw:
            before.append(before[-1] + (not ch.isspace()))
        object.__setattr__(self, "_before", before)
        object.__setattr__(self, "_norm", normalise(self.raw))

    def quoted(self, path: str, quote: str) -> tuple[Sentence, ...] | None:
        """The sentences a quote covers, wholly or in part, if it is verbatim in clause `path` (sub-clauses included)."""
        clause = self._by_path.get(path)
        needle = normalise(quote)
        if clause is None or not needle:
            return None
        at = self._norm.find(needle, self._before[clause.start], self._before[clause.end])
        if at < 0:
            return None
        end = at + len(needle)
        before = self._before
        return tuple(s for c in self.descendants(path) for s in c.sentences if before[s.start] < end and before[s.end] > at)

    def clause(self, path: str) -> Clause | None:
        return self._by_path.get(path)

    def sentences(self) -> Iterator[Sentence]:
        for clause in self.clauses:
            yield from clause.sentences

    def sentence(self, sentence_id: str) -> Sentence | None:
        path, _, ordinal = sentence_id.rpartition("#")
        clause = self._by_path.get(path)
        if clause is None or not ordinal.isdigit() or not 1 <= int(ordinal) <= len(clause.sentences):
            return None
        return clause.sentences[int(ordinal) - 1]

    def descendants(self, path: str) -> list[Clause]:
        """The clause and every clause under it."""
        out = []
        for clause in self.clauses:
            walk: Clause | None = clause
            while walk is not None:
                if walk.path == path:
                    out.append(clause)
                    break
                walk = self._by_path.get(walk.parent) if walk.parent else None
        return out


def build_tree(document: str, raw: str, parts: Sequence[Part], lo: int, hi: int, excluded: Sequence[tuple[int, int]]) -> ClauseTree:
    """The clause tree of the raw text between lo and hi, cut into `parts` (in document order)."""
    lines = _lines(raw, lo, hi, excluded)
    cuts: list[int] = []
    at = 0
    for part in parts:
        needle = normalise(part.start)
        index = next((i for i in range(at, len(lines)) if normalise(lines[i].text).startswith(needle)), None)
        if index is None:
            raise StructureError(f"{document}: part {show(part.path or 'body')} start {show(part.start)} not found after the previous part")
        cuts.append(index)
        at = index + 1
    if not cuts or cuts[0] != 0:
        first = lines[0].text[:20] if lines else ""
        raise StructureError(f"{document}: the first part must start at the first line of the text ({show(first)})")
    built: list[_Building] = []
    for part, begin, finish in zip(parts, cuts, [*cuts[1:], len(lines)], strict=True):
        chunk = lines[begin:finish]
        if part.path is None:
            built.extend(_body(chunk, document))
        elif part.table:
            built.extend(_table(chunk, part.path))
        else:
            built.append(_plain(chunk, part.path))
    return _finish(document, raw, built, lines)


def _under(node: _Building, ancestor: _Building) -> bool:
    walk = node.parent
    while walk is not None and walk is not ancestor:
        walk = walk.parent
    return walk is ancestor


def _finish(document: str, raw: str, built: list[_Building], lines: list[_Line]) -> ClauseTree:
    # A clause (with everything under it) ends where the next clause not under it begins.
    ends: dict[int, int] = {}
    for i, node in enumerate(built):
        ends[id(node)] = next((later.start for later in built[i + 1 :] if not _under(later, node)), lines[-1].end)
    clauses = []
    for node in built:
        spans = [(_clean(raw, s, e), s, e, heading) for s, e, heading in _split(raw, node)]
        sentences = tuple(
            Sentence(f"{node.path}#{n}", node.path, n, text, s, e, heading)
            for n, (text, s, e, heading) in enumerate([span for span in spans if span[0]], start=1)  # a footnote mark alone is no sentence
        )
        heading = next((s.text.rstrip("。") for s in sentences if s.heading and s.ordinal == 1), None)
        clauses.append(
            Clause(
                path=node.path,
                label=node.label,
                parent=node.parent.path if node.parent else None,
                heading=heading,
                start=node.start,
                end=ends[id(node)],
                sentences=sentences,
                columns=node.columns,
            )
        )
    return ClauseTree(document, tuple(clauses), raw)
