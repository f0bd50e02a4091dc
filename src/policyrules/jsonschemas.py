"""Validation against the published JSON Schemas in rules/schema/.

The schema files that editors use are the ones that validate the rulebook here; this
module only turns jsonschema's errors into located, readable ones.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from .errors import LocatedError, RuleFileError, suggest
from .safetext import elide, show
from .yamlio import Located


@functools.lru_cache(maxsize=None)
def _validator(path: str) -> jsonschema.Draft202012Validator:
    """A validator for one published schema; `$ref`s to its sibling schemas resolve locally
    (facts.schema.json reuses the rule file's conditions), never over the network."""
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    siblings = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(path).parent.glob("*.schema.json"))]
    registry: Registry = Registry().with_resources(
        (sibling["$id"], Resource.from_contents(sibling)) for sibling in siblings if "$id" in sibling
    )
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


def field_name(path: Any) -> str:
    """A JSON path as a rule author reads it: rules[2].when.all[0].field."""
    out = ""
    for step in path:
        if isinstance(step, int) and not isinstance(step, bool) and abs(step) <= 10**9:
            out += f"[{step}]"
        else:  # a key: text as written, anything else (e.g. a huge number as key) as Python shows it
            out += ("." if out else "") + (elide(step) if isinstance(step, str) else show(step))
    return out


def _describe(error: ValidationError) -> str:
    if error.validator == "required":
        match = re.search(r"'([^']+)' is a required property", error.message)
        if match:
            return f"missing required field {show(match.group(1))}"
    choices = _choices(error)
    if choices is not None:
        return f"{show(error.instance)} is not one of: {', '.join(choices)}" + suggest(error.instance, choices)
    return error.message


def _choices(error: ValidationError) -> list[str] | None:
    """The allowed values of an enum, or of a oneOf whose alternatives are all constants."""
    if error.validator == "enum":
        return [str(v) for v in error.validator_value]
    if error.validator == "oneOf" and all(isinstance(alt, dict) and "const" in alt for alt in error.validator_value):
        return [str(alt["const"]) for alt in error.validator_value]
    return None


def _unknown_key(error: ValidationError) -> tuple[str, list[str]] | None:
    """(the key, every key allowed there) when an object fails only by holding an unknown key.

    For a choice of shapes (a condition is a comparison, or all / any / not / derived) the
    allowed keys are those of every alternative, so a typo like `alll` finds `all`.
    """
    if not isinstance(error.instance, dict):
        return None
    if error.validator == "additionalProperties":
        schemas = [error.schema]
    elif error.validator in ("oneOf", "anyOf") and error.context:
        schemas = [e.schema for e in error.context if not e.relative_path and isinstance(e.schema, dict)]
    else:
        return None
    allowed = list(dict.fromkeys(key for schema in schemas for key in schema.get("properties", {})))
    extra = [key for key in error.instance if key not in allowed]
    return (extra[0], allowed) if extra and allowed else None


def validate(located: Located, schema_path: Path, error_type: type[LocatedError] = RuleFileError) -> None:
    """Raise `error_type` (a rule file's error unless the caller reads something else, e.g. a
    decision record) at the most relevant schema violation, if any."""
    validator = _validator(str(schema_path))
    error = best_match(validator.iter_errors(located.data))
    if error is None:
        return
    # Descend to the most specific error so its path (and so its line) is the deepest,
    # stopping where an object holds a key no alternative allows.
    unknown = _unknown_key(error)
    while unknown is None and error.validator in ("oneOf", "anyOf") and error.context:
        deeper = best_match(error.context)
        if deeper is None or deeper.validator == "const":
            break
        error = deeper
        unknown = _unknown_key(error)
    path = list(error.absolute_path)
    if unknown is not None:
        key, allowed = unknown
        path.append(key)  # point at the unknown key itself
        message = f"unknown field {show(key)}{suggest(key, allowed)}; allowed: {', '.join(allowed)}"
    else:
        message = _describe(error)
    raise error_type(message, file=located.file, line=located.line(tuple(path)), field=field_name(path) or None)
