"""The durable_rules engine, owned and tamed (stage 4 of 5, the matching half).

policyrules drives durable_rules' native engine (`durable_rules_engine`) directly rather
than through its Python `Host`: that Host starts two timer threads that call the native
engine every 0.2 s, unsynchronised with the caller (lost findings, segfaults under load),
and its per-action machinery (closures, state re-encoding) costs more than the matching.
Here every call into the native engine goes through one lock and no thread is started.

Each case runs in a session of its own, deleted afterwards even on error. Each Engine owns
its native ruleset (freed when the Engine is collected), so any number of rulebooks (e.g.
two versions of the rules) live side by side in one process.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as native

from .compiler import compile_rule, derived_fact
from .errors import EngineError
from .model import Rule

_names = itertools.count()

# Result codes of the native assert calls that are answers, not failures (1, "not
# handled", means no rule tests the fact: nothing to do).
OK, OBSERVED = 0, 2

ENGINE_CODES = {
    101: "the engine ran out of memory",
    106: "too many rules for the engine",
    113: "a condition has too many parts for the engine",
    302: "a fact has more than 255 properties (the engine's limit); the case links too many fields for one subject",
    303: "a fact is nested too deeply for the engine",
    304: "too many facts joined in one match",
    313: "a fact is too large for the engine",
    314: "a value is too large for the engine",
}

# durable_rules initialises a session's action context only when an action starts, and
# deleting a session in which no action ever ran frees wild pointers (the process aborts).
# So every session begins with a marker fact whose rule fires once.
SESSION_KIND = "_session"
SESSION_RULE = {"all": [{"f": {"_kind": SESSION_KIND}}]}


def _engine_error(exc: BaseException) -> EngineError:
    if isinstance(exc, MemoryError):
        return EngineError("the engine ran out of memory (durable_rules error code 101)")
    match = re.search(r"error code: (\d+)", str(exc))
    code = int(match.group(1)) if match else None
    meaning = ENGINE_CODES.get(code or -1, "unexpected engine error")
    return EngineError(f"{meaning} (durable_rules error code {code}: {exc})")


def _forget(handle: int) -> None:
    try:
        native.delete_ruleset(handle)
    except Exception:  # noqa: BLE001 - interpreter shutdown; nothing left to free
        pass


Firing = tuple[int, str]  # (rule index, subject id)


class Engine:
    """One compiled rulebook inside durable_rules' native engine."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._lock = threading.Lock()
        self._sessions = itertools.count()
        self._fired: list[Firing] = []  # the current session's firings (under the lock)
        self.name = f"policyrules_{next(_names)}"
        definition: dict[str, Any] = {f"r{rule.index}": compile_rule(rule) for rule in rules}
        definition["session"] = SESSION_RULE
        # What an action does, by rule name: (rule index, derived key or None).
        self._actions: dict[str, tuple[int, str | None] | None] = {
            f"r{rule.index}": (rule.index, rule.effect.key if rule.derived else None) for rule in rules
        }
        self._actions["session"] = None
        try:
            self._handle = native.create_ruleset(self.name, json.dumps(definition, ensure_ascii=False))
        except (native.error, MemoryError) as exc:
            raise _engine_error(exc) from None
        weakref.finalize(self, _forget, self._handle)

    def run(self, cases: Sequence[Sequence[dict[str, Any]]]) -> list[list[Firing]]:
        """Assert each case's flat facts in a fresh session; the firings of each case."""
        with self._lock:
            return [self._run_one(facts) for facts in cases]

    def _assert(self, fact: dict[str, Any]) -> None:
        """Assert one fact and run every action it triggers."""
        try:
            code, state = native.assert_fact(self._handle, json.dumps(fact, ensure_ascii=False))
        except (native.error, MemoryError) as exc:
            raise _engine_error(exc) from None
        if code == OBSERVED:
            raise EngineError(f"the same fact was asserted twice: {fact.get('_kind')} {fact.get('_eid')!r}")
        if code == OK:
            self._dispatch(state, fact["sid"])

    def _dispatch(self, state: int, sid: str) -> None:
        try:
            started = native.start_action_for_state(self._handle, state)
            pending = started[1] if started else None
            while pending:
                for name, match in json.loads(pending).items():
                    self._act(name, match, sid)
                pending = native.complete_and_start_action(self._handle, state)
        except (native.error, MemoryError) as exc:
            raise _engine_error(exc) from None

    def _act(self, name: str, match: dict[str, Any], sid: str) -> None:
        action = self._actions[name]
        if action is None:  # the session marker
            return
        index, derived = action
        subject = match["f"]["_eid"]
        self._fired.append((index, subject))
        if derived is not None:
            fact = dict(derived_fact(derived, subject, index), sid=sid)
            # The result code is not needed: "not handled" means no rule chains on the fact,
            # OBSERVED that it was already derived (the rule fired once per joined fact it
            # needs). Actions it triggers are picked up by the dispatch loop.
            try:
                native.assert_fact(self._handle, json.dumps(fact, ensure_ascii=False))
            except (native.error, MemoryError) as exc:
                raise _engine_error(exc) from None

    def _run_one(self, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        self._fired = []
        sid = f"c{next(self._sessions)}"
        marked = False
        try:
            self._assert({"_kind": SESSION_KIND, "sid": sid})
            marked = True
            for fact in facts:
                self._assert(dict(fact, sid=sid))
            return self._fired
        finally:
            if marked:
                native.delete_state(self._handle, sid)
