"""Load and validate a rulebook directory into frozen values (stage 1 and 2 of 5).

Every check that can be made without a case is made here, once, so evaluation never meets
a malformed rule: the published JSON Schemas first, then what a schema cannot say (field
paths that exist, values of the right type, quotes that are really in the source text,
jurisdiction that matches the document's reach, derived facts that are produced somewhere
and never in a cycle).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import attrs

from . import conditions as c
from .errors import RuleFileError, suggest
from .factschema import ORDERED_TYPES, EntitySpec, FactSchema, FieldSpec, ValueProblem, check_value, display, encode
from .jsonschemas import field_name, validate
from .law.tree import ClauseTree, Part, StructureError, build_tree
from .model import Amount, Citation, Deadline, Document, Effect, Party, Range, Rule
from .safetext import show
from .sources import SourceText, load_source
from .yamlio import Located, read_yaml, to_date

SCHEMA_DIR = "schema"


@attrs.frozen
class Feature:
    """One value of a subject's flat fact: the field at `path`, or membership of `member` in it."""

    key: str
    path: str
    steps: tuple[str, ...]  # the path's field names
    targets: tuple[str, ...]  # entity type reached by each link step (all steps but the last)
    member: str | None = None


@attrs.frozen
class Classification:
    """Sentences no rule encodes, the kind of sentence they are and why (rules/classification/)."""

    document: str
    sentences: tuple[str, ...]  # sentence ids
    kind: str
    reason: str
    see: tuple[str, ...]
    file: str
    line: int | None


@attrs.frozen
class RulebookData:
    root: Path
    documents: tuple[Document, ...]
    sources: dict[str, SourceText]
    trees: dict[str, ClauseTree]
    schema: FactSchema
    rules: tuple[Rule, ...]
    contradictions: tuple["Contradiction", ...]
    features: dict[str, tuple[Feature, ...]]  # per subject entity type
    classifications: tuple[Classification, ...]
    kinds: dict[str, str]  # classification kind -> its Chinese title, from the published schema
    digest: str


def flat_key(path: str, member: str | None = None) -> str:
    key = path.replace(".", "__")
    if member is not None:
        key += "__has__" + hashlib.sha1(member.encode("utf-8")).hexdigest()[:10]
    return key


# --------------------------------------------------------------------------- documents


def _load_documents(root: Path, digest: "hashlib._Hash") -> tuple[tuple[Document, ...], dict[str, SourceText], dict[str, ClauseTree]]:
    located = _read(root / "documents.yaml", root, digest)
    validate(located, root / SCHEMA_DIR / "documents.schema.json")
    documents: list[Document] = []
    sources: dict[str, SourceText] = {}
    trees: dict[str, ClauseTree] = {}
    for index, raw in enumerate(located.data["documents"]):
        where = ("documents", index)
        if raw["key"] in sources:
            raise _err(located, where + ("key",), f"duplicate document key {show(raw['key'])}")
        binds = raw["binds"] or {}
        if (raw["level"] == "national") != (not binds):
            raise _err(located, where + ("binds",), "a national document binds no region; a city or province document must")
        if raw["level"] == "city" and "city" not in binds:
            raise _err(located, where + ("binds",), "a city document must name its city")
        document = Document(
            key=raw["key"],
            title=raw["title"],
            number=raw["number"],
            issuers=tuple(raw["issuers"]),
            date=raw["date"],
            level=raw["level"],
            binds=tuple((k, binds[k]) for k in ("province", "city") if k in binds),
            source=raw["source"],
            complete=raw.get("complete", False),
        )
        try:
            date_span(document.date)
            source = load_source(document, root, raw.get("citable_section"), raw.get("exclude", []))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise _err(located, where + ("source",), str(exc)) from None
        digest.update(source.raw.encode("utf-8"))
        parts = [Part(p.get("path"), p["start"], p.get("table", False)) for p in raw["parts"]]
        try:
            trees[document.key] = build_tree(document.key, source.raw, parts, *source.section, source.excluded)
        except StructureError as exc:
            raise _err(located, where + ("parts",), str(exc)) from None
        documents.append(document)
        sources[document.key] = source
    return tuple(documents), sources, trees


# --------------------------------------------------------------------------- fact schema


