"""policyrules evaluate: one case file — the caseworker's sheet (per person what they get and
what others owe them, institutions' duties by bearer), then every finding with its citations.

`--lang` picks the sheet's words (Chinese by default: the readers and the law are Chinese);
`--format html -o FILE` writes the report (report/: one self-contained page), json the record.

Exit status: 0 evaluated, 2 bad input (one located line), 3 the decision holds something
`--fail-on` names (gates.py defines each word), so scripts and CI can stop on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..api import load_case, load_rulebook
from ..gates import MEANINGS, failures
from ..render.labels import LANGS
from ..render.text import print_decision
from ..report import render_html
from .base import console_to, emit, guard, main, rules_option

FAIL_EXIT = 3


def _fail_on_words(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--fail-on unmet --fail-on violated, or --fail-on unmet,violated: the same."""
    words = tuple(word.strip() for value in values for word in value.split(",") if word.strip())
    unknown = [word for word in words if word not in MEANINGS]
    if unknown:
        raise click.BadParameter(f"{unknown[0]!r} is not one of: {', '.join(MEANINGS)}")
    return words


@main.command(epilog="Exit status: 0 evaluated; 2 bad input; 3 the decision holds what --fail-on names. --fail-on words: "
              + "; ".join(f"{word}: {meaning}" for word, meaning in MEANINGS.items()) + ".")
@click.argument("case_file", type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", default=None, help="Evaluation date YYYY-MM-DD. Default: the case's as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="text for people; json is the decision record (policyrules replay reads it); html the report (one file).")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True, help="Labels of the sheet and report: zh (Chinese) or en.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file instead of stdout.")
@click.option("--explain", is_flag=True, help="Also list every rule that does not apply, with the failed conditions.")
@click.option("--fail-on", "fail_on", multiple=True, callback=_fail_on_words, metavar="unmet|undetermined|violated",
              help="Exit 3 when the decision holds such a finding or outcome (repeat, or a comma list); one line each on stderr.")
@rules_option
def evaluate(
    case_file: Path, as_of: str | None, fmt: str, lang: str, output: Path | None, explain: bool, fail_on: tuple[str, ...], rules_dir: Path | None
) -> None:
    """Evaluate CASE_FILE (YAML or JSON): per person what they get and what others owe them,
    institutions' duties by bearer, then the findings grouped by bearer."""

    def run() -> None:
        book = load_rulebook(rules_dir)
        decision = book.evaluate(load_case(case_file, book), as_of=as_of)
        if fmt == "text":
            with console_to(output) as console:
                print_decision(console, decision, explain, lang)
        else:
            emit(decision.to_json() + "\n" if fmt == "json" else render_html(decision, book, lang), output)
        failed = failures(decision, fail_on)
        for line in failed:
            click.echo(f"fail-on {line}", err=True)
        if failed:
            sys.exit(FAIL_EXIT)

    guard(run)
