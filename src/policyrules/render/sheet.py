"""The caseworker's sheet: per person what they get and what others owe them, then each
institution's duties by bearer — every line once, with all its citations.

A decision holds one finding per rule; a caseworker asks per person "what does this student
get, how much a year in all, and who owes them what", and per institution "what must it do,
and has it". The sheet answers both from the decision's own groupings (`Decision.benefits`,
`Decision.duties`), already worded in the reader's language, so the terminal view and the HTML
report (report/) print the same lines and only lay them out differently. Nothing here
evaluates anything.

Each duty is shown once: a duty owed to a person of the case (a school's obligation towards
its student) under that person, every other duty under its bearer.
"""

from __future__ import annotations

import attrs

from ..decision import Decision, Finding
from ..explain import Check
from ..model import Citation, SubjectRef
from ..safetext import clip
from ..summary import Benefit, Duty, Total
from .labels import Labels, amount_text, figure_text, labels, sum_text, total_text

# People read first; a duty owed to one of them is shown under them.
PEOPLE = ("student", "labourer", "household", "teacher")
# Caseworkers read about people first; bodies and places follow (stable within a kind).
PEOPLE_FIRST = ("student", "labourer", "household", "teacher", "school", "enterprise", "employer", "recruitment", "government", "region")


def people_first(entity: str) -> int:
    return PEOPLE_FIRST.index(entity) if entity in PEOPLE_FIRST else len(PEOPLE_FIRST)


@attrs.frozen
class SheetLine:
    """One benefit, duty or target: what, how much, where it stands, and on what grounds.

    `status` is the raw word (FindingStatus value, for styling) and `status_text` the reader's;
    `notes` say what the status rests on (figures compared, which amount which text gives).
    """

    modality: str
    modality_text: str
    text: str
    worth: str | None
    status: str | None
    status_text: str | None
    deadline: str | None
    deadline_passed: bool | None
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    rules: tuple[str, ...]

    def grounds(self, sep: str) -> str:
        """The citations as 文号 and clause, each once (two quotes of one clause cite it once)."""
        return sep.join(dict.fromkeys(cite(citation) for citation in self.citations))


@attrs.frozen
class SubjectBlock:
    """What one subject of the case receives (and, for a person, what others owe them)."""

    subject: SubjectRef
    title: str
    money: tuple[SheetLine, ...]
    totals: tuple[str, ...]
    no_amount: tuple[SheetLine, ...]
    priorities: tuple[SheetLine, ...]
    owed: tuple[SheetLine, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.money or self.no_amount or self.priorities or self.owed)


@attrs.frozen
class BearerBlock:
    """The duties and targets one bearer holds in the case."""

    title: str
    duties: tuple[SheetLine, ...]
    targets: tuple[SheetLine, ...]


@attrs.frozen
class Sheet:
    labels: Labels
    title: str
    as_of: str
    findings: int
    rulebook: str
    people: tuple[SubjectBlock, ...]
    institutions: tuple[SubjectBlock, ...]
    bearers: tuple[BearerBlock, ...]


def cite(citation: Citation) -> str:
    return f"{citation.number or citation.title} {citation.clause}"


