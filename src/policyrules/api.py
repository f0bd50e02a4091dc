"""The public entry point: load a rulebook, evaluate cases (stages 4 and 5 together).

`Rulebook.evaluate` asks durable_rules which rules fire and asks the explainer the same
question three-valued; the two must agree, or the evaluation fails loudly rather than
returning an answer nobody can explain.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from . import conditions as c
from .case import Case, Entity, FactPlan, flat_fact, normalised, parse_case
from .decision import Bearer, Decision, Finding, FindingStatus, Outcome, SubjectRef
from .cache import load_cached
from .codegen import APPLIES, STATUSES, compile_statuses
from .engine import Engine
from .errors import EngineError, EvaluationError, FactError
from .explain import Check, Status, compile_explain, compile_truth
from .explanation.build import Builder
from .explanation.counterfactual import Counterfactual, counterfactual
from .factschema import FactSchema
from .loader import Contradiction, RulebookData, load
from .model import Document, Party, Rule
from .record import DocumentVersion, canonical_json, document_versions
from .resources import bundled_rulebook
from .safetext import show
from .yamlio import read_yaml, to_date

_Prepared = tuple[Case, _dt.date, list[dict[str, Any]], list[Entity]]  # case, as_of, flat facts, their subjects
_COMPLIANCE = {Status.APPLIES: FindingStatus.MET, Status.DOES_NOT_APPLY: FindingStatus.UNMET, Status.UNDETERMINED: FindingStatus.UNKNOWN}


def load_rulebook(path: str | Path | None = None, *, cache: bool = True) -> "Rulebook":
    """The bundled rulebook, or the one in the folder `path` (holding documents.yaml).

    A rulebook loaded before from exactly the same files (and the same policyrules and
    Python) is read from the user's cache folder instead of validated again; `cache=False`,
    or POLICYRULES_CACHE=0, always loads afresh (see cache.py).
    """
    root = Path(path) if path is not None else bundled_rulebook()
    return Rulebook(load_cached(root) if cache else load(root))


def load_case(path: str | Path, rulebook: "Rulebook") -> Case:
    """Read a case file (YAML or JSON) and check it against the rulebook's fact schema."""
    located = read_yaml(Path(path))
    return parse_case(located.data, rulebook.schema, located=located)


