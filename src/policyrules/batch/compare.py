"""The impact of a policy change: one registry through two rulebooks, case by case.

A clause amended (2000元 → 2500元), a condition widened, a rule added or dropped: every
case is decided by the current rulebook ("before") and by the other ("after"), and the
findings are matched by rule and subject. A finding only after is `gained`, only before is
`lost`, in both but with another modality, status, benefit, amount or citation is `changed`
(the `changed` column names what moved). Each subject whose totals moved gets a `total` row
with both ranges.

The summary adds up the cases: how many people gain, lose or see changed each benefit and
each rule, and the money in each unit and period before and after (each subject's totals,
so one benefit is never counted twice). It is built per chunk and merged, which is what
lets an interrupted comparison resume without counting a row twice.
"""

from __future__ import annotations

from typing import Any

from ..decision import Decision, Finding
from .records import COMPARE_COLUMNS, blank, citation_columns, finding_columns

YEARLY_PERIODS = ("per_student_per_year", "per_year")


def _key(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule_id, finding.subject.type, finding.subject.id)


def _amount(finding: Finding | None) -> float | None:
    return None if finding is None or finding.amount is None else float(finding.amount.value)


def _differences(before: Finding, after: Finding) -> list[str]:
    fields = []
    if before.modality != after.modality:
        fields.append("modality")
    if before.status != after.status:
        fields.append("status")
    if before.effect.key != after.effect.key:
        fields.append("benefit")
    if before.amount != after.amount:
        fields.append("amount")
    if before.range != after.range:
        fields.append("range")
    if [(c.document, c.clause, c.quote) for c in before.citations] != [(c.document, c.clause, c.quote) for c in after.citations]:
        fields.append("citation")
    return fields


def _totals(decision: Decision) -> dict[tuple[str, str, str, str | None], tuple[float, float, tuple[str, ...]]]:
    out = {}
    for summary in decision.benefits:
        for total in summary.totals:
            out[(summary.subject.type, summary.subject.id, total.unit, total.period)] = (float(total.low), float(total.high), total.benefits)
    return out


def empty_summary() -> dict[str, Any]:
    return {"cases": 0, "errors": 0, "cases_changed": 0, "benefits": {}, "rules": {}, "money": {}}


