"""The durable_rules engine, owned and tamed (stage 4 of 5, the matching half).

durable_rules' Host starts two timer threads that call the native engine every 0.2 s,
unsynchronised with ours; under load that loses findings and can crash the process. This
host starts none, and every call into the native engine goes through one lock. Each
evaluation runs in a session of its own, deleted afterwards even on error, and each
Engine registers its ruleset under a unique name, so any number of rulebooks (e.g. two
versions of the rules) live side by side in one process.
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import durable_rules_engine
from durable import engine as durable

from .compiler import compile_rule, derived_fact
from .errors import EngineError
from .model import Rule

_names = itertools.count()

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


class _QuietHost(durable.Host):
    """A Host without the background dispatch timers (we never use durable timers)."""

    def _run(self) -> None:
        return None


def _engine_error(exc: BaseException) -> EngineError:
    match = re.search(r"error code: (\d+)", str(exc))
    code = int(match.group(1)) if match else None
    meaning = ENGINE_CODES.get(code or -1, "unexpected engine error")
    return EngineError(f"{meaning} (durable_rules error code {code}: {exc})")


SESSION_FACT = {"_kind": "_session"}
SESSION_RULE = {"all": [{"f": {"_kind": "_session"}}]}


def _session_opened(closure: Any) -> None:
    return None


def _forget(handle: Any) -> None:
    try:
        durable_rules_engine.delete_ruleset(handle)
    except Exception:  # noqa: BLE001 - interpreter shutdown; nothing left to free
        pass


Firing = tuple[int, str]  # (rule index, subject id)


class Engine:
    """One compiled rulebook inside durable_rules."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._lock = threading.Lock()
        self._fired: list[Firing] = []
        self._errors: list[BaseException] = []
        self._sessions = itertools.count()
        self.name = f"policyrules_{next(_names)}"
        self._host = _QuietHost()
        definition = {f"r{rule.index}": dict(compile_rule(rule), run=self._action(rule)) for rule in rules}
        definition["session"] = dict(SESSION_RULE, run=_session_opened)
        try:
            self._host.register_rulesets({self.name: definition})
        except durable_rules_engine.error as exc:
            raise _engine_error(exc) from None
        self._ruleset = self._host.get_ruleset(self.name)
        weakref.finalize(self, _forget, self._ruleset._handle)

    def _action(self, rule: Rule):  # type: ignore[no-untyped-def]
        index = rule.index
        key = rule.effect.key if rule.derived else None
        fired = self._fired
        errors = self._errors

        def action(closure: Any) -> None:
            # Runs inside durable_rules, which swallows exceptions: record them instead.
            try:
                subject = closure.f["_eid"]
                fired.append((index, subject))
                if key is not None:
                    try:
                        closure.assert_fact(derived_fact(key, subject, index))
                    except durable.MessageNotHandledException:
                        pass  # no rule chains on this derived fact
                    except durable.MessageObservedException:
                        pass  # already derived: the rule fired once per joined fact it needs
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        return action

    def run(self, cases: Sequence[Sequence[dict[str, Any]]]) -> list[list[Firing]]:
        """Assert each case's flat facts in a fresh session; the firings of each case."""
        out: list[list[Firing]] = []
        with self._lock:
            for facts in cases:
                out.append(self._run_one(facts))
        return out

    def _run_one(self, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        self._fired.clear()
        self._errors.clear()
        sid = f"c{next(self._sessions)}"
        try:
            # durable_rules leaves a session's action context uninitialised until an action
            # runs, and deleting such a session frees wild pointers (abort/segfault). So
            # every session runs one action first.
            self._host.assert_fact(self.name, dict(SESSION_FACT, sid=sid))
            for fact in facts:
                try:
                    self._host.assert_fact(self.name, dict(fact, sid=sid))
                except durable.MessageNotHandledException:
                    continue  # no rule tests this subject
                except durable.MessageObservedException:
                    raise EngineError(f"the same fact was asserted twice: {fact.get('_kind')} {fact.get('_eid')!r}") from None
                except durable_rules_engine.error as exc:
                    raise _engine_error(exc) from None
                except MemoryError:  # durable_rules reports its own allocation failures so
                    raise EngineError("the engine ran out of memory (durable_rules error code 101)") from None
            if self._errors:
                raise EngineError(f"a rule action failed: {self._errors[0]!r}")
            return list(self._fired)
        finally:
            self._ruleset.delete_state(sid)
            self._fired.clear()
            self._errors.clear()