class Rulebook:
    """A validated, compiled rulebook. Safe to share between threads."""

    def __init__(self, data: RulebookData) -> None:
        self.data = data
        self._engine = Engine(data.rules)
        self._by_subject: dict[str, tuple[Rule, ...]] = {}
        for rule in data.rules:
            self._by_subject[rule.subject] = self._by_subject.get(rule.subject, ()) + (rule,)
        self._order = {rule.id: rule.index for rule in data.rules}
        self._plans = {subject: FactPlan(features) for subject, features in data.features.items()}
        self._versions = document_versions(data)
        # The explainer's compiled conditions, built for a rule the first time it is asked about.
        self._truth = _PerRule(data.rules, lambda rule: compile_truth(rule.condition))
        # Every rule's status for a subject, in one generated function per subject type (codegen.py).
        self._statuses = {subject: compile_statuses(rules, f"statuses_{subject}") for subject, rules in self._by_subject.items()}
        self._explain = _PerRule(data.rules, lambda rule: compile_explain(rule.condition))
        self._builder = Builder(data.rules, data.schema)  # explanations, made from the checks
        self._thresholds = _PerRule(data.rules, lambda rule: tuple(compile_explain(t) for t in rule.thresholds))
        # Per threshold: does it test a yearly figure (a 每年 duty, judged when its year ends)?
        self._yearly = {
            rule.index: tuple(bool(getattr(data.schema.resolve(rule.subject, t.path)[1], "yearly", False)) for t in rule.thresholds)
            for rule in data.rules
        }
        self._contradictions: dict[str, list[tuple[Contradiction, Any]]] = {}
        for contradiction in data.contradictions:
            self._contradictions.setdefault(contradiction.subject, []).append((contradiction, compile_truth(contradiction.condition)))
        # Each rule's bearer and beneficiary, where they are not the subject (then they are
        # the same for every finding): None where the subject's id is filled in per finding.
        self._parties = {rule.index: (_party(rule.bearer, rule), _party(rule.beneficiary, rule)) for rule in data.rules}
        self._producers: dict[tuple[str, str], tuple[Rule, ...]] = {}
        for rule in data.rules:
            if rule.derived:
                key = (rule.subject, rule.effect.key)
                self._producers[key] = self._producers.get(key, ()) + (rule,)

    def __repr__(self) -> str:
        return f"<Rulebook {len(self.rules)} rules from {len(self.documents)} documents, digest {self.digest[:12]}>"

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.data.rules

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.data.documents

    @property
    def schema(self) -> FactSchema:
        return self.data.schema

    @property
    def digest(self) -> str:
        return self.data.digest

    @property
    def versions(self) -> tuple[DocumentVersion, ...]:
        """Each document's key, 文号, date and the digest of its bundled text (what a record names)."""
        return self._versions

    def fact_plan(self, subject: str) -> FactPlan:
        """How the flat fact of a `subject` entity is built (the values its rules test)."""
        return self._plans.get(subject, _NO_FEATURES)

    def rule(self, rule_id: str) -> Rule:
        return self.data.rules[self._order[rule_id]]

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, case: Mapping[str, Any] | Case, as_of: str | _dt.date | None = None, *, explain: bool = True) -> Decision:
        """Evaluate one case. as_of defaults to the case's own as_of, else today.

        With explain=False every outcome still has its status (applies / does not apply /
        undetermined) but no checks: the fast path for bulk runs that only need answers.
        """
        return self.evaluate_many([case], as_of=as_of, explain=explain)[0]

    def evaluate_many(
        self, cases: Iterable[Mapping[str, Any] | Case], as_of: str | _dt.date | None = None, *, explain: bool = True
    ) -> list[Decision]:
        """Evaluate several cases: every case is checked before any is decided (a bad one
        raises before anything runs); consecutive cases share the engine's native sessions."""
        prepared = [self._prepare(case, as_of) for case in cases]
        firings = self._engine.run([facts for _, _, facts, _ in prepared])
        return [self._decide(*item, fired, explain) for item, fired in zip(prepared, firings, strict=True)]

    def evaluate_iter(
        self, cases: Iterable[Mapping[str, Any] | Case], as_of: str | _dt.date | None = None, *, explain: bool = True
    ) -> Iterator[Decision]:
        """Evaluate cases as they come, yielding each decision when it is made.

        For a registry too large to hold: cases are read from `cases` one at a time and no
        decision is kept here, so memory stays flat however many there are (the native
        sessions are shared between consecutive cases all the same). A case that cannot be
        evaluated raises when it is reached, after the decisions before it were yielded.
        """
        for case in cases:
            yield self.evaluate_many((case,), as_of=as_of, explain=explain)[0]

    def _prepare(self, case: Mapping[str, Any] | Case, as_of: str | _dt.date | None) -> _Prepared:
        parsed = case if isinstance(case, Case) else parse_case(case, self.data.schema)
        day = _as_of(as_of, parsed)
        subjects: list[Entity] = []
        facts: list[dict[str, Any]] = []
        for entity in parsed.entities:
            if entity.type in self._by_subject or entity.type in self._contradictions:
                fact = flat_fact(parsed, entity, self.fact_plan(entity.type), day)
                self._refuse_contradictions(entity, fact)
                if entity.type in self._by_subject:
                    subjects.append(entity)
                    facts.append(fact)
        return parsed, day, facts, subjects

    def _refuse_contradictions(self, entity: Entity, fact: Mapping[str, Any]) -> None:
        """A case whose facts contradict each other is refused, not decided (facts.yaml `contradictions`)."""
        for contradiction, holds in self._contradictions.get(entity.type, ()):
            if holds(fact, _no_derived) is Status.APPLIES:
                paths = sorted({leaf.path for leaf in c.leaves(contradiction.condition) if isinstance(leaf, c.Compare)})
                raise FactError(
                    f"{entity.type} {show(entity.id)}: contradictory facts: {contradiction.says}",
                    field=", ".join(f"{entity.type}.{path}" for path in paths),
                )

    def _decide(self, case: Case, day: _dt.date, facts: list[dict[str, Any]], subjects: list[Entity], fired: list[tuple[int, str]], explain: bool) -> Decision:
        findings: list[Finding] = []
        tables: list[_Table] = []
        # (rule index, subject id): a rule's index fixes its subject type.
        engine_says = set(fired)
        explainer_says: set[tuple[int, str]] = set()
        for entity, fact in zip(subjects, facts, strict=True):
            ref = SubjectRef(entity.type, entity.id)
            rules = self._by_subject[entity.type]
            codes = self._statuses[entity.type](fact)
            # With explain, each outcome's checks are built when first read, from this fact
            # (one memo per subject, so a derived fact's checks are built once).
            tables.append((ref, rules, codes, _Why(self, fact) if explain else None))
            if APPLIES in codes:
                applying = [rules[i] for i, code in enumerate(codes) if code == APPLIES]
                # Another year's figures, for a dated target judged after its deadline (rare: built on call).
                fact_of_year = partial(flat_fact, case, entity, self.fact_plan(entity.type), day)
                for rule in applying:
                    explainer_says.add((rule.index, entity.id))
                    findings.append(self._finding(rule, ref, fact, day, fact_of_year))
        if engine_says != explainer_says:
            diff = [(self.data.rules[i].subject, eid, self.data.rules[i].id) for i, eid in sorted(engine_says ^ explainer_says)]
            raise EngineError(f"engine and explainer disagree on {diff[:3]}; please report this with the case")
        order = self._order
        findings.sort(key=lambda f: (order[f.rule_id], f.subject.type, f.subject.id))
        # A case has hundreds of outcomes and most callers read only its findings: the outcome
        # records, the normalised facts and the explanation are made when first read, from
        # values that never change after this, so they are the same whenever they are made.
        outcomes = _Once(partial(_outcome_records, order, tables))
        explanation = None
        if explain:
            # Reshaping the checks already made; counterfactuals are asked for separately.
            applied = tuple((f.rule_id, f.subject) for f in findings)
            explanation = partial(_explained, self._builder, self.data.documents, case, applied, outcomes)
        return Decision(
            case=case.name,
            as_of=day,
            rulebook=self.data.digest,
            findings=tuple(findings),
            outcomes=outcomes,
            documents=self._versions,
            canonical_facts=partial(_facts_json, case),
            explanation=explanation,
        )

    def _outcome(
        self, rule: Rule, fact: Mapping[str, Any], memo: dict[int, tuple[Status, tuple[Check, ...]]], explain: bool
    ) -> tuple[Status, tuple[Check, ...]]:
        if rule.index not in memo:

            def derived(key: str) -> tuple[Status, tuple[Check, ...]]:
                """A conclusion holds if any rule drawing it applies; the checks are those rules' own."""
                producers = self._producers.get((rule.subject, key), ())
                results = [(p, *self._outcome(p, fact, memo, explain)) for p in producers]
                statuses = {status for _, status, _ in results}
                status = next(s for s in (Status.APPLIES, Status.UNDETERMINED, Status.DOES_NOT_APPLY) if s in statuses)
                because = tuple(
                    Check("rule", p.title, s.value, s, p.rulebook_file or p.file, p.line, checks, p.id) for p, s, checks in results if s is status
                )
                return status, because if explain else ()

            if explain:
                memo[rule.index] = self._explain[rule.index](fact, derived)
            else:
                memo[rule.index] = (self._truth[rule.index](fact, lambda key: derived(key)[0]), ())
        return memo[rule.index]

    def rule_status(self, rule: Rule, fact: Mapping[str, Any]) -> Status:
        """Whether `rule` applies to a subject's flat fact (its derived facts decided on the
        same fact): the question a counterfactual search asks of each trial change."""
        return self._outcome(rule, fact, {}, explain=False)[0]

    def producers(self, subject: str, key: str) -> tuple[Rule, ...]:
        """The rules that draw the derived fact `key` about a `subject` entity."""
        return self._producers.get((subject, key), ())

    def counterfactual(
        self, decision: Decision, rule_id: str, subject: str | None = None, allow: Iterable[str] = (), max_changes: int = 3
    ) -> Counterfactual | None:
        """The smallest set of fact changes that makes a benefit apply, verified by evaluating
        the changed case; place and date facts only when `allow`ed. Costly (it re-evaluates),
        so asked for, never part of evaluate. See explanation/counterfactual.py."""
        return counterfactual(self, decision, rule_id, subject, allow, max_changes)

    def _finding(
        self, rule: Rule, subject: SubjectRef, fact: Mapping[str, Any], day: _dt.date, fact_of_year: Callable[[int], Mapping[str, Any]]
    ) -> Finding:
        deadline = rule.deadline
        next_due = passed = None
        if deadline is not None:
            next_due, passed = deadline.next_due(day), deadline.passed(day)
        status = FindingStatus.APPLIES
        compliance: tuple[Check, ...] = ()
        if rule.thresholds:
            yearly = self._yearly[rule.index]
            year_state = _year_state(rule, day)
            # A dated target on yearly figures (到2023年底…达标率80%以上), judged after its deadline,
            # is judged on the figures of its deadline's year: later years' are not what it set.
            if passed and deadline is not None and deadline.date is not None and any(yearly) and deadline.date.year != day.year:
                fact, year_state = fact_of_year(deadline.date.year), "due"
            per_threshold = [t(fact, _no_derived)[1] for t in self._thresholds[rule.index]]
            compliance = tuple(check for checks in per_threshold for check in checks)
            status = _compliance(rule, per_threshold, passed, yearly, year_state)
        bearer, beneficiary = self._parties[rule.index]
        if bearer is None:  # the subject itself
            bearer = Bearer(rule.bearer.entity, rule.bearer.label, subject.id)
        if beneficiary is None and rule.beneficiary is not None:
            beneficiary = Bearer(rule.beneficiary.entity, rule.beneficiary.label, subject.id)
        return Finding(
            rule.id,
            rule.modality,
            rule.title,
            subject,
            bearer,
            beneficiary,
            rule.effect,
            rule.amount,
            rule.range,
            deadline,
            next_due,
            passed,
            status,
            compliance,
            rule.responsible,
            rule.citations,
            rule.note,
            rule.prevails_over,
        )


