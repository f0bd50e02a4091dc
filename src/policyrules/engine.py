"""The durable_rules engine, owned and tamed (stage 4 of 5, the matching half).

policyrules drives durable_rules' native engine (`durable_rules_engine`) directly rather
than through its Python `Host`: that Host starts two timer threads that call the native
engine every 0.2 s, unsynchronised with the caller (lost findings, segfaults under load),
and its per-action machinery (closures, state re-encoding) costs more than the matching.
Here every call into the native engine goes through one lock and no thread is started.

**Limits.** The native network keeps each node's children in fixed tables: 512 hash
slots for distinct comparisons (when all are full, building the ruleset loops forever in
C holding the GIL), 256 rules ending at one node (error 108) and 128 `not exists` tests
(error 107). So the rulebook is compiled into several native rulesets, one group of rules
of one subject type each, no group holding more than `MAX_BRANCHES` alternatives (a rule's
condition expanded into its disjunctive normal form): no node can then have more children
than that, far below every table. A rule that alone expands beyond MAX_RULE_BRANCHES is
refused with its file and line before durable_rules ever sees it (see docs/limits.md). One
more table is filled by the facts, not the rules: the 64-entry stack the engine walks its
network with for one fact (error 303). A fact that matches more of one group's
alternatives at once splits that group in two and its case is decided again; a group of
one rule always fits, since no rule has more alternatives than the stack holds.

**Chaining across groups.** A derived fact is asserted into every group that has a rule
joining on it, so forward chaining works whatever group its producer and consumers fell in.

**Sessions.** Each case runs in a session of its own in each group it touches, deleted
afterwards even on error or interrupt; should the cleanup itself be interrupted, the
sessions it left are deleted before the next case runs. durable_rules initialises a
session's action context only when an action starts, and deleting a session in which no
action ever started frees wild pointers (the process aborts): every session therefore
begins with a marker fact whose rule fires once, and cleanup starts any pending action
before it deletes, so a session interrupted anywhere (KeyboardInterrupt, an async
exception) is still deleted safely. Each Engine owns its native rulesets (freed when it is
collected), so any number of rulebooks live side by side in one process.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import attrs
import durable_rules_engine as native

from . import conditions as c
from .compiler import compile_rule, derived_fact
from .errors import EngineError, RuleFileError
from .factschema import positional
from .model import Rule
from .safetext import show

_names = itertools.count()

MAX_BRANCHES = 100
"""Alternatives (DNF branches) per native ruleset: below the 128-entry table, the smallest."""

MAX_RULE_BRANCHES = 60
"""Alternatives per rule: below the 64 entries of the stack the engine walks its network with
for one fact (error 303). All of a rule's alternatives may match one fact at once, so a
ruleset of one rule always fits; a larger ruleset that overflows is split (Engine._split)."""

STACK_FULL = 303

# Result codes of the native assert calls that are answers, not failures (1, "not
# handled", means no rule tests the fact: nothing to do).
OK, OBSERVED = 0, 2
SID_NOT_FOUND = 309

ENGINE_CODES = {
    101: "the engine ran out of memory",
    106: "too many distinct conditions on one node of the engine's network",
    107: "too many 'missing' tests on one node of the engine's network",
    108: "too many rules ending at one node of the engine's network",
    113: "a condition has too many parts for the engine",
    302: "a fact has more than 255 properties (the engine's limit); the case links too many fields for one subject",
    303: "one fact matched more alternatives of one native ruleset at once than the engine's stack holds",
    304: "too many facts joined in one match",
    313: "a fact is too large for the engine",
    314: "a value is too large for the engine",
}

CASES_PER_SESSION = 64
"""Cases decided in one native session per group (see Engine.run)."""

# An action as the engine writes it: {"r12":{"f":{"_kind": "student", "_eid": "3|s1", ...}...}}
# (the fact as it was asserted, `_kind` and `_eid` first: flat_fact writes them first).
# Its rule and subject are read from the head; decoding the whole match (the subject's
# every fact value) cost more than the match itself. A head the pattern does not read
# plainly (an id with escapes, another layout) is decoded as JSON.
_ACTION_HEAD = re.compile(r'\{"(r[0-9]+)":\{"f":\{"_kind": ?"[^"\\]*", ?"_eid": ?"([^"\\]*)"')

SESSION_KIND = "_session"
SESSION_RULE = {"all": [{"f": {"_kind": SESSION_KIND}}]}


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def to_json(value: Any) -> str:
    """JSON as the engine reads it: its parser rejects exponents, so no number is written with one.

    Python writes 0.00005 as `5e-05` and 1e16 as `1e+16`; the engine refuses both (error
    204). Floats are written positionally instead, with the same digits, so the engine
    reads the very double Python holds. (Values are finite: the fact schema refuses the rest.)
    The C encoder writes the JSON; only when its text might hold an exponent is the value
    written again, number by number. Python writes every exponent with its sign (1e+16,
    5e-05), so a text without "e+" or "e-" has none (a string holding them only costs the
    slower writing).
    """
    text = _ENCODE(value)
    return text if "e+" not in text and "e-" not in text else _positional_json(value)


def _positional_json(value: Any) -> str:
    if isinstance(value, float):
        return positional(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_ENCODE(str(k))}:{_positional_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_positional_json(item) for item in value) + "]"
    return _ENCODE(value)


def _code(exc: BaseException) -> int | None:
    match = re.search(r"error code: (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _engine_error(exc: BaseException) -> EngineError:
    if isinstance(exc, MemoryError):
        return EngineError("the engine ran out of memory (durable_rules error code 101)")
    code = _code(exc)
    meaning = ENGINE_CODES.get(code or -1, "unexpected engine error")
    return EngineError(f"{meaning} (durable_rules error code {code}: {exc})")


def _forget(handle: int) -> None:
    try:
        native.delete_ruleset(handle)
    except Exception:  # noqa: BLE001 - interpreter shutdown; nothing left to free
        pass


def branches(node: c.Node, negated: bool = False) -> int:
    """How many alternatives durable_rules builds for a condition (its DNF size)."""
    if isinstance(node, c.Compare):
        return len(node.value) if node.op == "in" and not negated else 1
    if isinstance(node, c.Not):
        return branches(node.item, not negated)
    if isinstance(node, (c.AllOf, c.AnyOf)):
        counts = [branches(item, negated) for item in node.items]
        if isinstance(node, c.AllOf) != negated:
            product = 1
            for count in counts:
                product *= count
            return product
        return sum(counts)
    return 1  # windows and derived joins add no alternatives


def plan(rules: Sequence[Rule], limit: int = MAX_BRANCHES) -> list[list[Rule]]:
    """Groups of rules of one subject type, each within `limit` alternatives, in rulebook order."""
    groups: list[list[Rule]] = []
    open_group: dict[str, tuple[list[Rule], int]] = {}
    most = min(limit, MAX_RULE_BRANCHES)
    for rule in rules:
        size = branches(rule.condition)
        if size > most:
            raise RuleFileError(
                f"rule {rule.id}: its condition expands to {size} alternatives (any / in values multiplied out); "
                f"the engine takes at most {most} per rule: split the rule",
                file=rule.file, line=rule.line, field="when",
            )
        group, used = open_group.get(rule.subject, (None, 0))
        if group is None or used + size > limit:
            group, used = [], 0
            groups.append(group)
        group.append(rule)
        open_group[rule.subject] = (group, used + size)
    return groups


@attrs.define
class _Group:
    """One native ruleset: a group of rules of one subject type."""

    handle: int
    subject: str
    actions: dict[str, tuple[int, str | None] | None]  # rule name -> (rule index, derived key or None); None: the marker
    joins: frozenset[str]  # derived facts its rules join on
    rules: tuple[Rule, ...]
    forget: weakref.finalize  # frees the native ruleset (when the group is split, or the Engine collected)


class _StackFull(Exception):
    """A fact matched more alternatives of one group at once than the engine's stack holds."""

    def __init__(self, group: int) -> None:
        super().__init__(group)
        self.group = group


