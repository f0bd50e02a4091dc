"""What every command shares: the command group, the --rules option, and one-line errors.

Bad input ends with one line on stderr naming file, line and field, and exit status 2; a
caseworker never sees a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ..errors import PolicyRulesError

F = TypeVar("F", bound=Callable[..., Any])


def rules_option(func: F) -> F:
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Rulebook folder (holding documents.yaml). Default: the bundled rulebook.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policyrules")
def main() -> None:
    """Evaluate cases against Chinese vocational-education policy rules.

    Every finding names the document (文号), the clause and its verbatim quote.
    """


def guard(run: Callable[[], None]) -> None:
    try:
        run()
    except PolicyRulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def emit(text: str, output: Path | None) -> None:
    """A command's whole output: to the -o file when one is given, else to stdout."""
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@contextmanager
def console_to(output: Path | None) -> Iterator[Console]:
    """A console for a text view: the terminal's (colour where it can), or, for an -o file,
    plain text wide enough that lines are not wrapped."""
    if output is None:
        yield Console(highlight=False, soft_wrap=True)
        return
    with output.open("w", encoding="utf-8") as handle:
        yield Console(file=handle, highlight=False, soft_wrap=True, no_color=True, width=200)