def build_sheet(decision: Decision, lang: str = "zh") -> Sheet:
    """The sheet of a decision in `lang` (zh or en)."""
    words = labels(lang)
    by_rule = {(f.rule_id, f.subject): f for f in decision.findings}
    duties = decision.duties
    owed_to: dict[SubjectRef, list[Duty]] = {}
    by_bearer: dict[tuple[str, str, str | None], list[SheetLine]] = {}
    for duty in duties:
        if duty.subject.type in PEOPLE and duty.bearer_entity != duty.subject.type:
            owed_to.setdefault(duty.subject, []).append(duty)
        else:
            key = _bearer_key(duty.bearer_entity, duty.bearer_label, duty.bearer_id)
            by_bearer.setdefault(key, []).append(_duty_line(duty, by_rule, words))
    targets: dict[tuple[str, str, str | None], list[SheetLine]] = {}
    for finding in decision.findings:
        if finding.modality == "target":
            key = _bearer_key(finding.bearer.entity, finding.bearer.label, finding.bearer.id)
            by_bearer.setdefault(key, [])
            targets.setdefault(key, []).append(_finding_line(finding, words))
    subjects = {summary.subject: summary for summary in decision.benefits}
    blocks = []
    for subject in sorted(set(subjects) | set(owed_to), key=lambda s: (people_first(s.type), s.type, s.id)):
        summary = subjects.get(subject)
        benefits = summary.benefits if summary else ()
        blocks.append(
            SubjectBlock(
                subject=subject,
                title=who(subject, words),
                money=tuple(_benefit_line(b, words) for b in benefits if b.modality == "entitlement" and not b.no_amount),
                totals=tuple(_total_line(total, benefits, words) for total in (summary.totals if summary else ())),
                no_amount=tuple(_benefit_line(b, words) for b in benefits if b.modality == "entitlement" and b.no_amount),
                priorities=tuple(_benefit_line(b, words) for b in benefits if b.modality != "entitlement"),
                owed=tuple(_duty_line(duty, by_rule, words) for duty in owed_to.get(subject, ())),
            )
        )
    bearers = tuple(
        BearerBlock(_bearer_title(entity, label, ident, words), tuple(lines), tuple(targets.get((entity, label, ident), ())))
        for (entity, label, ident), lines in sorted(by_bearer.items(), key=lambda item: people_first(item[0][0]))
    )
    return Sheet(
        labels=words,
        title=clip(decision.case) if decision.case else "case",
        as_of=decision.as_of.isoformat(),
        findings=len(decision.findings),
        rulebook=decision.rulebook[:12],
        people=tuple(b for b in blocks if b.subject.type in PEOPLE),
        institutions=tuple(b for b in blocks if b.subject.type not in PEOPLE and not b.empty),
        bearers=bearers,
    )


def who(subject: SubjectRef, words: Labels) -> str:
    return f"{words.entity.get(subject.type, subject.type)} {clip(subject.id)}"


def _bearer_key(entity: str, label: str, ident: str | None) -> tuple[str, str, str | None]:
    """A bearer in the case is one entity whatever the texts call it (职业院校, 各技工院校): its
    duties go together. A bearer outside the case (用人单位 of a notice) is known by its words."""
    return (entity, "", ident) if ident else (entity, label, None)


def _bearer_title(entity: str, label: str, ident: str | None, words: Labels) -> str:
    kind = words.entity.get(entity, entity)
    return f"{kind} {clip(ident)}" if ident else f"{label} [{kind}]"


def _total_line(total: Total, benefits: tuple[Benefit, ...], words: Labels) -> str:
    """合计约5000元/年（国家助学金、“雨露计划”扶贫助学补助）: the sum and the lines it adds."""
    names = {b.key: b.label for b in benefits}
    added = ("、" if words.lang == "zh" else ", ").join(names.get(key, key) if words.lang == "zh" else key for key in total.benefits)
    return f"{sum_text(total, words.lang)}（{added}）" if words.lang == "zh" else f"{sum_text(total, words.lang)}  ({added})"


def _benefit_line(benefit: Benefit, words: Labels) -> SheetLine:
    given = "; ".join(total_text(value, words.lang) for value in benefit.values) or (words.no_amount_given if benefit.modality == "entitlement" else None)
    return SheetLine(
        modality=benefit.modality,
        modality_text=words.modality.get(benefit.modality, benefit.modality),
        text=benefit.label,
        worth=given,
        status=None,
        status_text=None,
        deadline=None,
        deadline_passed=None,
        notes=tuple(_amount_grounds(benefit, words)),
        citations=benefit.citations,
        rules=benefit.rules,
    )


def _amount_grounds(benefit: Benefit, words: Labels) -> list[str]:
    """Where the rules of a line give different amounts (or some give none): which citations give
    which amount, and which amount a prevailing rule sets aside. Nothing when they agree."""
    if len(benefit.amounts) <= 1 and all(given.citations == benefit.citations for given in benefit.amounts):
        return []
    lines = [
        f"{amount_text(given.amount, words.lang)}{words.colon}{words.sep.join(cite(c) for c in given.citations)}"
        + (f" — {words.not_counted.format(rules=', '.join(given.superseded_by))}" if given.superseded_by else "")
        for given in benefit.amounts
    ]
    with_amount = {citation for given in benefit.amounts for citation in given.citations}
    rest = [citation for citation in benefit.citations if citation not in with_amount]
    if rest:
        lines.append(f"{words.no_amount_given}{words.colon}{words.sep.join(cite(c) for c in rest)}")
    return lines