class _PerRule(dict[int, Any]):
    """rule index -> make(rule), made on first lookup (a value per rule, never changed after)."""

    def __init__(self, rules: tuple[Rule, ...], make: Callable[[Rule], Any]) -> None:
        super().__init__()
        self._rules = rules
        self._make = make

    def __missing__(self, index: int) -> Any:
        value = self[index] = self._make(self._rules[index])
        return value


class _Why:
    """The checks of one subject's outcomes, built on request (Outcome.checks) from its flat fact."""

    __slots__ = ("_book", "_fact", "_memo")

    def __init__(self, book: Rulebook, fact: Mapping[str, Any]) -> None:
        self._book = book
        self._fact = fact
        self._memo: dict[int, tuple[Status, tuple[Check, ...]]] = {}

    def __call__(self, rule_id: str) -> tuple[Check, ...]:
        book = self._book
        return book._outcome(book.rule(rule_id), self._fact, self._memo, True)[1]


_NO_FEATURES = FactPlan(())  # the plan of an entity type no rule tests


class _Once:
    """A function's value, made on the first call and kept (shared by a decision's outcomes and its explanation)."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make: Callable[[], Any] | None = make
        self._value: Any = None

    def __call__(self) -> Any:
        if self._make is not None:
            self._value, self._make = self._make(), None
        return self._value


_Table = tuple[SubjectRef, tuple[Rule, ...], tuple[int, ...], "_Why | None"]  # one subject's rules, status codes, checks


def _outcome_records(order: Mapping[str, int], tables: list[_Table]) -> tuple[Outcome, ...]:
    """Every rule's Outcome for every subject, sorted by rule, then subject."""
    outcomes = [
        Outcome(rule.id, ref, STATUSES[code], checks=() if why is None else partial(why, rule.id))
        for ref, rules, codes, why in tables
        for rule, code in zip(rules, codes, strict=True)
    ]
    outcomes.sort(key=lambda o: (order[o.rule_id], o.subject.type, o.subject.id))
    return tuple(outcomes)


