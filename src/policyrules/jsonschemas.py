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

from .errors import RuleFileError, suggest
from .yamlio import Located


@functools.lru_cache(maxsize=None)
def _validator(path: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def field_name(path: Any) -> str:
    """A JSON path as a rule author reads it: rules[2].when.all[0].field."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        if extra:
            return f"unknown field {extra[0]!r}{suggest(extra[0], allowed)}; allowed: {', '.join(allowed)}"
    if error.validator == "required":
        match = re.search(r"'([^']+)' is a required property", error.message)
        if match:
            return f"missing required field {match.group(1)!r}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of: {', '.join(map(str, error.validator_value))}" + suggest(
            str(error.instance), map(str, error.validator_value)
        )
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = best_match(error.context)
        if deepest is not None and deepest.validator != "const":
            return _describe(deepest)
    return error.message


def validate(located: Located, schema_path: Path) -> None:
    """Raise RuleFileError at the most relevant schema violation, if any."""
    validator = _validator(str(schema_path))
    error = best_match(validator.iter_errors(located.data))
    if error is None:
        return
    # Descend to the most specific error so its path (and so its line) is the deepest.
    while error.validator in ("oneOf", "anyOf") and error.context:
        deeper = best_match(error.context)
        if deeper is None or deeper.validator == "const":
            break
        if deeper.validator == "additionalProperties" and error.validator == "oneOf":
            break
        error = deeper
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        extra = [key for key in error.instance if key not in allowed]
        path += extra[:1]  # point at the unknown key itself
    raise RuleFileError(
        _describe(error),
        file=located.file,
        line=located.line(tuple(path)),
        field=field_name(path) or None,
    )
