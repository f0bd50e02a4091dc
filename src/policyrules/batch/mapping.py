"""From a registry row to a case: which column holds which fact, and how a cell becomes a value.

A registry row describes one student: the student, the household, the school, and the
regions where the school stands and the household is registered. Columns are named by the
field they hold — `student.full_time`, `household.poverty_registered`, `school.kind`,
`school.region.city`, `household.region.county` — so a file written with those names needs
no mapping at all. A registry with its own names (是否全日制, 建档立卡户) gets a small mapping
file (docs/batch-mapping.md) that renames columns and recodes cell values.

A cell left empty (or null) is unknown, never "no". A cell that cannot be read as its
field's type makes the row an error row naming the row and the column; the run goes on.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Mapping as MappingABC
from pathlib import Path
from typing import Any

import attrs

from ..errors import FactError, PolicyRulesError, suggest
from ..factschema import FactSchema, FieldSpec, ValueProblem, check_value, check_yearly
from ..safetext import show
from ..yamlio import read_yaml

# The entities of one row, by the prefix of their columns, and the id each gets in the case.
ENTITIES: dict[str, tuple[str, str]] = {
    "student": ("student", "student"),
    "household": ("household", "household"),
    "school": ("school", "school"),
    "school.region": ("region", "school-region"),
    "household.region": ("region", "household-region"),
}
# The links between them: (entity prefix, field, linked prefix).
LINKS = (
    ("student", "school", "school"),
    ("student", "household", "household"),
    ("school", "region", "school.region"),
    ("household", "region", "household.region"),
)
META_COLUMNS = ("case_id", "as_of")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "有", "真"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "无", "假"})
LIST_SEPARATORS = re.compile(r"[;；、|]")
YEAR_SUFFIX = re.compile(r"^(?P<path>.+)@(?P<year>\d{4})$")


class MappingError(PolicyRulesError):
    """A mapping file, or a registry's header, that cannot be used: the run does not start."""


@attrs.frozen
class Target:
    """Where one column's cells go: an entity of the row, one of its fields, maybe one year."""

    prefix: str  # student, household, school, school.region, household.region
    field: str
    spec: FieldSpec | None  # None for the entity's `id`
    year: int | None = None
    # The field path as a mapping names it (student.age, school.region.city, …@2019): made
    # once, as every cell of the column is recoded by it.
    path: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "path", f"{self.prefix}.{self.field}" + (f"@{self.year}" if self.year else ""))


@attrs.frozen
class RowError(Exception):
    """A row that cannot become a case: which row, which column (if one), what is wrong."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@attrs.frozen
class ColumnMap:
    """How a registry's columns become cases (the mapping file, or the default)."""

    columns: tuple[tuple[str, str], ...] = ()  # (column in the file, field path)
    values: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()  # field path -> (cell text -> value)
    case_id: str = "case_id"
    as_of: str = "as_of"
    source: str | None = None  # the mapping file, for messages

    def renamed(self) -> dict[str, str]:
        return dict(self.columns)

    def recode(self) -> dict[str, dict[str, Any]]:
        return {path: dict(pairs) for path, pairs in self.values}

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "as_of": self.as_of,
            "columns": dict(self.columns),
            "values": {path: dict(pairs) for path, pairs in self.values},
        }


DEFAULT_MAP = ColumnMap()


def load_mapping(path: str | Path) -> ColumnMap:
    """Read a mapping file (YAML): `case_id`, `as_of`, `columns` and `values`, all optional."""
    located = read_yaml(Path(path))
    data = located.data
    file = str(path)

    def fail(key: tuple[Any, ...], message: str) -> MappingError:
        line = located.line(key)
        return MappingError(f"{file}" + (f":{line}" if line else "") + f": {message}")

    if data is None:
        data = {}
    if not isinstance(data, MappingABC):
        raise fail((), "a mapping file is a mapping with `columns` (and optionally `values`, `case_id`, `as_of`)")
    known = ("case_id", "as_of", "columns", "values")
    for key in data:
        if key not in known:
            raise fail((key,), f"unknown key {show(key)}{suggest(key, known)}")
    columns = data.get("columns") or {}
    values = data.get("values") or {}
    if not isinstance(columns, MappingABC) or not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise fail(("columns",), "`columns` maps each column name of the registry to a field path (text to text)")
    if not isinstance(values, MappingABC) or not all(isinstance(v, MappingABC) for v in values.values()):
        raise fail(("values",), "`values` maps a field path to a table of cell text → value")
    for key in ("case_id", "as_of"):
        if key in data and not isinstance(data[key], str):
            raise fail((key,), f"`{key}` names the column holding the {key.replace('_', ' ')} (text)")
    return ColumnMap(
        columns=tuple((str(k), str(v)) for k, v in columns.items()),
        values=tuple((str(path), tuple((str(cell), value) for cell, value in table.items())) for path, table in values.items()),
        case_id=data.get("case_id", "case_id"),
        as_of=data.get("as_of", "as_of"),
        source=file,
    )


