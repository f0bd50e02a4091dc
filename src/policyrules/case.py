"""Cases: the facts one evaluation is about, checked against the fact schema.

A case names entities by type (student, school, household, ...), each with an `id` and
fields; links between them are ids. A null field, or one left out, is an unknown fact:
rules that need it come out undetermined, never silently false. Everything is checked
before any rule runs, so a typo in a field name is an error, not a quietly missed benefit.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from .conditions import AS_OF
from .errors import FactError, suggest
from .factschema import FactSchema, ValueProblem, Yearly, check_id, check_value, check_yearly, encode
from .jsonschemas import field_name
from .loader import Feature
from .safetext import show
from .yamlio import Located, to_date

META_KEYS = ("case", "description", "as_of")
MAX_ENTITIES = 10_000


@attrs.frozen
class Entity:
    type: str
    id: str
    fields: Mapping[str, Any]  # canonical values; unknown fields are absent


@attrs.frozen
class Case:
    """A validated case. `entities` is sorted by (type, id) so input order never matters."""

    name: str | None
    as_of: _dt.date | None
    entities: tuple[Entity, ...]
    _index: dict[tuple[str, str], Entity] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {(e.type, e.id): e for e in self.entities})

    def get(self, type_: str, id_: str) -> Entity | None:
        return self._index.get((type_, id_))

    def of_type(self, type_: str) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.type == type_)


def _plain(value: Any) -> Any:
    """attrs instances (the API accepts them) become dicts."""
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    return value


def parse_case(data: Any, schema: FactSchema, located: Located | None = None) -> Case:
    """Check a case (dict, or dict of attrs objects) against the schema; `located` adds file and line to errors."""
    file = located.file if located else None

    def fail(path: tuple[Any, ...], message: str) -> FactError:
        line = located.line(path) if located else None
        return FactError(message, file=file, line=line, field=field_name(path) or None)

    data = _plain(data)
    if not isinstance(data, Mapping):
        raise fail((), f"a case is a mapping of entity types to entities, got {type(data).__name__}")
    name = data.get("case")
    if name is not None:
        try:
            name = check_id(name, "a case name")
        except ValueProblem as exc:
            raise fail(("case",), str(exc)) from None
    as_of = None
    if data.get("as_of") is not None:
        as_of = to_date(data["as_of"])
        if as_of is None:
            raise fail(("as_of",), f"expected a date (YYYY-MM-DD), got {show(data['as_of'])}")

    raw_entities: list[tuple[tuple[Any, ...], str, dict[str, Any]]] = []
    for type_, records in data.items():
        if type_ in META_KEYS:
            continue
        spec = schema.entity(type_) if isinstance(type_, str) else None
        if spec is None:
            allowed = list(schema.entity_names()) + list(META_KEYS)
            raise fail((type_,), f"unknown entity type {show(type_)}{suggest(type_, allowed)}")
        records = _plain(records)
        items = [(i, _plain(r)) for i, r in enumerate(records)] if isinstance(records, list) else [(None, records)]
        for index, record in items:
            path = (type_,) if index is None else (type_, index)
            if not isinstance(record, Mapping):
                raise fail(path, f"a {type_} is a mapping of fields, got {type(record).__name__}")
            raw_entities.append((path, type_, dict(record)))
    if len(raw_entities) > MAX_ENTITIES:
        raise fail((), f"a case holds at most {MAX_ENTITIES} entities")

    ids: dict[tuple[str, str], tuple[Any, ...]] = {}
    for path, type_, record in raw_entities:
        try:
            ident = check_id(record.get("id"), f"the {type_}'s id")
        except ValueProblem as exc:
            raise fail(path + ("id",), f"every {type_} needs an id: {exc}") from None
        record["id"] = ident
        key = (type_, ident)
        if key in ids:
            raise fail(path + ("id",), f"duplicate {type_} id {show(ident)}")
        ids[key] = path

    entities = []
    for path, type_, record in raw_entities:
        spec = schema.entity(type_)
        assert spec is not None
        values: dict[str, Any] = {}
        for fname, value in record.items():
            if fname == "id":
                continue
            fspec = spec.field(fname) if isinstance(fname, str) else None
            if fspec is None:
                raise fail(path + (fname,), f"{type_} has no field {show(fname)}{suggest(fname, spec.field_names())}")
            if value is None:
                continue
            try:
                canonical = check_yearly(fspec, value) if fspec.yearly else check_value(fspec, value)
            except ValueProblem as exc:
                raise fail(path + (fname,), str(exc)) from None
            if fspec.type == "ref" and (fspec.entity, canonical) not in ids:
                known = [i for (t, i) in ids if t == fspec.entity]
                raise fail(path + (fname,), f"no {fspec.entity} with id {show(canonical)} in this case{suggest(canonical, known)}")
            values[fname] = canonical
        entities.append(Entity(type=type_, id=record["id"], fields=values))
    entities.sort(key=lambda e: (e.type, e.id))
    return Case(name=name, as_of=as_of, entities=tuple(entities))


def normalised(case: Case) -> dict[str, list[dict[str, Any]]]:
    """The case's facts as JSON, in the one form every equivalent input comes to.

    Entities by type, sorted by id; fields sorted by name, unknown ones left out; values in
    their canonical form (dates as YYYY-MM-DD, a list as its sorted set of values, a yearly
    figure by year, a decimal as the shortest number that reads back as it). `parse_case`
    reads the result back to the same case, which is what lets a record be replayed; the
    name and as_of are the decision's, not repeated here.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for entity in case.entities:
        record: dict[str, Any] = {"id": entity.id}
        record.update((name, _json_value(entity.fields[name])) for name in sorted(entity.fields))
        out.setdefault(entity.type, []).append(record)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, Yearly):
        return {str(year): _json_value(item) for year, item in value.values}
    if isinstance(value, decimal.Decimal):  # at most 15 significant digits: a double holds it exactly
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


