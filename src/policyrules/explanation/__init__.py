"""Explanations a decision carries: how each finding was reached, why each other rule did not
apply, which missing facts would decide the rest, why a document does not bind at all, and —
on request, since it re-evaluates — what would have to change for a benefit to apply.

`model` holds the typed values (frozen attrs a template can walk), `build` makes them from an
evaluation, `counterfactual` searches for the smallest change. Rendering lives in render/.
"""

from .counterfactual import Change, Counterfactual, counterfactual
from .model import CATEGORIES, Derivation, DocumentNotBinding, Explanation, MissingFact, RuleNode, Step, WhyNot

__all__ = [
    "CATEGORIES",
    "Change",
    "Counterfactual",
    "Derivation",
    "DocumentNotBinding",
    "Explanation",
    "MissingFact",
    "RuleNode",
    "Step",
    "WhyNot",
    "counterfactual",
]
