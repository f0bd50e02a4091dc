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

from functools import cache
from typing import TYPE_CHECKING, Any

from ..decision import Decision, Finding

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow is imported only when a schema is asked for (writing Parquet, building Arrow
# tables), not when this module is: importing it starts native threads (jemalloc's, its
# thread pools), and a process with threads cannot safely fork (the child may deadlock).
# So importing policyrules.batch starts no thread. The columns are named here with their
# Arrow types; the schemas are built from them on first use.

# The columns every output row starts with (which case, row, subject and rule) and ends with
# (the benefits counted, the citations, and where a bad row went wrong); batch and compare
# rows differ only in between.
_WHO = [
    ("case_id", "string"),
    ("row", "int64"),
    ("kind", "string"),
    ("subject_type", "string"),
    ("subject_id", "string"),
    ("rule_id", "string"),
    ("modality", "string"),
    ("benefit", "string"),
    ("title", "string"),
]
_CITED = [
    ("benefits", "list<string>"),
    ("number", "list<string>"),
    ("clause", "list<string>"),
    ("quote", "list<string>"),
    ("column", "string"),
    ("error", "string"),
]

_BATCH = (
    _WHO
    + [
        ("status", "string"),
        ("amount", "float64"),
        ("unit", "string"),
        ("period", "string"),
        ("approximate", "bool"),
        ("low", "float64"),
        ("high", "float64"),
    ]
    + _CITED
)

_COMPARE = (
    _WHO
    + [
        ("changed", "list<string>"),
        ("status_before", "string"),
        ("status_after", "string"),
        ("amount_before", "float64"),
        ("amount_after", "float64"),
        ("unit", "string"),
        ("period", "string"),
        ("low_before", "float64"),
        ("high_before", "float64"),
        ("low_after", "float64"),
        ("high_after", "float64"),
    ]
    + _CITED
)

BATCH_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _BATCH)
COMPARE_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _COMPARE)


def _schema(columns: list[tuple[str, str]]) -> pa.Schema:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(), "list<string>": pa.list_(pa.string())}
    return pa.schema([(name, types[kind]) for name, kind in columns])


@cache
def batch_schema() -> pa.Schema:
    """The Arrow schema of batch rows (BATCH_COLUMNS with their types)."""
    return _schema(_BATCH)


@cache
def compare_schema() -> pa.Schema:
    """The Arrow schema of comparison rows (COMPARE_COLUMNS with their types)."""
    return _schema(_COMPARE)


def __getattr__(name: str) -> Any:
    """BATCH_SCHEMA and COMPARE_SCHEMA, built (and pyarrow imported) when first asked for."""
    if name == "BATCH_SCHEMA":
        return batch_schema()
    if name == "COMPARE_SCHEMA":
        return compare_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def blank(columns: tuple[str, ...], **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(columns)
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
        BATCH_COLUMNS,
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
                    BATCH_COLUMNS,
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
        records.append(blank(BATCH_COLUMNS, case_id=case_id, row=row, kind="none"))
    return records


def error_record(columns: tuple[str, ...], case_id: str | None, row: int, column: str | None, message: str) -> dict[str, Any]:
    return blank(columns, case_id=case_id, row=row, kind="error", column=column, error=message)
