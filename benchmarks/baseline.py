"""A hand-written plain-Python baseline for clause 六、1 of 安政办〔2018〕2号.

`decide(case, as_of)` answers the question policyrules answers for the rule file
rules/clauses/anyang-2018-2/06-1.yaml — which of its 11 rules apply to which entity —
directly on the case dict, with ordinary Python and no policyrules import. It is the
"how fast could this be by hand" yardstick for benchmarks/run.py, which checks on every
generated case that both give the same (rule_id, subject_id) pairs before timing anything.

What is encoded (read from 06-1.yaml and documents.yaml):

- in force from the document's date, 2018-01-04 (no end date);
- jurisdiction: the document binds 河南省 安阳市; each rule says which region counts
  (household.region, school.region, or the subject's own region);
- a finding only when the condition is *surely* true: a missing field (absent or None) or
  a dangling link never counts, just as policyrules reports it as undetermined;
- the derived rule registered-poor-vocational-student (the class 中等职业学校全日制正式学籍
  建档立卡贫困家庭学生: a 中等-level school of a 中职 kind, 技工院校 included) is a finding of its
  own, and the 国家助学金 applies exactly when it does (it chains on it, via school.region);
  the “雨露计划” subsidy states the same conditions but follows the household's 户籍;
- 当地 in the 内黄县 training is the labourer's household's 户籍 county.

Every condition in 06-1 is a positive comparison (no `not`), so "surely true" is plain
two-valued Python on the known values: `x is True`, `x is False`, `x == "..."`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

SECONDARY_VOCATIONAL_KINDS = ("secondary_specialised", "vocational_high", "technical_school", "senior_technical_school", "technician_college")
EDUCATION_SECONDARY_KINDS = ("secondary_specialised", "vocational_high")  # the education department's 中职
IN_FORCE_FROM = _dt.date(2018, 1, 4)
PROVINCE, CITY = "河南省", "安阳市"
NEIHUANG_SCHOOL = "内黄县中等职业学校"
CITY_DEPARTMENTS = frozenset({"education", "human_resources_social_security", "finance", "development_reform"})

_R = "anyang-2018-2/06-1/"
FREE_SECONDARY_VOCATIONAL = _R + "free-secondary-vocational"
REGISTERED_POOR_VOCATIONAL_STUDENT = _R + "registered-poor-vocational-student"
NATIONAL_GRANT = _R + "national-grant"
RAIN_DEW_SUBSIDY = _R + "rain-dew-subsidy"
FREE_SKILLS_TRAINING = _R + "free-skills-training"
CITY_DEPARTMENTS_SCHOOLS = _R + "city-departments-poverty-county-schools"
FUNDING_PRIORITY = _R + "poverty-county-funding-priority"
EXPAND_ADMISSIONS = _R + "expand-poverty-county-admissions"
NEIHUANG_TRAINING_CLASS = _R + "neihuang-training-class"
NEIHUANG_TRAINING_BENEFICIARY = _R + "neihuang-training-beneficiary"
TEACHER_TRAINING_PRIORITY = _R + "teacher-training-priority"

RULE_IDS = (
    FREE_SECONDARY_VOCATIONAL,
    REGISTERED_POOR_VOCATIONAL_STUDENT,
    NATIONAL_GRANT,
    RAIN_DEW_SUBSIDY,
    FREE_SKILLS_TRAINING,
    CITY_DEPARTMENTS_SCHOOLS,
    FUNDING_PRIORITY,
    EXPAND_ADMISSIONS,
    NEIHUANG_TRAINING_CLASS,
    NEIHUANG_TRAINING_BENEFICIARY,
    TEACHER_TRAINING_PRIORITY,
)

_EMPTY: dict[str, Any] = {}


def _all(case: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    records = case.get(type_)
    if records is None:
        return []
    return records if isinstance(records, list) else [records]


def _index(case: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in _all(case, type_)}


def decide(case: dict[str, Any], as_of: _dt.date) -> list[tuple[str, str]]:
    """The (rule_id, subject_id) pairs of clause 六、1 that apply to `case` on `as_of`."""
    if as_of < IN_FORCE_FROM:
        return []
    regions = _index(case, "region")
    households = _index(case, "household")
    schools = _index(case, "school")

    def anyang(region_id: Any) -> bool:
        region = regions.get(region_id) if region_id is not None else None
        return region is not None and region.get("province") == PROVINCE and region.get("city") == CITY

    found: list[tuple[str, str]] = []

    for student in _all(case, "student"):
        sid = str(student["id"])
        household = households.get(student.get("household"), _EMPTY)
        school = schools.get(student.get("school"), _EMPTY)
        household_in_anyang = anyang(household.get("region"))
        poor = household.get("poverty_registered") is True
        if household_in_anyang and student.get("junior_high_graduate") is True and student.get("entered_general_high_school") is False:
            found.append((FREE_SECONDARY_VOCATIONAL, sid))
        poor_vocational = (
            school.get("level") == "secondary"
            and school.get("kind") in SECONDARY_VOCATIONAL_KINDS
            and student.get("full_time") is True
            and student.get("formal_enrolment") is True
            and poor
        )
        if poor_vocational and anyang(school.get("region")):  # 国家助学金 follows the school
            found.append((REGISTERED_POOR_VOCATIONAL_STUDENT, sid))
            found.append((NATIONAL_GRANT, sid))
        if poor_vocational and household_in_anyang:  # “雨露计划” follows the household's 户籍
            found.append((RAIN_DEW_SUBSIDY, sid))
        if household_in_anyang and poor:
            found.append((FREE_SKILLS_TRAINING, sid))

    for government in _all(case, "government"):
        if (
            anyang(government.get("region"))
            and government.get("level") == "city"
            and government.get("kind") == "department"
            and government.get("department") in CITY_DEPARTMENTS
        ):
            found.append((CITY_DEPARTMENTS_SCHOOLS, str(government["id"])))

    for school in _all(case, "school"):
        region_id = school.get("region")
        if not anyang(region_id):
            continue
        sid = str(school["id"])
        kind = school.get("kind")
        poverty_county = regions[region_id].get("poverty_county") is True
        neihuang_school = school.get("name") == NEIHUANG_SCHOOL
        if school.get("level") == "secondary" and kind in SECONDARY_VOCATIONAL_KINDS and poverty_county:
            found.append((FUNDING_PRIORITY, sid))
        if kind == "higher_vocational_college":
            found.append((EXPAND_ADMISSIONS, sid))
        if neihuang_school:
            found.append((NEIHUANG_TRAINING_CLASS, sid))
        if kind in EDUCATION_SECONDARY_KINDS and (neihuang_school or poverty_county):
            found.append((TEACHER_TRAINING_PRIORITY, sid))

    for labourer in _all(case, "labourer"):  # 当地 is the household's 户籍, not where the labourer is
        household = households.get(labourer.get("household"), _EMPTY)
        region_id = household.get("region")
        if not anyang(region_id) or regions[region_id].get("county") != "内黄县":
            continue
        if household.get("poverty_registered") is True or household.get("poor") is True:
            found.append((NEIHUANG_TRAINING_BENEFICIARY, str(labourer["id"])))

    return found
