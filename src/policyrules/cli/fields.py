"""policyrules fields: the entities and fields a case may give, from the fact schema."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ..api import load_rulebook
from ..errors import EvaluationError, suggest
from ..safetext import show
from .base import guard, main, rules_option


@main.command()
@click.argument("entity", required=False)
@rules_option
def fields(entity: str | None, rules_dir: Path | None) -> None:
    """List the fields a case may give (all entities, or one ENTITY), from the fact schema."""

    def run() -> None:
        schema = load_rulebook(rules_dir).schema
        chosen = schema.entities
        if entity is not None:
            spec = schema.entity(entity)
            if spec is None:
                raise EvaluationError(f"unknown entity type {show(entity)}{suggest(entity, schema.entity_names())}")
            chosen = (spec,)
        console = Console(highlight=False, soft_wrap=True)
        for spec in chosen:
            console.print(f"[bold]{spec.name}[/bold] {escape(spec.label)}")
            for field in spec.fields:
                kind = f"ref → {field.entity}" if field.type == "ref" else field.type
                unit = f" [{field.unit}]" if field.unit else ""
                values = f"  one of: {', '.join(field.value_keys())}" if field.values else ""
                console.print(escape(f"  {field.name:<40} {kind}{unit}  {field.label}{values}"))

    guard(run)
