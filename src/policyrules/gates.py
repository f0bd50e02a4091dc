"""Conditions a script or CI job can fail on: `policyrules evaluate --fail-on WORD`.

A caseworker reads the sheet; a pipeline needs a yes/no. Each word names one question about
a decision, answered from the decision alone (nothing is evaluated here), with one line per
finding or outcome that answers it, so a failed job says what to look at.

- unmet: a duty whose threshold the facts miss, beyond excuse (status `unmet`: any one-off
  deadline has passed, a 每年 figure's year is over, and the figure is not a 左右 one).
- undetermined: a fact the decision needs is missing: a rule that cannot be decided for some
  subject (outcome `undetermined`), or a duty whose figures cannot be compared (finding status
  `unknown`).
- violated: a prohibition shown broken — its thresholds show the forbidden act (status
  `unmet`), or, for a rule without thresholds whose subject is the act or object itself and not
  the one bound (a recruitment notice, its employer bound), its conditions describe the
  forbidden condition and hold (status `applies`); or an obligation whose one-off deadline has
  passed (`deadline_passed` true) with status `unmet`. A prohibition that merely binds its
  subject (严禁…, 杜绝… on a department, with no fact of a breach) is not a violation, and a duty
  with no deadline, or a yearly one, that is missed counts as `unmet`, not as `violated`: no date
  the text set has passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .decision import Decision, Finding, FindingStatus
from .explain import Status

UNMET, UNDETERMINED, VIOLATED = "unmet", "undetermined", "violated"

MEANINGS = {
    UNMET: "a finding with status unmet (a duty's threshold missed after its deadline or year)",
    UNDETERMINED: "a rule undetermined for a missing fact, or a finding whose status is unknown",
    VIOLATED: "a prohibition shown broken (status unmet, or applies where the subject is the forbidden act itself), or an obligation unmet after its one-off deadline passed",
}


def violated(finding: Finding) -> bool:
    """A prohibition shown broken, or an obligation missed after its deadline (see the module)."""
    if finding.modality == "prohibition":
        describes_the_act = finding.status is FindingStatus.APPLIES and finding.bearer.entity != finding.subject.type
        return finding.status is FindingStatus.UNMET or describes_the_act
    return finding.modality == "obligation" and finding.status is FindingStatus.UNMET and finding.deadline_passed is True


def _finding_lines(decision: Decision, test: Callable[[Finding], bool]) -> Iterable[str]:
    for finding in decision.findings:
        if test(finding):
            yield f"{finding.rule_id} for {finding.subject.type} {finding.subject.id}: {finding.modality} {finding.status.value}"


def _undetermined_lines(decision: Decision) -> Iterable[str]:
    for outcome in decision.outcomes_with(Status.UNDETERMINED):
        yield f"{outcome.rule_id} for {outcome.subject.type} {outcome.subject.id}: undetermined"
    yield from _finding_lines(decision, lambda f: f.status is FindingStatus.UNKNOWN)


def failures(decision: Decision, words: Iterable[str]) -> list[str]:
    """`word: rule for subject: …` for every finding or outcome one of `words` names (empty: pass)."""
    found = {
        UNMET: lambda: _finding_lines(decision, lambda f: f.status is FindingStatus.UNMET),
        UNDETERMINED: lambda: _undetermined_lines(decision),
        VIOLATED: lambda: _finding_lines(decision, violated),
    }
    return [f"{word}: {line}" for word in dict.fromkeys(words) for line in found[word]()]
