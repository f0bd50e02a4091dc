"""policyrules: Chinese vocational-education policy as executable, auditable rules.

    import policyrules
    book = policyrules.load_rulebook()
    decision = book.evaluate(case, as_of="2018-09-01")
    for finding in decision.findings:
        print(finding.title, finding.amount, finding.citations[0].quote)
"""

from .api import Rulebook, load_case, load_rulebook
from .case import Case
from .decision import Bearer, Decision, Finding, FindingStatus, Outcome, SubjectRef
from .errors import EngineError, EvaluationError, FactError, LocatedError, PolicyRulesError, RecordError, RuleFileError, YamlError
from .explain import Check, Status
from .model import Amount, Citation, Deadline, Effect, Range, Rule
from .summary import Benefit, BenefitSummary, GivenAmount, Total

__all__ = [
    "Amount",
    "Bearer",
    "Benefit",
    "BenefitSummary",
    "Case",
    "Check",
    "Citation",
    "Deadline",
    "Decision",
    "Effect",
    "EngineError",
    "EvaluationError",
    "FactError",
    "Finding",
    "FindingStatus",
    "GivenAmount",
    "LocatedError",
    "Outcome",
    "PolicyRulesError",
    "Range",
    "RecordError",
    "Rule",
    "RuleFileError",
    "Rulebook",
    "Status",
    "SubjectRef",
    "Total",
    "YamlError",
    "load_case",
    "load_rulebook",
]
