"""The rows a batch writes: one per (case, finding), the case's benefit totals, and errors.

Both output formats (Parquet and JSON Lines) hold the same columns, fixed here as a pyarrow
schema, so every chunk of a run — and every run — has the same shape whatever its cases
found. `kind` says what a row is:

- `finding`: one finding of one subject of the case (rule, modality, status, amount, and
  the citations: 文号, clause and verbatim quote, one list entry per citation);
- `total`: what one subject receives in total in one unit and period (`low`..`high`, each
  benefit counted once: see summary.py), with the benefit keys that make it up;
- `none`: the case was decided and nothing applies (so every input row has a row);
- `error`: the row could not be decided; `column` and `error` say where and why.

A comparison (`--compare`) writes `gained`, `lost`, `changed` and `total` rows instead, each
with the value before and after (compare.py).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..decision import Decision, Finding

_STR = pa.string()
_LIST = pa.list_(pa.string())

# The columns every output row starts with (which case, row, subject and rule) and ends with
# (the benefits counted, the citations, and where a bad row went wrong); batch and compare
# rows differ only in between.
_WHO = [
    ("case_id", _STR),
    ("row", pa.int64()),
    ("kind", _STR),
    ("subject_type", _STR),
    ("subject_id", _STR),
    ("rule_id", _STR),
    ("modality", _STR),
    ("benefit", _STR),
    ("title", _STR),
]
_CITED = [
    ("benefits", _LIST),
    ("number", _LIST),
    ("clause", _LIST),
    ("quote", _LIST),
    ("column", _STR),
    ("error", _STR),
]

BATCH_SCHEMA = pa.schema(
    _WHO
    + [
        ("status", _STR),
        ("amount", pa.float64()),
        ("unit", _STR),
        ("period", _STR),
        ("approximate", pa.bool_()),
        ("low", pa.float64()),
        ("high", pa.float64()),
    ]
    + _CITED
)

COMPARE_SCHEMA = pa.schema(
    _WHO
    + [
        ("changed", _LIST),
        ("status_before", _STR),
        ("status_after", _STR),
        ("amount_before", pa.float64()),
        ("amount_after", pa.float64()),
        ("unit", _STR),
        ("period", _STR),
        ("low_before", pa.float64()),
        ("high_before", pa.float64()),
        ("low_after", pa.float64()),
        ("high_after", pa.float64()),
    ]
    + _CITED
)


def blank(schema: pa.Schema, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(schema.names)
    record.update(values)
    return record


def citation_columns(finding: Finding) -> dict[str, list[str]]:
    return {
        "number": [c.number or "" for c in finding.citations],
        "clause": [c.clause for c in finding.citations],
        "quote": [c.quote for c in finding.citations],
    }


def finding_columns(finding: Finding) -> dict[str, Any]:
    """The columns naming a finding's subject and rule, the same in batch and compare rows."""
    return {
        "subject_type": finding.subject.type,
        "subject_id": finding.subject.id,
        "rule_id": finding.rule_id,
        "modality": finding.modality,
        "benefit": finding.effect.key,
        "title": finding.title,
    }


def finding_record(case_id: str, row: int, finding: Finding) -> dict[str, Any]:
    amount = finding.amount
    return blank(
        BATCH_SCHEMA,
        case_id=case_id,
        row=row,
        kind="finding",
        **finding_columns(finding),
        status=str(finding.status),
        amount=None if amount is None else float(amount.value),
        unit=None if amount is None else amount.unit,
        period=None if amount is None else amount.period,
        approximate=None if amount is None else amount.approximate,
        **citation_columns(finding),
    )


def decision_records(case_id: str, row: int, decision: Decision) -> list[dict[str, Any]]:
    """The rows of one decided case: its findings, then each subject's totals."""
    records = [finding_record(case_id, row, finding) for finding in decision.findings]
    for summary in decision.benefits:
        for total in summary.totals:
            records.append(
                blank(
                    BATCH_SCHEMA,
                    case_id=case_id,
                    row=row,
                    kind="total",
                    subject_type=summary.subject.type,
                    subject_id=summary.subject.id,
                    unit=total.unit,
                    period=total.period,
                    approximate=total.approximate,
                    low=float(total.low),
                    high=float(total.high),
                    benefits=list(total.benefits),
                )
            )
    if not records:
        records.append(blank(BATCH_SCHEMA, case_id=case_id, row=row, kind="none"))
    return records


def error_record(schema: pa.Schema, case_id: str | None, row: int, column: str | None, message: str) -> dict[str, Any]:
    return blank(schema, case_id=case_id, row=row, kind="error", column=column, error=message)