def _load_schema(root: Path, digest: "hashlib._Hash") -> tuple[FactSchema, Located]:
    located = _read(root / "facts.yaml", root, digest)
    validate(located, root / SCHEMA_DIR / "facts.schema.json")
    entities = []
    names = list(located.data["entities"])
    for name, raw in located.data["entities"].items():
        fields = []
        for fname, spec in raw["fields"].items():
            target = spec.get("entity")
            if target is not None and target not in names:
                raise _err(
                    located,
                    ("entities", name, "fields", fname, "entity"),
                    f"unknown entity {show(target)}{suggest(target, names)}",
                )
            if spec.get("yearly") and spec["type"] in ("ref", "list"):
                raise _err(located, ("entities", name, "fields", fname, "yearly"), f"a {spec['type']} field cannot be yearly")
            fields.append(
                FieldSpec(
                    name=fname,
                    type=spec["type"],
                    label=spec["label"],
                    unit=spec.get("unit"),
                    values=tuple((spec.get("values") or {}).items()),
                    entity=target,
                    yearly=bool(spec.get("yearly", False)),
                )
            )
        entities.append(EntitySpec(name=name, label=raw["label"], fields=tuple(fields)))
    return FactSchema(entities=tuple(entities)), located


# --------------------------------------------------------------------------- rules


def date_span(text: str) -> tuple[_dt.date, _dt.date] | None:
    """The first and last day a (possibly partial) date can mean; None for unknown."""
    if text == "unknown":
        return None
    parts = [int(p) for p in text.split("-")]
    try:
        if len(parts) == 3:
            day = _dt.date(*parts)
            return day, day
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1]
            return _dt.date(parts[0], parts[1], 1), _dt.date(parts[0], parts[1], last)
        return _dt.date(parts[0], 1, 1), _dt.date(parts[0], 12, 31)
    except ValueError:
        raise ValueError(f"not a calendar date: {show(text)}") from None


@attrs.define
class _RuleContext:
    located: Located
    schema: FactSchema
    subject: str
    base: tuple[Any, ...]
    features: dict[str, dict[str, Feature]]

    def err(self, path: tuple[Any, ...], message: str) -> RuleFileError:
        return _err(self.located, self.base + path, message)

    def origin(self, kind: str, path: tuple[Any, ...]) -> c.Origin:
        return c.Origin(kind=kind, file=self.located.name or self.located.file, line=self.located.line(self.base + path))

    def feature(self, path: str, walked: list[FieldSpec], member: str | None = None) -> str:
        """Register the flat-fact value for `path`; `walked` are the links resolve() followed."""
        key = flat_key(path, member)
        steps = tuple(path.split("."))
        targets = tuple(spec.entity or "" for spec in walked[: len(steps) - 1])  # the last step is the field
        feature = Feature(key=key, path=path, steps=steps, targets=targets, member=member)
        self.features.setdefault(self.subject, {})[key] = feature
        return key


def _compare(ctx: _RuleContext, raw: dict[str, Any], where: tuple[Any, ...], kind: str) -> c.Compare:
    path, op = raw["field"], raw["op"]
    try:
        walked, spec, entity = ctx.schema.resolve(ctx.subject, path)
    except ValueProblem as exc:
        raise ctx.err(where + ("field",), str(exc)) from None
    if spec is None:
        if not walked:
            raise ctx.err(where + ("field",), "a condition needs a field, not the subject itself")
        spec = walked[-1]  # the path names a linked entity: only its presence can be tested
        if op not in c.PRESENCE_OPS:
            raise ctx.err(where + ("op",), f"{path} is a link to a {entity}; only exists / missing apply")
    has_value = "value" in raw
    if op in c.PRESENCE_OPS:
        if has_value:
            raise ctx.err(where + ("value",), f"{op} takes no value")
        return c.Compare(path, op, ctx.feature(path, walked), None, spec.type, "", ctx.origin(kind, where))
    if not has_value:
        raise ctx.err(where, f"missing required field 'value' for op {op}")
    value = raw["value"]
    if op in c.ORDERING_OPS and spec.type not in ORDERED_TYPES:
        raise ctx.err(where + ("op",), f"{op} needs a number or a date; {path} is a {spec.type}")
    try:
        if op == "in":
            if not isinstance(value, list) or not value:
                raise ValueProblem("in needs a non-empty list of values")
            encoded: Any = tuple(encode(check_value(spec, item)) for item in value)
            shown = display(tuple(check_value(spec, item) for item in value))
            return c.Compare(path, op, ctx.feature(path, walked), encoded, spec.type, shown, ctx.origin(kind, where))
        if op == "contains":
            if spec.type != "list":
                raise ValueProblem(f"contains needs a list field; {path} is a {spec.type}")
            member = check_value(spec, [value])[0]
            key = ctx.feature(path, walked, member)
            return c.Compare(path, op, key, True, "bool", member, ctx.origin(kind, where))
        if spec.type == "list":
            raise ValueProblem(f"{path} is a list: use contains, exists or missing")
        canonical = check_value(spec, value)
    except ValueProblem as exc:
        raise ctx.err(where + ("value",), f"{path}: {exc}") from None
    return c.Compare(path, op, ctx.feature(path, walked), encode(canonical), spec.type, display(canonical), ctx.origin(kind, where))