Firing = tuple[int, str]  # (rule index, subject id)


def _index(groups: Sequence[_Group]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Which groups take a subject type's facts, and which groups join on each derived fact."""
    by_subject: dict[str, list[int]] = {}
    joining: dict[str, list[int]] = {}
    for number, group in enumerate(groups):
        by_subject.setdefault(group.subject, []).append(number)
        for key in group.joins:
            joining.setdefault(key, []).append(number)
    return by_subject, joining


class Engine:
    """One compiled rulebook inside durable_rules' native engine (one ruleset per group of rules)."""

    def __init__(self, rules: Sequence[Rule], limit: int = MAX_BRANCHES) -> None:
        self._lock = threading.Lock()
        self._sessions = itertools.count()
        self._fired: list[Firing] = []  # the current case's firings (under the lock)
        self._used = 0  # cases decided in the open session
        # (session, group) -> an action has started there: every session that may exist. An
        # entry leaves only once its session is deleted, so cleanup that is itself
        # interrupted is finished before the next case runs.
        self._open: dict[tuple[str, int], bool] = {}
        self._sid = ""  # the open session's id, "" when none is open (under the lock)
        self.name = f"policyrules_{next(_names)}"
        self._serial = itertools.count()  # native ruleset names
        self._groups: list[_Group] = [self._build(group) for group in plan(rules, limit)]
        self._by_subject, self._joining = _index(self._groups)

    def _build(self, rules: Sequence[Rule]) -> _Group:
        """One group's native ruleset."""
        definition: dict[str, Any] = {f"r{rule.index}": compile_rule(rule) for rule in rules}
        definition["session"] = SESSION_RULE
        actions: dict[str, tuple[int, str | None] | None] = {f"r{rule.index}": (rule.index, rule.effect.key if rule.derived else None) for rule in rules}
        actions["session"] = None
        joins = frozenset(leaf.key for rule in rules for leaf in c.leaves(rule.condition) if isinstance(leaf, c.Derived))
        try:
            handle = native.create_ruleset(f"{self.name}_{next(self._serial)}", to_json(definition))
        except (native.error, MemoryError) as exc:
            raise _engine_error(exc) from None
        return _Group(handle, rules[0].subject, actions, joins, tuple(rules), weakref.finalize(self, _forget, handle))

    @property
    def rulesets(self) -> int:
        return len(self._groups)

    def run(self, cases: Sequence[Sequence[dict[str, Any]]]) -> list[list[Firing]]:
        """Assert each case's flat facts; the firings of each case.

        Up to CASES_PER_SESSION consecutive cases, of one call or of several, share one
        session per group: each case's entity ids are prefixed with its position in the
        session (`3|s1`), so no rule can match or join facts of two cases, and the session's
        set-up (its marker) and deletion are paid once per CASES_PER_SESSION cases, not per
        case. A full session is deleted before the next case; so is the session of a case
        that fails or is interrupted, and `close()` deletes the open one.

        A fact that matches more of one group's alternatives at once than the engine's stack
        holds (error 303: a rulebook whose rules of one subject mostly hold together) splits
        that group in two, and the case is decided again; a group of one rule always fits
        (MAX_RULE_BRANCHES), so this ends.
        """
        with self._lock:
            return [self._run_splitting(facts) for facts in cases]

    def _run_splitting(self, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        while True:
            try:
                return self._run_one(facts)
            except _StackFull as full:  # the case's session is deleted already (_run_one)
                self._split(full.group)

    def _split(self, number: int) -> None:
        """Replace group `number` by two groups of half its rules each, in rulebook order."""
        group = self._groups[number]
        if len(group.rules) < 2:
            raise EngineError(f"{ENGINE_CODES[STACK_FULL]} (durable_rules error code {STACK_FULL}, a ruleset of one rule)")
        assert not self._open, "sessions are deleted before a group is split"
        half = len(group.rules) // 2
        groups = [*self._groups[:number], self._build(group.rules[:half]), self._build(group.rules[half:]), *self._groups[number + 1 :]]
        by_subject, joining = _index(groups)
        # Everything is built before anything is replaced: an interrupt above leaves the old groups in use.
        self._groups, self._by_subject, self._joining = groups, by_subject, joining
        group.forget()

    def close(self) -> None:
        """Delete the open session (the next case opens a new one)."""
        with self._lock:
            self._sid = ""
            self._close()

    def _run_one(self, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        if not self._sid or self._used >= CASES_PER_SESSION:
            self._sid = ""  # from here on no case is added to the old session, however this ends
            self._close()  # the full session, or what an interrupted cleanup left
            self._sid = f"c{next(self._sessions)}"
            self._used = 0
        prefix = f"{self._used}|"
        self._used += 1
        self._fired = []
        done = False
        try:
            sid, opened = self._sid, self._open
            for fact in facts:
                own = dict(fact)
                own["_eid"] = prefix + own["_eid"]
                own["sid"] = sid
                text = to_json(own)  # written once, asserted into each group
                for number in self._by_subject.get(own["_kind"], ()):
                    if (sid, number) not in opened:
                        self._enter(number)
                    self._assert_native(number, own, text)
            done = True
            return self._fired
        finally:
            if not done:
                self._sid = ""
                self._close()

    def _enter(self, number: int) -> None:
        """Open the case's session in a group: the marker fact, whose action initialises it."""
        if (self._sid, number) in self._open:
            return
        self._open[self._sid, number] = False  # from here on the session may exist
        self._assert_native(number, {"_kind": SESSION_KIND})

    def _assert(self, number: int, fact: dict[str, Any], text: str | None = None) -> None:
        """Assert one fact into a group and run every action it triggers."""
        self._enter(number)
        self._assert_native(number, fact, text)

    def _native_assert(self, number: int, fact: dict[str, Any], text: str | None = None) -> tuple[int, int]:
        """Assert one fact of the current session into a group: the engine's (code, state).

        `text`, when given, is the fact with the session id already written as JSON."""
        try:
            return native.assert_fact(self._groups[number].handle, text or to_json(dict(fact, sid=self._sid)))  # type: ignore[no-any-return]
        except native.error as exc:
            if _code(exc) == STACK_FULL:
                raise _StackFull(number) from None
            raise _engine_error(exc) from None
        except MemoryError as exc:
            raise _engine_error(exc) from None

    def _assert_native(self, number: int, fact: dict[str, Any], text: str | None = None) -> None:
        code, state = self._native_assert(number, fact, text)
        if code == OBSERVED and fact.get("_kind") != "_derived":
            raise EngineError(f"the same fact was asserted twice: {fact.get('_kind')} {show(str(fact.get('_eid')).partition('|')[2])}")
        if code == OK:
            self._dispatch(number, state)

    def _dispatch(self, number: int, state: int) -> None:
        handle = self._groups[number].handle
        try:
            started = native.start_action_for_state(handle, state)
            self._open[self._sid, number] = True
            pending = started[1] if started else None
            while pending:
                head = _ACTION_HEAD.match(pending)
                if head is not None:
                    self._act(number, head[1], head[2])
                else:
                    for name, match in json.loads(pending).items():
                        self._act(number, name, match["f"].get("_eid"))
                pending = native.complete_and_start_action(handle, state)
        except (native.error, MemoryError) as exc:
            raise _engine_error(exc) from None

    def _act(self, number: int, name: str, subject: str | None) -> None:
        action = self._groups[number].actions[name]
        if action is None:  # the session marker
            return
        assert subject is not None
        index, derived = action
        self._fired.append((index, subject.partition("|")[2]))
        if derived is None:
            return
        fact = derived_fact(derived, subject, index)
        # OBSERVED from a join means the fact was already derived (a rule fires once per
        # joined fact); actions the fact triggers in this group are picked up by the
        # dispatch loop above (so its result is not needed here), in other groups by their
        # own dispatch.
        for target in self._joining.get(derived, ()):
            if target == number:
                self._native_assert(target, fact)
            else:
                self._assert(target, fact)

    def _close(self) -> None:
        """Delete every session that may exist, safely; each is forgotten only once deleted."""
        for (sid, number), started in list(self._open.items()):
            handle = self._groups[number].handle
            try:
                if not started:  # interrupted before its first action: start one so deletion is safe
                    native.start_action(handle)
                native.delete_state(handle, sid)
            except native.error as exc:
                if _code(exc) != SID_NOT_FOUND:  # 309: never created, or already deleted: done
                    del self._open[sid, number]
                    raise _engine_error(exc) from None
            del self._open[sid, number]
