"""The words a sheet is written in: Chinese by default, English on request.

The people who read a sheet — a caseworker at a 县 education bureau, the student's family,
an auditor — read Chinese, and the law they check it against writes money as 每生每年2000元
and an approximate figure as 3000元左右; so the default labels are Chinese and amounts are
written as the documents write them (约3000元, 合计约5000元/年). English labels keep the
library's own words (`per_student_per_year`, `unmet`) for readers who grep records. Both views
(terminal text and the HTML report) take their words from here, so they cannot drift apart.
"""

from __future__ import annotations

import attrs

from ..factschema import display
from ..model import Amount
from ..summary import Total

LANGS = ("zh", "en")

MODALITY_ZH = {
    "entitlement": "权利/待遇",
    "obligation": "义务",
    "prohibition": "禁止",
    "permission": "允许",
    "encouragement": "鼓励/支持",
    "priority": "优先/倾斜",
    "target": "目标",
    "derived": "认定",
}

ENTITY_ZH = {
    "student": "学生",
    "labourer": "劳动者",
    "household": "家庭",
    "school": "学校",
    "enterprise": "企业",
    "employer": "用人单位",
    "recruitment": "招聘公告",
    "government": "政府部门",
    "region": "地区",
    "teacher": "教师",
}

# Units as the texts count them: 2000元, 30%, 10所, 500人次.
UNIT_ZH = {
    "CNY": "元",
    "percent": "%",
    "persons": "人",
    "person-times": "人次",
    "schools": "所",
    "bases": "个",
    "centres": "个",
    "units": "个",
    "clusters": "个",
    "enterprises": "家",
    "inspections": "次",
}
PERIOD_ZH = {"per_student_per_year": "每生每年", "per_year": "每年", "per_person_per_year": "每人每年", "once": ""}
# A person's yearly total is written per year: 合计约5000元/年.
YEARLY = frozenset({"per_student_per_year", "per_year", "per_person_per_year"})


@attrs.frozen
class Labels:
    """Every fixed word of a sheet in one language; `status` maps FindingStatus values (and the
    deadline states `passed` / `not_passed`) to the word shown beside a duty."""

    lang: str
    title_findings: str
    people: str
    institutions_receive: str
    institutions_owe: str
    findings: str
    money: str
    no_amount: str
    no_amount_given: str
    priorities: str
    owed: str
    grounds: str
    total: str
    deadline: str
    undetermined: str
    nothing: str
    does_not_apply: str
    targets: str
    benefit_kept: str
    not_counted: str
    for_subject: str
    as_of: str
    status: dict[str, str]
    glosses: dict[str, str]
    modality: dict[str, str]
    entity: dict[str, str]
    sep: str  # between citations
    colon: str
    actual: str  # before the value a check saw
    missing: str  # a value the case does not give


ZH = Labels(
    lang="zh",
    title_findings="项结论",
    people="个人享受的待遇与他人对其负有的义务",
    institutions_receive="机构享受的待遇与优先",
    institutions_owe="机构的义务与目标（按承担者）",
    findings="各项结论（每条规则一项，附原文）",
    money="有金额的待遇",
    no_amount="无金额的待遇",
    no_amount_given="未写明金额",
    priorities="优先/倾斜",
    owed="他人对其负有的义务",
    grounds="依据",
    total="合计",
    deadline="期限",
    undetermined="待定（缺少所需事实）",
    nothing="本案无适用规定",
    does_not_apply="不适用的规则",
    targets="目标",
    benefit_kept="这是应提供的日期；待遇仍然适用",
    not_counted="不计入：{rules} 优先适用",
    for_subject="针对",
    as_of="决定日期",
    status={
        "applies": "适用",
        "met": "已满足",
        "unmet": "未满足",
        "unknown": "待定",
        "pending": "未满足，期限未到",
        "approximate": "低于约数",
        "passed": "已逾期",
        "not_passed": "期限未到",
        "unknown_date": "日期未知",
    },
    glosses={
        "pending": "尚未满足，期限（或年度）未到",
        "approximate": "低于原文“左右”的数字；原文未给出幅度，只报告差距，不作判断",
    },
    modality=MODALITY_ZH,
    entity=ENTITY_ZH,
    sep="；",
    colon="：",
    actual="实际：",
    missing="缺失",
)

EN = Labels(
    lang="en",
    title_findings="findings",
    people="What each person receives, and the duties others owe them",
    institutions_receive="What institutions receive",
    institutions_owe="Duties and targets of institutions (by bearer)",
    findings="Findings (one per rule, with the quotes)",
    money="Benefits (each once, with every ground; totals never add one benefit twice)",
    no_amount="Benefits without an amount",
    no_amount_given="no amount given",
    priorities="Priorities",
    owed="Duties others owe them",
    grounds="grounds",
    total="total",
    deadline="deadline",
    undetermined="Undetermined (a needed fact is missing)",
    nothing="Nothing applies to this case",
    does_not_apply="Does not apply",
    targets="targets",
    benefit_kept="the date it was to be provided by; the benefit still applies",
    not_counted="not counted: {rules} prevails",
    for_subject="for",
    as_of="as of",
    status={
        "applies": "applies",
        "met": "met",
        "unmet": "unmet",
        "unknown": "unknown",
        "pending": "pending",
        "approximate": "approximate",
        "passed": "passed",
        "not_passed": "not yet passed",
        "unknown_date": "date unknown",
    },
    glosses={
        "pending": "not met yet, and the deadline has not passed",
        "approximate": "below a figure written with 左右 (about); the text gives no tolerance, so the gap is reported, not judged",
    },
    modality=MODALITY_ZH,
    entity={key: key for key in ENTITY_ZH},
    sep="; ",
    colon=": ",
    actual="actual: ",
    missing="missing",
)


def labels(lang: str) -> Labels:
    return ZH if lang == "zh" else EN


def amount_text(amount: Amount, lang: str) -> str:
    """每生每年2000元 / 每生每年约3000元 in Chinese; `2000 CNY per_student_per_year` in English."""
    return figure_text(amount.value, amount.value, amount.unit, amount.period, amount.approximate, lang)


def total_text(total: Total, lang: str) -> str:
    return figure_text(total.low, total.high, total.unit, total.period, total.approximate, lang)


def sum_text(total: Total, lang: str) -> str:
    """A subject's total: 合计约5000元/年 (the period's 每生 is the subject itself)."""
    if lang != "zh":
        return f"total: {total_text(total, lang)}"
    figure = _range(total.low, total.high)
    unit = UNIT_ZH.get(total.unit, total.unit)
    per = "/年" if total.period in YEARLY else ""
    return f"合计{'约' if total.approximate else ''}{figure}{unit}{per}"


def figure_text(low: int | float, high: int | float, unit: str, period: str | None, approximate: bool, lang: str) -> str:
    figure = _range(low, high)
    if lang != "zh":
        return f"{'约' if approximate else ''}{figure} {unit}{' ' + period if period else ''}"
    return f"{PERIOD_ZH.get(period or '', period or '')}{'约' if approximate else ''}{figure}{UNIT_ZH.get(unit, ' ' + unit)}"


def _range(low: int | float, high: int | float) -> str:
    return display(low) if low == high else f"{display(low)}–{display(high)}"