def _condition(ctx: _RuleContext, raw: dict[str, Any], where: tuple[Any, ...], derived_ok: bool, derived: dict[str, set[str]]) -> c.Node:
    if "all" in raw:
        top = derived_ok and where == ("when",)  # only the top-level all may hold derived facts
        return c.AllOf(tuple(_condition(ctx, item, where + ("all", i), top, derived) for i, item in enumerate(raw["all"])))
    if "any" in raw:
        return c.AnyOf(tuple(_condition(ctx, item, where + ("any", i), False, derived) for i, item in enumerate(raw["any"])))
    if "not" in raw:
        return c.Not(_condition(ctx, raw["not"], where + ("not",), False, derived))
    if "derived" in raw:
        key = raw["derived"]
        if not derived_ok:
            raise ctx.err(where + ("derived",), "a derived fact may only be required at the top level of `when` or inside its top-level `all`, not under any / not")
        produced = derived.get(ctx.subject, set())
        if key not in produced:
            raise ctx.err(where + ("derived",), f"no derived rule for {ctx.subject} derives {show(key)}{suggest(key, produced)}")
        return c.Derived(key, ctx.origin("when", where))
    return _compare(ctx, raw, where, "when")


def _jurisdiction(ctx: _RuleContext, raw: Any, document: Document) -> list[c.Node]:
    if raw == "none":
        if document.level != "national":
            raise ctx.err(("jurisdiction",), f"{document.key} binds only {'/'.join(v for _, v in document.binds)}: say which region counts, e.g. {{via: school.region}}")
        return []
    if document.level == "national":
        raise ctx.err(("jurisdiction",), f"{document.key} is a national document: write jurisdiction: none")
    via = raw["via"]
    try:
        walked, spec, entity = ctx.schema.resolve(ctx.subject, via)
    except ValueProblem as exc:
        raise ctx.err(("jurisdiction", "via"), str(exc)) from None
    if spec is not None or entity != "region":
        raise ctx.err(("jurisdiction", "via"), f"{show(via)} does not lead from {ctx.subject} to a region")
    prefix = "" if via in ("self", "") else via + "."
    nodes: list[c.Node] = []
    for level, name in document.binds:
        nodes.append(_compare(ctx, {"field": prefix + level, "op": "==", "value": name}, ("jurisdiction",), "jurisdiction"))
    return nodes


def _window(ctx: _RuleContext, raw: dict[str, Any] | None, document: Document) -> c.Window:
    raw = raw or {}
    start_text = raw.get("from", document.date)
    end_text = raw.get("until", "unknown")
    try:
        start = date_span(start_text)
        end = date_span(end_text)
    except ValueError as exc:
        raise ctx.err(("in_force",), str(exc)) from None
    if start is None:  # start unknown: never surely in force, never surely not
        start_sure, start_out = _dt.date.max.toordinal(), 0
    else:
        start_sure, start_out = start[1].toordinal(), start[0].toordinal() - 1
    end_sure = end_out = None
    if end is not None:
        end_sure, end_out = end[0].toordinal(), end[1].toordinal() + 1
    if start is not None and end is not None and end[1] < start[0]:
        raise ctx.err(("in_force",), f"in force until {end_text}, which is before it starts ({start_text})")
    # The text's own words on when it applies are shown with the check, so an answer of
    # "not yet in force" also says what the text claims (附件 15: 从2017年起).
    shown = f"from {start_text} until {end_text}" + (f" ({raw['text']})" if raw.get("text") else "")
    return c.Window(start_sure, start_out, end_sure, end_out, shown, ctx.origin("in_force", ("in_force",)))


