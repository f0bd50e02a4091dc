"""Realistic registries for tests and benchmarks, generated from the fact schema, seeded.

Every row is one student with household, school and the two regions (the school's and the
household's), in the default column names (`student.full_time`, `school.region.city`, …),
so the file needs no mapping. Every non-yearly field of those entities in rules/facts.yaml
gets a column: a boolean is true, false or left empty (unknown), an enum one of its values
or empty, counts and amounts plausible numbers. The values that decide most rules are drawn
together rather than independently: a school's level follows from its kind (no 普通高中 at
高职 level), only a 初中毕业生 can have entered 普通高中, and places come from a short table of
real counties with what is publicly known of them (安阳市's counties, 郑州市, 凉山州, 临夏州,
杭州市, 佳木斯市); about 30% of households are registered elsewhere than their school stands.
About one row in 200 carries a deliberate mistake (a word where a number belongs, an
unknown school kind), as real registries do.

`python benchmarks/make_registry.py --rows N -o FILE [--seed S]`; the format follows the
suffix (.csv, .jsonl, .parquet, .xlsx).
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..factschema import FactSchema, FieldSpec
from .mapping import ENTITIES, LINKS

# (province, city, county, region flags) — the flags a case would state; others unknown.
PLACES: tuple[tuple[str, str, str | None, dict[str, bool]], ...] = (
    ("河南省", "安阳市", "内黄县", {"poverty_county": True}),
    ("河南省", "安阳市", "滑县", {"poverty_county": True}),
    ("河南省", "安阳市", "林州市", {"poverty_county": False}),
    ("河南省", "安阳市", "汤阴县", {"poverty_county": False}),
    ("河南省", "安阳市", "文峰区", {"poverty_county": False}),
    ("河南省", "郑州市", "金水区", {"poverty_county": False}),
    ("四川省", "凉山彝族自治州", "昭觉县", {"deep_poverty_area": True, "three_regions_three_prefectures": True, "poverty_county": True}),
    ("甘肃省", "临夏回族自治州", "东乡族自治县", {"deep_poverty_area": True, "three_regions_three_prefectures": True, "poverty_county": True}),
    ("浙江省", "杭州市", "西湖区", {"east_west_helper": True, "poverty_county": False}),
    ("黑龙江省", "佳木斯市", None, {}),
)
PLACE_WEIGHTS = (14, 10, 8, 6, 8, 14, 10, 8, 12, 10)
SCHOOL_LEVEL = {
    "secondary_specialised": "secondary",
    "vocational_high": "secondary",
    "technical_school": "secondary",
    "senior_technical_school": "secondary",
    "technician_college": "secondary",
    "vocational_training_institution": None,
    "higher_vocational_college": "junior_college",
    "general_high": "secondary",
    "general_junior_high": "junior_secondary",
    "applied_undergraduate": "undergraduate",
    "vocational_undergraduate": "undergraduate",
}
KIND_WEIGHTS = {"secondary_specialised": 30, "vocational_high": 25, "technical_school": 12, "senior_technical_school": 4,
                "technician_college": 4, "higher_vocational_college": 12, "general_high": 8, "vocational_training_institution": 2,
                "general_junior_high": 1, "applied_undergraduate": 1, "vocational_undergraduate": 1}
PLACE_FIELDS = ("province", "city", "county", "level")
MISTAKE_RATE = 0.005


def registry_columns(schema: FactSchema) -> list[tuple[str, FieldSpec | None]]:
    """The generated columns: case_id, then every non-yearly, non-link field of the row's entities."""
    out: list[tuple[str, FieldSpec | None]] = [("case_id", None)]
    for prefix, (entity_type, _) in ENTITIES.items():
        entity = schema.entity(entity_type)
        assert entity is not None
        links = {name for p, name, _ in LINKS if p == prefix}
        for spec in entity.fields:
            if spec.yearly or spec.type == "ref" or spec.name in links:
                continue
            if entity_type == "region" and spec.type == "int":
                continue  # a region's counts describe the whole region, not a student's place
            out.append((f"{prefix}.{spec.name}", spec))
    return out


def _value(rng: random.Random, spec: FieldSpec) -> Any:
    roll = rng.random()
    if spec.type == "bool":
        return True if roll < 0.45 else False if roll < 0.85 else None
    if roll < 0.12:
        return None
    if spec.type == "enum":
        return rng.choice(spec.value_keys())
    if spec.type == "int":
        return rng.randint(14, 22) if spec.unit == "years" else rng.randint(0, 60)
    if spec.type == "decimal":
        return round(rng.uniform(4000, 16000), 2) if spec.unit == "CNY" else round(rng.uniform(0, 100), 1)
    if spec.type == "list":
        return sorted(rng.sample(spec.value_keys(), rng.randint(0, min(2, len(spec.value_keys())))))
    if spec.type == "date":
        return _dt.date(2018, 1, 1) + _dt.timedelta(days=rng.randint(0, 1500))
    return None  # free text (names) is filled where it means something


