"""The fact schema: which entities a case holds and what each field may contain.

It is the single authority on types. Rule conditions and case facts are both checked
against it, and it decides how a value is encoded for the engine (dates as day ordinals,
decimals as floats), so a rule's literal and a case's fact always meet in one form.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from .errors import suggest
from .safetext import clip, show
from .yamlio import to_date

ORDERED_TYPES = frozenset({"int", "decimal", "date"})
MAX_EXACT = 2**53
"""The engine compares numbers as doubles: larger magnitudes would compare inexactly."""
SIGNIFICANT_DIGITS = 15
DECIMAL_PLACES = 6
"""A decimal within both bounds is a distinct double (see `check_number`)."""
MAX_TEXT = 10_000
"""Characters in one text value. The engine cuts strings at 65,535 UTF-8 bytes; 10,000
characters stay below that whatever the script, and keep reports readable."""
MAX_ITEMS = 1_000
"""Values in one list field."""


@attrs.frozen
class FieldSpec:
    name: str
    type: str
    label: str
    unit: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (key, Chinese label) for enum / list
    entity: str | None = None  # for ref
    yearly: bool = False  # the case gives one value per year; rules read the as_of year's
    # The keys of `values`, as a set: every enum and list value of every case is looked up in it.
    keys: frozenset[str] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(key for key, _ in self.values))

    def value_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.values)


_Named = TypeVar("_Named", "FieldSpec", "EntitySpec")


def _named(items: tuple[_Named, ...], name: str) -> _Named | None:
    return next((item for item in items if item.name == name), None)


@attrs.frozen
class EntitySpec:
    name: str
    label: str
    fields: tuple[FieldSpec, ...]
    _by_name: dict[str, FieldSpec] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        # Every case, rule and explanation looks fields up by name: index them once.
        object.__setattr__(self, "_by_name", {spec.name: spec for spec in reversed(self.fields)})

    def field(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name) if isinstance(name, str) else _named(self.fields, name)

    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


class ValueProblem(ValueError):
    """A value does not fit its field; the message says why (caller adds the location)."""


@attrs.frozen
class FactSchema:
    entities: tuple[EntitySpec, ...]
    _by_name: dict[str, EntitySpec] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _resolved: dict[tuple[str, str], tuple[tuple[FieldSpec, ...], FieldSpec | None, str | None]] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {spec.name: spec for spec in reversed(self.entities)})
        object.__setattr__(self, "_resolved", {})  # resolve() answers: the schema is frozen, so are they

    def entity(self, name: str) -> EntitySpec | None:
        return self._by_name.get(name) if isinstance(name, str) else _named(self.entities, name)

    def entity_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.entities)

    def resolve(self, subject: str, path: str) -> tuple[list[FieldSpec], FieldSpec | None, str | None]:
        """Follow a dotted path from an entity type.

        Returns (the ref fields walked, the final field or None when the path names the
        entity itself, the entity type reached). Raises ValueProblem naming the first
        unknown step with the nearest valid name.
        """
        if not (isinstance(subject, str) and isinstance(path, str)):
            known = self._resolve(subject, path)
        else:
            known = self._resolved.get((subject, path))
            if known is None:
                known = self._resolve(subject, path)
                if len(self._resolved) < 100_000:  # bounded, whatever paths callers ask about
                    self._resolved[subject, path] = known
        return list(known[0]), known[1], known[2]

    def field_at(self, subject: str, path: str) -> FieldSpec | None:
        """The field a path ends at, or None (the path names an entity, or no field)."""
        try:
            return self.resolve(subject, path)[1]
        except ValueProblem:
            return None

    def _resolve(self, subject: str, path: str) -> tuple[tuple[FieldSpec, ...], FieldSpec | None, str | None]:
        walked, spec, reached = self._walk(subject, path)
        return tuple(walked), spec, reached

    def _walk(self, subject: str, path: str) -> tuple[list[FieldSpec], FieldSpec | None, str | None]:
        entity = self.entity(subject)
        if entity is None:
            raise ValueProblem(f"unknown entity type {show(subject)}{suggest(subject, self.entity_names())}")
        if path in ("self", ""):
            return [], None, entity.name
        steps = path.split(".")
        walked: list[FieldSpec] = []
        for position, step in enumerate(steps):
            spec = entity.field(step)
            if spec is None:
                raise ValueProblem(
                    f"{entity.name} has no field {show(step)}{suggest(step, entity.field_names())}"
                )
            last = position == len(steps) - 1
            if last:
                if spec.type == "ref":
                    walked.append(spec)
                    target = self.entity(spec.entity or "")
                    return walked, None, target.name if target else None
                return walked, spec, None
            if spec.type != "ref":
                raise ValueProblem(f"{entity.name}.{step} is a {spec.type}, not a link to another entity")
            walked.append(spec)
            nxt = self.entity(spec.entity or "")
            assert nxt is not None  # checked when the schema loaded
            entity = nxt
        raise AssertionError("unreachable")


def check_text(value: Any, what: str = "text") -> str:
    """A string the engine and every reader can carry whole: bounded and valid Unicode."""
    if not isinstance(value, str):
        raise ValueProblem(f"expected {what}, got {show(value)}")
    if len(value) > MAX_TEXT:
        raise ValueProblem(f"{what} of {len(value)} characters is longer than the {MAX_TEXT} allowed")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueProblem(f"{what} {show(value)} holds a lone surrogate at character {exc.start}: not Unicode text") from None
    return value


def check_id(value: Any, what: str = "an id") -> str:
    """An id, written as text or as a whole number, as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_EXACT:
            raise ValueProblem(f"{show(value)} is too large for {what} (at most {MAX_EXACT} when written as a number)")
        return str(value)
    if isinstance(value, str) and value:
        return check_text(value, what)
    raise ValueProblem(f"expected {what} (text), got {show(value)}")