def resolve_target(path: str, schema: FactSchema) -> Target:
    """The entity and field a path names (`school.region.city`, `school.annual_funding_per_student@2018`)."""
    year = None
    match = YEAR_SUFFIX.match(path)
    if match:
        path, year = match["path"], int(match["year"])
    prefix, _, field = path.rpartition(".")
    if prefix not in ENTITIES:
        raise ValueProblem(f"{show(path)} does not start with one of {', '.join(ENTITIES)}{suggest(prefix, ENTITIES)}")
    entity_type = ENTITIES[prefix][0]
    if field == "id":
        if year is not None:
            raise ValueProblem("an id has no year")
        return Target(prefix, field, None)
    spec_entity = schema.entity(entity_type)
    assert spec_entity is not None
    spec = spec_entity.field(field)
    links = {name for p, name, _ in LINKS if p == prefix}
    if spec is None or field in links:
        choices = [f for f in spec_entity.field_names() if f not in links]
        raise ValueProblem(f"{entity_type} has no field {show(field)}{suggest(field, choices)}" if spec is None
                           else f"{prefix}.{field} is a link: give the linked entity's columns ({prefix}.{field}.…) instead")
    if spec.type == "ref":
        raise ValueProblem(f"{prefix}.{field} links to another {spec.entity}; a registry row holds only {', '.join(ENTITIES)}")
    if spec.yearly and year is None:
        raise ValueProblem(f"{prefix}.{field} is a yearly figure: name the year, e.g. {prefix}.{field}@2018")
    if year is not None and not spec.yearly:
        raise ValueProblem(f"{prefix}.{field} is not a yearly figure: drop @{year}")
    return Target(prefix, field, spec, year)


@attrs.frozen
class Plan:
    """The header read against the mapping: which column goes where, and which are ignored."""

    targets: tuple[tuple[str, Target], ...]  # (column, target)
    case_id: str | None  # the column holding case ids, if the file has it
    as_of: str | None
    ignored: tuple[str, ...]
    recode: dict[str, dict[str, Any]] = attrs.field(factory=dict, eq=False)


def plan(columns: list[str], mapping: ColumnMap, schema: FactSchema) -> Plan:
    """Match a registry's header to fields. A column meant as a field but misspelt stops the run.

    A column the mapping names, or one named like a field path, must resolve; other columns
    (a name, a remark) are ignored and listed, so nothing is dropped without a word.
    """
    renamed = mapping.renamed()
    missing = [column for column in renamed if column not in columns]
    if missing:
        raise MappingError(f"{mapping.source or 'mapping'}: column {show(missing[0])} is not in the registry"
                           f"{suggest(missing[0], columns)}")
    targets: list[tuple[str, Target]] = []
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for column in columns:
        if column in (mapping.case_id, mapping.as_of):
            continue
        path = renamed.get(column)
        if path is None:
            head = column.split(".", 1)[0]
            if head not in ("student", "household", "school"):
                ignored.append(column)
                continue
            path = column
        try:
            target = resolve_target(path, schema)
        except ValueProblem as exc:
            raise MappingError(f"column {show(column)}: {exc}") from None
        if target.path in taken:
            raise MappingError(f"columns {show(taken[target.path])} and {show(column)} both hold {target.path}")
        taken[target.path] = column
        targets.append((column, target))
    # Cells are read in column-name order, so a row with two bad cells names the same one
    # whatever order the file's format keeps its columns in.
    targets.sort(key=lambda item: item[0])
    recode = mapping.recode()
    for path in recode:
        try:
            resolve_target(path, schema)
        except ValueProblem as exc:
            raise MappingError(f"{mapping.source or 'mapping'}: values: {path}: {exc}") from None
    return Plan(
        targets=tuple(targets),
        case_id=mapping.case_id if mapping.case_id in columns else None,
        as_of=mapping.as_of if mapping.as_of in columns else None,
        ignored=tuple(ignored),
        recode=recode,
    )


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and cell != cell)


