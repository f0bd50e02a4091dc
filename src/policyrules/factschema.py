"""The fact schema: which entities a case holds and what each field may contain.

It is the single authority on types. Rule conditions and case facts are both checked
against it, and it decides how a value is encoded for the engine (dates as day ordinals,
decimals as floats), so a rule's literal and a case's fact always meet in one form.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from typing import Any, TypeVar

import attrs

from .errors import suggest
from .yamlio import to_date

ORDERED_TYPES = frozenset({"int", "decimal", "date"})
MAX_EXACT = 2**53
"""The engine compares numbers as doubles: larger magnitudes would compare inexactly."""


@attrs.frozen
class FieldSpec:
    name: str
    type: str
    label: str
    unit: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (key, Chinese label) for enum / list
    entity: str | None = None  # for ref

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

    def field(self, name: str) -> FieldSpec | None:
        return _named(self.fields, name)

    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


class ValueProblem(ValueError):
    """A value does not fit its field; the message says why (caller adds the location)."""


@attrs.frozen
class FactSchema:
    entities: tuple[EntitySpec, ...]

    def entity(self, name: str) -> EntitySpec | None:
        return _named(self.entities, name)

    def entity_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.entities)

    def resolve(self, subject: str, path: str) -> tuple[list[FieldSpec], FieldSpec | None, str | None]:
        """Follow a dotted path from an entity type.

        Returns (the ref fields walked, the final field or None when the path names the
        entity itself, the entity type reached). Raises ValueProblem naming the first
        unknown step with the nearest valid name.
        """
        entity = self.entity(subject)
        if entity is None:
            raise ValueProblem(f"unknown entity type {subject!r}{suggest(subject, self.entity_names())}")
        if path in ("self", ""):
            return [], None, entity.name
        steps = path.split(".")
        walked: list[FieldSpec] = []
        for position, step in enumerate(steps):
            spec = entity.field(step)
            if spec is None:
                raise ValueProblem(
                    f"{entity.name} has no field {step!r}{suggest(step, entity.field_names())}"
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


def check_value(spec: FieldSpec, value: Any) -> Any:
    """The value in its canonical Python form (date, Decimal, ...), or ValueProblem."""
    kind = spec.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueProblem(f"expected true or false, got {value!r}")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_EXACT:
                raise ValueProblem(f"{value} is out of range (at most ±{MAX_EXACT})")
            return value
        raise ValueProblem(f"expected a whole number, got {value!r}")
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
            raise ValueProblem(f"expected a number, got {value!r}")
        number = decimal.Decimal(str(value))
        if not number.is_finite():
            raise ValueProblem(f"expected a finite number, got {value!r}")
        if abs(number) > MAX_EXACT:
            raise ValueProblem(f"{value} is out of range (at most ±{MAX_EXACT})")
        return number
    if kind == "date":
        day = to_date(value)
        if day is None or isinstance(value, bool):
            raise ValueProblem(f"expected a date (YYYY-MM-DD), got {value!r}")
        return day
    if kind == "enum":
        if isinstance(value, str) and value in spec.value_keys():
            return value
        labels = {label: key for key, label in spec.values}
        if isinstance(value, str) and value in labels:
            raise ValueProblem(f"write the key {labels[value]!r}, not the label {value!r}")
        allowed = ", ".join(spec.value_keys())
        raise ValueProblem(f"{value!r} is not one of: {allowed}{suggest(str(value), spec.value_keys())}")
    if kind == "string":
        if isinstance(value, str):
            return value
        raise ValueProblem(f"expected text, got {value!r}")
    if kind == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueProblem(f"expected a list of text values, got {value!r}")
        if spec.values:
            for item in value:
                if item not in spec.value_keys():
                    raise ValueProblem(
                        f"{item!r} is not one of: {', '.join(spec.value_keys())}{suggest(item, spec.value_keys())}"
                    )
        return tuple(sorted(set(value)))  # a set of values: order and repeats carry no meaning
    if kind == "ref":
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # ids may be written as numbers, as in the entities themselves
        raise ValueProblem(f"expected the id of a {spec.entity}, got {value!r}")
    raise AssertionError(kind)


def encode(value: Any) -> Any:
    """The engine's form of a canonical value: JSON-ready and order-preserving."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, _dt.date):
        return value.toordinal()
    return value


def display(value: Any) -> str:
    """A canonical or encoded value as an auditor reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(display(v) for v in value) + "]"
    return str(value)
