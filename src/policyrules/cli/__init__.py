"""The command line: evaluate cases, account for the law, lint rulebooks, run casebooks.

One module per command; each parses its arguments, calls the library and renders. Nothing
in the library imports this package.
"""

from . import batch, casebook, check, coverage, evaluate, explain, fields, replay  # noqa: F401 - each registers its command
from .base import main

__all__ = ["main"]