def check_number(value: Any) -> decimal.Decimal:
    """A decimal kept exactly: at most 15 significant digits and 6 decimal places.

    The engine compares numbers as binary doubles. Every decimal within these bounds is a
    distinct double, in the same order, so engine and explanation agree and
    1.4999999999999999999 never quietly becomes 1.5: such a number is refused, not rounded.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        raise ValueProblem(f"expected a number, got {show(value)}")
    if isinstance(value, int) and abs(value) > MAX_EXACT:
        raise ValueProblem(f"{show(value)} is out of range (at most ±{MAX_EXACT})")
    number = decimal.Decimal(repr(value) if isinstance(value, float) else value)
    if not number.is_finite():
        raise ValueProblem(f"expected a finite number, got {show(value)}")
    if number.copy_abs() > MAX_EXACT:  # copy_abs: no context, so no overflow on 1E+999999999
        raise ValueProblem(f"{show(value)} is out of range (at most ±{MAX_EXACT})")
    _, written, exponent = number.as_tuple()  # no normalize(): it rounds 1E-999999999 to 0
    assert isinstance(exponent, int)
    digits = list(written)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:  # 1.50 is 1.5
        digits.pop()
        exponent += 1
    if -exponent > DECIMAL_PLACES:
        raise ValueProblem(f"{show(value)} has more than {DECIMAL_PLACES} decimal places: round it to {DECIMAL_PLACES} or fewer")
    if len(digits) > SIGNIFICANT_DIGITS:
        raise ValueProblem(f"{show(value)} has more than {SIGNIFICANT_DIGITS} significant digits: round it")
    return number


@attrs.frozen
class Yearly:
    """A yearly figure as the case gives it: one value per year, read for the as_of year.

    每年 duties are about a year; a bare value would let 2018's "held" satisfy 每年 in 2025.
    """

    values: tuple[tuple[int, Any], ...]  # (year, canonical value), by year

    def of(self, year: int) -> Any:
        """The value of `year`, or None (unknown) when the case does not give that year."""
        return dict(self.values).get(year)


def check_yearly(spec: FieldSpec, value: Any) -> Yearly:
    """A yearly field: a mapping of years to values of the field's type."""
    if not isinstance(value, Mapping):
        raise ValueProblem(f"{spec.name} is a yearly figure: give it by year, e.g. {{2018: …}}, not {show(value)}")
    if len(value) > MAX_ITEMS:
        raise ValueProblem(f"{len(value)} years is more than the {MAX_ITEMS} allowed")
    out = {}
    for year, item in value.items():
        number = year if isinstance(year, int) and not isinstance(year, bool) else None
        if isinstance(year, str) and year.isascii() and year.isdigit() and len(year) == 4:
            number = int(year)
        if number is None or not 1900 <= number <= 2200:
            raise ValueProblem(f"{show(year)} is not a year (YYYY)")
        if item is not None:  # a year given as null is unknown, like the year left out
            out[number] = check_value(spec, item)
    return Yearly(tuple(sorted(out.items())))


def check_value(spec: FieldSpec, value: Any) -> Any:
    """The value in its canonical Python form (date, Decimal, ...), or ValueProblem."""
    kind = spec.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueProblem(f"expected true or false, got {show(value)}")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_EXACT:
                raise ValueProblem(f"{show(value)} is out of range (at most ±{MAX_EXACT})")
            return value
        raise ValueProblem(f"expected a whole number, got {show(value)}")
    if kind == "decimal":
        return check_number(value)
    if kind == "date":
        day = to_date(value)
        if day is None or isinstance(value, bool):
            raise ValueProblem(f"expected a date (YYYY-MM-DD), got {show(value)}")
        return day
    if kind == "enum":
        if isinstance(value, str) and value in spec.keys:
            return value
        labels = {label: key for key, label in spec.values}
        if isinstance(value, str) and value in labels:
            raise ValueProblem(f"write the key {show(labels[value])}, not the label {show(value)}")
        allowed = ", ".join(spec.value_keys())
        raise ValueProblem(f"{show(value)} is not one of: {allowed}{suggest(value, spec.value_keys())}")
    if kind == "string":
        return check_text(value)
    if kind == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueProblem(f"expected a list of text values, got {show(value)}")
        if len(value) > MAX_ITEMS:
            raise ValueProblem(f"a list of {len(value)} values is longer than the {MAX_ITEMS} allowed")
        for item in value:
            check_text(item)
            if spec.values and item not in spec.keys:
                raise ValueProblem(f"{show(item)} is not one of: {', '.join(spec.value_keys())}{suggest(item, spec.value_keys())}")
        return tuple(sorted(set(value)))  # a set of values: order and repeats carry no meaning
    if kind == "ref":
        return check_id(value, f"the id of a {spec.entity}")
    raise AssertionError(kind)


def encode(value: Any) -> Any:
    """The engine's form of a canonical value: JSON-ready and order-preserving."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, _dt.date):
        return value.toordinal()
    return value


def positional(number: float) -> str:
    """A double's shortest digits written without an exponent: 5e-05 is 0.00005, 1e16 is 10000000000000000.

    Readers expect positional numbers, and the engine's parser accepts nothing else."""
    text = repr(number)
    if "e" in text or "inf" in text or "nan" in text:
        text = format(decimal.Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def display(value: Any) -> str:
    """A canonical or encoded value as an auditor reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return positional(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(display(v) for v in value) + "]"
    if isinstance(value, str):  # input text: long values elided, so output grows with structure only
        return clip(value)
    return str(value)