def convert(cell: Any, spec: FieldSpec, recode: MappingABC[str, Any] | None) -> Any:
    """A cell as the value its field takes. Text (CSV, Excel) is read by the field's type."""
    if recode is not None and isinstance(cell, (str, int, bool)) and str(cell).strip() in recode:
        cell = recode[str(cell).strip()]
        if cell is None:
            return None
    kind = spec.type
    if isinstance(cell, str):
        text = cell.strip()
        if kind == "bool":
            low = text.lower()
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
            raise ValueProblem(f"expected true or false (or 是/否, 1/0), got {show(cell)}")
        if kind == "int":
            if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
                return int(decimal.Decimal(text))
            raise ValueProblem(f"expected a whole number, got {show(cell)}")
        if kind == "decimal":
            try:
                return check_value(spec, decimal.Decimal(text.replace(",", "")))
            except decimal.InvalidOperation:
                raise ValueProblem(f"expected a number, got {show(cell)}") from None
        if kind == "list":
            return check_value(spec, [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()])
        return check_value(spec, text)
    if kind == "int" and isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # Excel stores every number as a double
    if kind == "bool" and isinstance(cell, int) and not isinstance(cell, bool) and cell in (0, 1):
        cell = bool(cell)
    if kind == "date" and isinstance(cell, _dt.datetime):
        cell = cell.date()
    return check_value(spec, cell)


def case_id_of(row_number: int, row: MappingABC[str, Any], the_plan: Plan) -> str:
    """The row's case id: its case_id cell, or its row number when the cell is empty or absent."""
    cell = row.get(the_plan.case_id) if the_plan.case_id is not None else None
    if _empty(cell):
        return str(row_number)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def row_to_case(row_number: int, row: MappingABC[str, Any], the_plan: Plan, as_of: _dt.date | None) -> tuple[str, dict[str, Any]]:
    """The case id and the case (a dict for `Rulebook.evaluate`) of one registry row.

    Raises RowError naming the row and column when a cell cannot be read.
    """
    case_id = case_id_of(row_number, row, the_plan)
    day = as_of
    if day is None and the_plan.as_of is not None and not _empty(row.get(the_plan.as_of)):
        cell = row[the_plan.as_of]
        from ..yamlio import to_date

        day = to_date(cell.date() if isinstance(cell, _dt.datetime) else (cell.strip() if isinstance(cell, str) else cell))
        if day is None:
            raise RowError(row_number, the_plan.as_of, f"expected a date (YYYY-MM-DD), got {show(cell)}")
    records: dict[str, dict[str, Any]] = {}
    recodes = the_plan.recode
    for column, target in the_plan.targets:
        cell = row.get(column)
        if _empty(cell):
            continue
        if target.spec is None:  # an entity's id
            if isinstance(cell, float) and cell.is_integer():
                cell = int(cell)
            value: Any = str(cell).strip()
        else:
            try:
                value = convert(cell, target.spec, recodes.get(target.path) if recodes else None)
            except ValueProblem as exc:
                raise RowError(row_number, column, f"{target.path}: {exc}") from None
            if value is None:
                continue
            if target.year is not None:
                value = check_yearly(target.spec, {target.year: value})
        record = records.setdefault(target.prefix, {})
        if target.year is not None:
            record.setdefault(target.field, {}).update({target.year: value.of(target.year)})
        else:
            record[target.field] = value
    case: dict[str, Any] = {"case": case_id}
    if day is not None:
        case["as_of"] = day
    ids = {prefix: str(records.get(prefix, {}).get("id") or default) for prefix, (_, default) in ENTITIES.items()}
    ids["student"] = str(records.get("student", {}).get("id") or case_id)
    records.setdefault("student", {})  # one row is one student, even when every cell is empty
    for prefix, field, linked in LINKS:
        if prefix in records and linked in records:
            records[prefix][field] = ids[linked]
    regions = []
    for prefix, record in records.items():
        entity_type = ENTITIES[prefix][0]
        record = {**record, "id": ids[prefix]}
        if entity_type == "region":
            regions.append(record)
        else:
            case[entity_type] = record
    if regions:
        case["region"] = regions
    return case_id, case


def located_columns(exc: FactError, the_plan: Plan) -> str | None:
    """The registry columns a FactError about a row's case names (`student.school.kind` is
    the column holding school.kind), or the error's own field names when no column matches."""
    if not exc.field:
        return None
    by_path = {target.path: column for column, target in the_plan.targets}
    named = []
    for field in (part.strip() for part in exc.field.split(",")):
        tail = field.split(".", 1)[1] if "." in field else field
        named.append(by_path.get(field) or by_path.get(tail) or field)
    return ", ".join(named)