def _explained(
    builder: Builder, documents: tuple[Document, ...], case: Case, applied: tuple[tuple[str, SubjectRef], ...], outcomes: Callable[[], tuple[Outcome, ...]]
) -> Any:
    return builder.explanation(case, applied, outcomes(), documents)


def _facts_json(case: Case) -> str:
    return canonical_json(normalised(case))


def _year_state(rule: Rule, day: _dt.date) -> str:
    """Whether the as_of year's 每年 duty can be judged on `day`: "open" before it falls due,
    "due" after, "unknown" when the document may have come into force only after this
    year's day (a text dated to the year alone: 2019's 4月底前 publication may never have been
    owed).

    A recurring day (每年12月15日前) is itself still in time; without one the year's figure is
    final on 31 December and judged on that day.
    """
    deadline = rule.deadline
    if deadline is None or deadline.recurring is None:
        return "open" if day < _dt.date(day.year, 12, 31) else "due"
    due = deadline.due_in(day.year).toordinal()
    if day.toordinal() <= due or due <= rule.in_force.start_out:
        return "open"  # not yet due, or due before the text surely existed: next year's counts
    return "unknown" if due < rule.in_force.start_sure else "due"


def _compliance(
    rule: Rule,
    per_threshold: list[tuple[Check, ...]],
    passed: bool | None,
    yearly: tuple[bool, ...],
    year_state: str,
) -> FindingStatus:
    """met / unmet / unknown, refined by what a bare comparison does not know.

    A figure written with 左右 that is missed is `approximate`: the text gives no tolerance,
    so the miss is reported, not judged. A duty with a one-off deadline is not breached
    before it: a miss is `pending` while the deadline has surely not passed, and `unknown`
    while it cannot be told (a term deadline inside its window, or one with no window). A
    每年 duty tested on a yearly figure is judged when its year's day has come: a miss of the
    as_of year's figure is `pending` until then (see `_year_state`), and `unknown` when the
    text may not have been in force on that day. A one-off deadline tested on yearly figures
    (到2023年底…达标率80%以上) is `pending` up to and including its day, and after it is judged
    on the figures of its own year (see `_finding`).
    """
    results = {check.result for checks in per_threshold for check in checks}
    worst = next(s for s in (Status.DOES_NOT_APPLY, Status.UNDETERMINED, Status.APPLIES) if s in results)
    status = _COMPLIANCE[worst]
    if status is not FindingStatus.UNMET:
        return status
    missed = [i for i, checks in enumerate(per_threshold) if any(c.result is Status.DOES_NOT_APPLY for c in checks)]
    if rule.deadline is not None and rule.deadline.recurring is None and passed is not True:
        return FindingStatus.PENDING if passed is False else FindingStatus.UNKNOWN
    if any(yearly[i] for i in missed) and year_state != "due":
        return FindingStatus.PENDING if year_state == "open" else FindingStatus.UNKNOWN
    if all(i < len(rule.approximate) and rule.approximate[i] for i in missed):
        return FindingStatus.APPROXIMATE
    return status


def _no_derived(key: str) -> Status:
    raise AssertionError("thresholds never test derived facts")


def _party(party: Party | None, rule: Rule) -> Bearer | None:
    return None if party is None or party.entity == rule.subject else Bearer(party.entity, party.label)


def _as_of(value: str | _dt.date | None, case: Case) -> _dt.date:
    if value is None:
        return case.as_of or _dt.date.today()
    day = to_date(value)
    if day is None:
        raise EvaluationError(f"as_of must be a date (YYYY-MM-DD), got {show(value)}")
    return day