def _deadline(ctx: _RuleContext, raw: dict[str, Any] | None) -> Deadline | None:
    if raw is None:
        return None
    if "recurring" in raw:
        rec = raw["recurring"]
        return Deadline(text=raw["text"], recurring=(rec["month"], rec["day"]))
    if raw["date"] == "unknown":
        window = raw.get("window")
        if window is None:
            return Deadline(text=raw["text"])
        bounds = (to_date(window["from"]), to_date(window["to"]))
        if None in bounds:
            raise ctx.err(("deadline", "window"), f"not calendar dates: {show(window)}")
        if bounds[0] > bounds[1]:  # type: ignore[operator]
            raise ctx.err(("deadline", "window"), f"from {window['from']} is after to {window['to']}")
        return Deadline(text=raw["text"], window=bounds)  # type: ignore[arg-type]
    if "window" in raw:
        raise ctx.err(("deadline", "window"), "a window is for a deadline whose date is unknown")
    day = to_date(raw["date"])
    if day is None:
        raise ctx.err(("deadline", "date"), f"not a calendar date: {show(raw['date'])}")
    return Deadline(text=raw["text"], date=day)


def _party(ctx: _RuleContext, raw: dict[str, Any] | None, name: str) -> Party | None:
    if raw is None:
        return None
    if ctx.schema.entity(raw["entity"]) is None:
        raise ctx.err((name, "entity"), f"unknown entity type {show(raw['entity'])}{suggest(raw['entity'], ctx.schema.entity_names())}")
    return Party(entity=raw["entity"], label=raw["label"])


def _citations(ctx: _RuleContext, raw: list[Any], clause: str, source: SourceText, tree: ClauseTree) -> tuple[Citation, ...]:
    document = source.document
    out = []
    for i, quote in enumerate(raw):
        text, qclause = (quote, clause) if isinstance(quote, str) else (quote["text"], quote.get("clause", clause))
        if tree.clause(qclause) is None:
            where = ("quotes", i) if isinstance(quote, str) else ("quotes", i, "clause")
            raise ctx.err(where, f"{document.key} has no clause {show(qclause)}{suggest(qclause, [c.path for c in tree.clauses])}")
        if not source.contains(text):
            raise ctx.err(("quotes", i), f"quote is not in the text of {document.key} ({document.source}): {show(text[:40])}…")
        if not tree.quoted(qclause, text):
            raise ctx.err(("quotes", i), f"quote is in {document.key} but not in its clause {qclause}: {show(text[:40])}…")
        out.append(Citation(document.key, document.number, document.title, qclause, text.strip(), document.issuers, document.date))
    return tuple(out)


def _build_rule(
    located: Located,
    raw: dict[str, Any],
    index: int,
    position: int,
    clause: str,
    document: Document,
    source: SourceText,
    tree: ClauseTree,
    schema: FactSchema,
    derived: dict[str, set[str]],
    features: dict[str, dict[str, Feature]],
) -> Rule:
    base = ("rules", index)
    subject = raw["subject"]
    if schema.entity(subject) is None:
        raise _err(located, base + ("subject",), f"unknown entity type {show(subject)}{suggest(subject, schema.entity_names())}")
    ctx = _RuleContext(located, schema, subject, base, features)
    modality = raw["modality"]
    if modality == "derived":
        if "derives" not in raw or "effect" in raw:
            raise ctx.err((), "a derived rule states `derives` (and no `effect`)")
        named = raw["derives"]
    else:
        if "effect" not in raw or "derives" in raw:
            raise ctx.err((), f"a {modality} rule states `effect` (and no `derives`)")
        named = raw["effect"]
    window = _window(ctx, raw.get("in_force"), document)
    parts: list[c.Node] = [window, *_jurisdiction(ctx, raw["jurisdiction"], document)]
    if "when" in raw:
        when = _condition(ctx, raw["when"], ("when",), True, derived)
        parts.extend(when.items if isinstance(when, c.AllOf) else [when])
    raw_thresholds = raw.get("thresholds", [])
    thresholds = tuple(
        _compare(ctx, {k: v for k, v in t.items() if k != "approximate"}, ("thresholds", i), "threshold")
        for i, t in enumerate(raw_thresholds)
    )
    approximate = tuple(bool(t.get("approximate", False)) for t in raw_thresholds)
    amount = raw.get("amount")
    rng = raw.get("range")
    if rng is not None and rng["min"] > rng["max"]:
        raise ctx.err(("range",), f"min {rng['min']} is above max {rng['max']}")
    return Rule(
        id=raw["id"],
        index=position,
        document=document,
        clause=clause,
        title=raw["title"],
        modality=modality,
        subject=subject,
        bearer=_party(ctx, raw["bearer"], "bearer"),  # type: ignore[arg-type]
        beneficiary=_party(ctx, raw.get("beneficiary"), "beneficiary"),
        responsible=tuple(raw.get("responsible", [])),
        effect=Effect(key=named["key"], label=named["label"]),
        condition=c.AllOf(tuple(parts)),
        thresholds=thresholds,
        approximate=approximate,
        amount=Amount(amount["value"], amount["unit"], amount.get("period"), amount.get("approximate", False)) if amount else None,
        range=Range(rng["min"], rng["max"], rng["unit"], rng.get("of")) if rng else None,
        deadline=_deadline(ctx, raw.get("deadline")),
        in_force=window,
        citations=_citations(ctx, raw["quotes"], clause, source, tree),
        note=raw.get("note"),
        file=located.file,
        rulebook_file=located.name or located.file,
        line=located.line(base),
        prevails_over=tuple(raw.get("prevails_over", [])),
    )