def make_rows(schema: FactSchema, rows: int, seed: int = 20180104) -> Iterator[dict[str, Any]]:
    """The rows; every mistake is in a text column, which any file type can hold."""
    rng = random.Random(seed)
    cols = registry_columns(schema)
    for number in range(1, rows + 1):
        row: dict[str, Any] = {name: (_value(rng, spec) if spec else None) for name, spec in cols}
        row["case_id"] = f"S{seed % 1000:03d}{number:08d}"
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        row["school.kind"] = kind if rng.random() > 0.05 else None
        row["school.level"] = SCHOOL_LEVEL[kind] if rng.random() > 0.05 else None
        school_place = rng.choices(PLACES, weights=PLACE_WEIGHTS)[0]
        home_place = school_place if rng.random() < 0.7 else rng.choices(PLACES, weights=PLACE_WEIGHTS)[0]
        for prefix, place in (("school.region", school_place), ("household.region", home_place)):
            province, city, county, flags = place
            for field in ("poverty_county", "poverty_area", "deep_poverty_area", "three_regions_three_prefectures",
                          "contiguous_destitute_area", "contains_deep_poverty_area", "east_west_helper", "east_west_helped"):
                if f"{prefix}.{field}" in row:
                    row[f"{prefix}.{field}"] = flags.get(field)
            row[f"{prefix}.province"] = province
            row[f"{prefix}.city"] = city if rng.random() > 0.03 else None
            row[f"{prefix}.county"] = county
            row[f"{prefix}.level"] = "county" if county else "city"
            row[f"{prefix}.county_type"] = None if county is None else "district" if county.endswith("区") else "county_level_city" if county.endswith("市") else "county"
        row["school.name"] = f"{school_place[2] or school_place[1]}{'中等职业学校' if SCHOOL_LEVEL[kind] == 'secondary' else '职业技术学院'}"
        if row.get("student.junior_high_graduate") is False and row.get("student.entered_general_high_school"):
            row["student.entered_general_high_school"] = False
        if kind == "general_high" and row.get("student.entered_general_high_school") is False:
            row["student.entered_general_high_school"] = True
            row["student.junior_high_graduate"] = True
        if rng.random() < MISTAKE_RATE:
            # The same mistake in every format (a typed column could not hold 十七 or maybe), so
            # one seed gives one registry whatever the file type.
            row["school.kind"] = "中专学校"
        yield row


def write_registry(schema: FactSchema, path: Path, rows: int, seed: int = 20180104, batch: int = 20_000) -> int:
    """Write a generated registry; the format follows the suffix. Returns the number of rows."""
    suffix = path.suffix.lower()
    cols = registry_columns(schema)
    names = [name for name, _ in cols]
    generated = make_rows(schema, rows, seed)
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in generated:
                handle.write(json.dumps({k: _plain(v) for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n")
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("registry")
        sheet.append(names)
        for row in generated:
            sheet.append([_cell(row[name]) for name in names])
        book.save(path)
    elif suffix in (".csv", ".parquet"):
        import pyarrow as pa

        types = {"bool": pa.bool_(), "int": pa.int64(), "decimal": pa.float64(), "date": pa.date32(), "list": pa.list_(pa.string())}
        schema_pa = pa.schema([(name, types.get(spec.type, pa.string()) if spec else pa.string()) for name, spec in cols])
        if suffix == ".csv":
            import pyarrow.csv as pacsv

            text_schema = pa.schema([(name, pa.string()) for name in names])
            with pacsv.CSVWriter(path, text_schema) as writer:
                for chunk in _batched(generated, batch):
                    writer.write_table(pa.Table.from_pylist([{k: _text(v) for k, v in r.items()} for r in chunk], schema=text_schema))
        else:
            import pyarrow.parquet as pq

            with pq.ParquetWriter(path, schema_pa) as writer:
                for chunk in _batched(generated, batch):
                    writer.write_table(pa.Table.from_pylist(chunk, schema=schema_pa))
    else:
        raise ValueError(f"{path}: write .csv, .jsonl, .parquet or .xlsx")
    return rows


def _batched(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, _dt.date) else value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _cell(value: Any) -> Any:
    return ";".join(value) if isinstance(value, list) else value
