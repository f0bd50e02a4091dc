"""Where the bundled rulebook lives, installed or in a source checkout.

A wheel carries the repository's rules/ folder inside the package as policyrules/rules;
a source checkout (editable install, or tests run from the tree) has it at the top level.
"""

from __future__ import annotations

from pathlib import Path

from .errors import RuleFileError

_PACKAGE = Path(__file__).resolve().parent


def bundled_rulebook() -> Path:
    for candidate in (_PACKAGE / "rules", _PACKAGE.parent.parent / "rules"):
        if (candidate / "documents.yaml").is_file():
            return candidate
    raise RuleFileError("the bundled rulebook is missing from this installation", file=str(_PACKAGE / "rules"))