def _natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _check_derivation_cycles(rules: list[Rule]) -> None:
    producers: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        if rule.derived:
            producers.setdefault((rule.subject, rule.effect.key), []).append(rule)

    def needs(rule: Rule) -> set[tuple[str, str]]:
        return {(rule.subject, leaf.key) for leaf in c.leaves(rule.condition) if isinstance(leaf, c.Derived)}

    state: dict[tuple[str, str], int] = {}

    def visit(key: tuple[str, str], trail: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            rule = producers[key][0]
            raise RuleFileError(f"derived facts form a cycle: {' -> '.join(trail + [key[1]])}", file=rule.file, line=rule.line, field="when")
        state[key] = 1
        for rule in producers.get(key, []):
            for dep in needs(rule):
                visit(dep, trail + [key[1]])
        state[key] = 2

    for key in producers:
        visit(key, [])


def load(root: Path) -> RulebookData:
    """Load, validate and resolve the rulebook at `root` (the folder holding documents.yaml)."""
    root = Path(root)
    if not (root / "documents.yaml").is_file():
        raise RuleFileError("not a rulebook: documents.yaml not found", file=str(root))
    digest = hashlib.sha256()
    documents, sources, trees = _load_documents(root, digest)
    schema, facts_file = _load_schema(root, digest)
    by_key = {d.key: d for d in documents}

    files = sorted((root / "clauses").glob("*/*.yaml"), key=lambda p: (_natural(p.parent.name), _natural(p.name)))
    order = {d.key: i for i, d in enumerate(documents)}
    parsed: list[tuple[Located, dict[str, Any]]] = []
    for path in files:
        located = _read(path, root, digest)
        validate(located, root / SCHEMA_DIR / "rule-file.schema.json")
        key = located.data["document"]
        if key not in by_key:
            raise _err(located, ("document",), f"unknown document {show(key)}{suggest(key, by_key)}")
        clause = located.data["clause"]
        if trees[key].clause(clause) is None:
            raise _err(located, ("clause",), f"{key} has no clause {show(clause)}{suggest(clause, [c.path for c in trees[key].clauses])}")
        parsed.append((located, located.data))
    parsed.sort(key=lambda item: order[item[1]["document"]])

    derived: dict[str, set[str]] = {}
    for _, data in parsed:
        for raw in data["rules"]:
            if raw["modality"] == "derived" and "derives" in raw:
                derived.setdefault(raw["subject"], set()).add(raw["derives"]["key"])

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    features: dict[str, dict[str, Feature]] = {}
    for located, data in parsed:
        document = by_key[data["document"]]
        for index, raw in enumerate(data["rules"]):
            if raw["id"] in seen:
                raise _err(located, ("rules", index, "id"), f"duplicate rule id {show(raw['id'])} (first in {seen[raw['id']]})")
            seen[raw["id"]] = located.file
            rules.append(
                _build_rule(located, raw, index, len(rules), data["clause"], document, sources[document.key], trees[document.key], schema, derived, features)
            )
    _check_derivation_cycles(rules)
    contradictions = _load_contradictions(facts_file, schema, features)

    classifications = _load_classifications(root, digest, trees)
    return RulebookData(
        root=root,
        documents=documents,
        sources=sources,
        trees=trees,
        schema=schema,
        rules=tuple(rules),
        contradictions=contradictions,
        features={subject: tuple(sorted(feats.values(), key=lambda f: f.key)) for subject, feats in features.items()},
        classifications=classifications,
        kinds=_kinds(root),
        digest=digest.hexdigest(),
    )


@attrs.frozen
class Contradiction:
    """Facts that cannot all be true of one entity (facts.yaml `contradictions`): such a case is refused."""

    subject: str
    condition: c.Node
    says: str  # why, in the schema's words
    file: str
    line: int | None


def _load_contradictions(located: Located, schema: FactSchema, features: dict[str, dict[str, Feature]]) -> tuple[Contradiction, ...]:
    """Compiled like rule conditions, so the same flat fact and evaluator decide them."""
    out = []
    for i, raw in enumerate(located.data.get("contradictions", [])):
        base = ("contradictions", i)
        subject = raw["subject"]
        if schema.entity(subject) is None:
            raise _err(located, base + ("subject",), f"unknown entity type {show(subject)}{suggest(subject, schema.entity_names())}")
        ctx = _RuleContext(located, schema, subject, base, features)
        condition = _condition(ctx, raw["when"], ("when",), False, {})
        out.append(Contradiction(subject, condition, raw["says"], located.file, located.line(base)))
    return tuple(out)


def _load_classifications(root: Path, digest: "hashlib._Hash", trees: dict[str, ClauseTree]) -> tuple[Classification, ...]:
    """Each file names its document; every sentence id or clause it names must exist in that document."""
    out: list[Classification] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted((root / "classification").glob("*.yaml")):
        located = _read(path, root, digest)
        validate(located, root / SCHEMA_DIR / "classification.schema.json")
        key = located.data["document"]
        if key not in trees:
            raise _err(located, ("document",), f"unknown document {show(key)}{suggest(key, trees)}")
        tree = trees[key]
        for i, entry in enumerate(located.data["entries"]):
            where = ("entries", i)
            if "clause" in entry:
                if tree.clause(entry["clause"]) is None:
                    raise _err(located, where + ("clause",), f"{key} has no clause {show(entry['clause'])}{suggest(entry['clause'], [c.path for c in tree.clauses])}")
                ids = tuple(s.id for c in tree.descendants(entry["clause"]) for s in c.sentences)
            else:
                ids = tuple(entry["sentences"])
            for field in ("sentences", "see"):
                for j, sid in enumerate(entry.get(field, [])):
                    if tree.sentence(sid) is None:
                        raise _err(located, where + (field, j), f"{key} has no sentence {show(sid)} (see `policyrules coverage --document {key}`)")
            for sid in ids:
                if (key, sid) in seen:
                    raise _err(located, where, f"sentence {sid} is classified twice (first at line {seen[(key, sid)]})")
                seen[(key, sid)] = str(located.line(where))
            out.append(Classification(key, ids, entry["kind"], entry["reason"], tuple(entry.get("see", [])), located.file, located.line(where)))
    return tuple(out)


def _kinds(root: Path) -> dict[str, str]:
    schema = json.loads((root / SCHEMA_DIR / "classification.schema.json").read_text(encoding="utf-8"))
    return {kind["const"]: kind["title"] for kind in schema["$defs"]["kind"]["oneOf"]}


def _read(path: Path, root: Path, digest: "hashlib._Hash") -> Located:
    name = path.relative_to(root).as_posix()
    located = attrs.evolve(read_yaml(path), name=name)
    digest.update(str(path.relative_to(root)).encode("utf-8"))
    digest.update(repr(located.data).encode("utf-8"))
    if not isinstance(located.data, dict):
        raise RuleFileError("expected a mapping at the top of the file", file=located.file, line=1)
    return located


def _err(located: Located, path: tuple[Any, ...], message: str) -> RuleFileError:
    return RuleFileError(message, file=located.file, line=located.line(path), field=field_name(path) or None)