def _duty_line(duty: Duty, by_rule: dict[tuple[str, SubjectRef], Finding], words: Labels) -> SheetLine:
    grounds = [by_rule[(rule, duty.subject)] for rule in duty.rules]
    notes = []
    for finding in grounds:
        if finding.compliance:
            # One ground: its status is the line's. Several: say which text's figures stand how.
            prefix = f"{finding.rule_id}: {words.status.get(finding.status.value, finding.status.value)} — " if len(grounds) > 1 else ""
            notes.append(f"{prefix}{checks_text(finding.compliance, words)}")
    deadlines = [deadline_text(f, words) for f in grounds if f.deadline]
    worths = "; ".join(dict.fromkeys(w for f in grounds if (w := worth(f, words.lang)))) or None
    bearer = "" if duty.bearer_entity in PEOPLE else f"{duty.bearer_label.split('（')[0]}："
    return SheetLine(
        modality=duty.modality,
        modality_text=words.modality.get(duty.modality, duty.modality),
        text=f"{bearer}{duty.label}" if duty.subject.type in PEOPLE and bearer else duty.label,
        worth=worths,
        status=duty.status,
        status_text=_status_word(duty.status, duty.deadline_passed, words),
        deadline="; ".join(deadlines) or None,
        deadline_passed=duty.deadline_passed,
        notes=tuple(notes) + _for(grounds[0], words),
        citations=duty.citations,
        rules=duty.rules,
    )


def _finding_line(finding: Finding, words: Labels) -> SheetLine:
    return SheetLine(
        modality=finding.modality,
        modality_text=words.modality.get(finding.modality, finding.modality),
        text=finding.title,
        worth=worth(finding, words.lang),
        status=finding.status.value,
        status_text=_status_word(finding.status.value, finding.deadline_passed, words),
        deadline=deadline_text(finding, words) if finding.deadline else None,
        deadline_passed=finding.deadline_passed,
        notes=((checks_text(finding.compliance, words),) if finding.compliance else ()) + _for(finding, words),
        citations=finding.citations,
        rules=(finding.rule_id,),
    )


def _for(finding: Finding, words: Labels) -> tuple[str, ...]:
    """Whom the finding is about, when that is not its bearer (a notice, for its employer)."""
    if finding.subject.type != finding.bearer.entity or finding.bearer.id is None:
        return (f"{words.for_subject} {who(finding.subject, words)}",)
    return ()


def worth(finding: Finding, lang: str) -> str | None:
    """A finding's amount (每生每年2000元) or range (10–20%), as the sheet writes it."""
    if finding.amount:
        return amount_text(finding.amount, lang)
    if finding.range:
        return figure_text(finding.range.min, finding.range.max, finding.range.unit, None, False, lang)
    return None


def _status_word(status: str, passed: bool | None, words: Labels) -> str:
    """The status in the reader's words, with 已逾期 when a deadline has passed unmet."""
    word = words.status.get(status, status)
    if passed and status in ("unmet", "unknown"):
        word += f"{words.sep}{words.status['passed']}"
    return word


def deadline_text(finding: Finding, words: Labels) -> str:
    """到2020年底（2020-12-31，已逾期）: the text's words, the date, and whether it has passed."""
    deadline = finding.deadline
    assert deadline is not None
    due = finding.next_due.isoformat() if finding.next_due else words.status["unknown_date"]
    if deadline.window:
        due = f"{deadline.window[0].isoformat()} – {deadline.window[1].isoformat()}"
    passed = {True: words.status["passed"], False: words.status["not_passed"], None: ""}[finding.deadline_passed]
    inner = f"{due}, {passed}" if passed else due
    return f"{deadline.text}（{inner}）" if words.lang == "zh" else f"{deadline.text} ({inner})"


def checks_text(checks: tuple[Check, ...], words: Labels | None = None) -> str:
    """Each check with the value seen; a conclusion drawn by another rule shows that rule's checks.
    Without `words` in the library's own English (what --explain and scripts grep)."""
    actual, missing = (words.actual, words.missing) if words else ("actual: ", "missing")
    parts = []
    for check in checks:
        if check.kind == "rule":
            parts.append(f"{check.rule}: {checks_text(check.because, words)}")
        elif check.because:
            parts.append(f"{check.condition} ({check.actual} — {checks_text(check.because, words)})")
        else:
            parts.append(f"{check.condition} ({actual}{check.actual if check.actual is not None else missing})")
    return "; ".join(parts)