def diff(case_id: str, row: int, before: Decision, after: Decision, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one case decided twice, and its part of the summary (added in place)."""
    old = {_key(f): f for f in before.findings}
    new = {_key(f): f for f in after.findings}
    records: list[dict[str, Any]] = []
    summary["cases"] += 1

    def count(kind: str, finding: Finding) -> None:
        line = summary["benefits"].setdefault(finding.effect.key, {"label": finding.effect.label, "gained": 0, "lost": 0, "changed": 0})
        line[kind] += 1
        rule = summary["rules"].setdefault(finding.rule_id, {"gained": 0, "lost": 0, "changed": 0})
        rule[kind] += 1

    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[1], k[2], k[0])):
        b, a = old.get(key), new.get(key)
        if a is not None and b is not None:
            moved = _differences(b, a)
            if not moved:
                continue
            kind = "changed"
        else:
            moved = []
            kind = "gained" if b is None else "lost"
        shown = a if a is not None else b
        assert shown is not None
        count(kind, shown)
        amount = shown.amount
        records.append(
            blank(
                COMPARE_COLUMNS,
                case_id=case_id,
                row=row,
                kind=kind,
                **finding_columns(shown),
                changed=moved,
                status_before=None if b is None else str(b.status),
                status_after=None if a is None else str(a.status),
                amount_before=_amount(b),
                amount_after=_amount(a),
                unit=None if amount is None else amount.unit,
                period=None if amount is None else amount.period,
                **citation_columns(shown),
            )
        )
    old_totals, new_totals = _totals(before), _totals(after)
    for key in sorted(old_totals.keys() | new_totals.keys(), key=lambda k: (k[0], k[1], k[2], k[3] or "")):
        subject_type, subject_id, unit, period = key
        lo_b, hi_b, keys_b = old_totals.get(key, (0.0, 0.0, ()))
        lo_a, hi_a, keys_a = new_totals.get(key, (0.0, 0.0, ()))
        money = summary["money"].setdefault(
            f"{unit} {period or ''}".strip(),
            {"unit": unit, "period": period, "low_before": 0.0, "high_before": 0.0, "low_after": 0.0, "high_after": 0.0,
             "people_gain": 0, "people_lose": 0, "people_mixed": 0, "subjects": 0},
        )
        money["subjects"] += 1
        money["low_before"] += lo_b
        money["high_before"] += hi_b
        money["low_after"] += lo_a
        money["high_after"] += hi_a
        if (lo_b, hi_b) == (lo_a, hi_a):
            continue
        if lo_a >= lo_b and hi_a >= hi_b:
            money["people_gain"] += 1
        elif lo_a <= lo_b and hi_a <= hi_b:
            money["people_lose"] += 1
        else:
            money["people_mixed"] += 1
        records.append(
            blank(
                COMPARE_COLUMNS,
                case_id=case_id,
                row=row,
                kind="total",
                subject_type=subject_type,
                subject_id=subject_id,
                unit=unit,
                period=period,
                low_before=lo_b if key in old_totals else None,
                high_before=hi_b if key in old_totals else None,
                low_after=lo_a if key in new_totals else None,
                high_after=hi_a if key in new_totals else None,
                benefits=sorted(set(keys_b) | set(keys_a)),
            )
        )
    if records:
        summary["cases_changed"] += 1
    return records


def merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Add one chunk's summary to the running one (in place; returns it)."""
    for key in ("cases", "errors", "cases_changed"):
        total[key] += part[key]
    for section in ("benefits", "rules", "money"):
        for name, line in part[section].items():
            into = total[section].setdefault(name, {k: (v if not isinstance(v, (int, float)) or isinstance(v, bool) else 0) for k, v in line.items()})
            for k, v in line.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    into[k] += v
    return total


def finish(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary in a stable order, with the yearly money in CNY added up."""
    out = dict(summary)
    out["benefits"] = dict(sorted(summary["benefits"].items()))
    out["rules"] = dict(sorted(summary["rules"].items()))
    out["money"] = dict(sorted(summary["money"].items()))
    yearly = [m for m in summary["money"].values() if m["unit"] == "CNY" and m["period"] in YEARLY_PERIODS]
    out["cny_per_year"] = {
        side: {"low": sum(m[f"low_{side}"] for m in yearly), "high": sum(m[f"high_{side}"] for m in yearly)} for side in ("before", "after")
    }
    out["cny_per_year"]["difference"] = {
        bound: out["cny_per_year"]["after"][bound] - out["cny_per_year"]["before"][bound] for bound in ("low", "high")
    }
    return out


def render(summary: dict[str, Any]) -> list[str]:
    """The summary as lines of text for the terminal."""
    lines = [
        f"{summary['cases']} cases compared, {summary['cases_changed']} changed, {summary['errors']} error rows",
    ]
    if summary["benefits"]:
        lines.append("by benefit (people):                         gained     lost  changed")
        for key, line in summary["benefits"].items():
            lines.append(f"  {key:<28} {line['label'][:14]:<14} {line['gained']:>8} {line['lost']:>8} {line['changed']:>8}")
    for name, money in summary["money"].items():
        lines.append(
            f"{name}: {_range(money['low_before'], money['high_before'])} → {_range(money['low_after'], money['high_after'])}"
            f"  ({money['people_gain']} gain, {money['people_lose']} lose, {money['people_mixed']} mixed)"
        )
    per_year = summary.get("cny_per_year")
    if per_year:
        diff_ = per_year["difference"]
        lines.append(f"CNY per year in total: {_range(per_year['before']['low'], per_year['before']['high'])} → "
                     f"{_range(per_year['after']['low'], per_year['after']['high'])} (difference {_range(diff_['low'], diff_['high'], sign=True)})")
    return lines


def _range(low: float, high: float, sign: bool = False) -> str:
    fmt = "{:+,.0f}" if sign else "{:,.0f}"
    return fmt.format(low) if low == high else f"{fmt.format(low)}..{fmt.format(high)}"