_AS_IS = frozenset({str, bool, int, float, tuple})  # canonical values the engine reads as they are (a list is a tuple)


@attrs.frozen
class FactPlan:
    """How one subject type's flat fact is built: its features grouped by the chain of links
    that reaches their field (`school.region` for `school.region.city`), so each chain is
    followed once per subject and each field read once, however many features use it.

    Made once per rulebook and subject type (Rulebook.fact_plan).
    """

    features: tuple[Feature, ...]
    # (link steps, entity type of each step, {field: ((feature key, member or None), ...)})
    chains: tuple[tuple[tuple[str, ...], tuple[str, ...], dict[str, tuple[tuple[str, str | None], ...]]], ...] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        chains: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, list[tuple[str, str | None]]]]] = {}
        for feature in self.features:
            targets, fields = chains.setdefault(feature.steps[:-1], (feature.targets, {}))
            fields.setdefault(feature.steps[-1], []).append((feature.key, feature.member))
        made = tuple((link, targets, {name: tuple(uses) for name, uses in fields.items()}) for link, (targets, fields) in chains.items())
        object.__setattr__(self, "chains", made)


def flat_fact(case: Case, entity: Entity, plan: FactPlan, as_of: _dt.date, year: int | None = None) -> dict[str, Any]:
    """The subject's flat fact: only the values rules test, encoded for the engine.

    Unknown values are left out (both the engine and the explainer read absence as
    unknown); `contains` features become true/false once the list itself is known. Yearly
    figures are those of `year`, by default the as_of year's (a dated target judged after
    its deadline reads its own year's figures). `_kind` and `_eid` come first (the engine
    reads an action's subject from the head of its text).
    """
    fact: dict[str, Any] = {"_kind": entity.type, "_eid": entity.id, AS_OF: as_of.toordinal()}
    the_year = as_of.year if year is None else year
    for link, targets, fields in plan.chains:
        holder: Entity | None = entity
        for step, target in zip(link, targets, strict=True):
            ref = holder.fields.get(step)  # type: ignore[union-attr]
            holder = None if ref is None else case.get(target, ref)
            if holder is None:
                break
        if holder is None:  # a link on the way is unknown: so is every value beyond it
            continue
        get = holder.fields.get
        for name, uses in fields.items():
            value = get(name)
            if isinstance(value, Yearly):  # a yearly figure: the year's, or unknown
                value = value.of(the_year)
            if value is None:
                continue
            if value.__class__ not in _AS_IS:  # a date or a decimal: the engine's form
                value = encode(value)
            for key, member in uses:
                fact[key] = value if member is None else member in value
    return fact
