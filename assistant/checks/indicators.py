"""Rules 6 and 7: indicator weights per form, and units or values that cannot fit an indicator.

The 编表说明 of a compilation says the weights of a form add up to 90 (the
budget-execution indicator's fixed 10 is left out); forms that add up to 100
follow the other common convention and are noted, not flagged.  Units are
judged from what the indicator's name says it measures: a name that counts
things (…人数, …次数, …数量) cannot be measured in %, a rate (…率, …比例)
cannot be measured in 个 or 人, and a ≥/≤/= target must be a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.checks.common import (
    INFO,
    UNIT,
    WARNING,
    WEIGHT,
    DocumentSet,
    Finding,
    form_label,
    plain,
)
from db import models as m

EXPECTED_TOTAL = Decimal(90)  # 编表说明: weights add up to 90, 预算执行 takes the fixed other 10
FULL_TOTAL = Decimal(100)

_TRAILING_BRACKET = re.compile(r"[（(][^（）()]*[）)]$")
_COUNT_NAME = re.compile(r"(数|次)$|数量")
_NOT_COUNT_NAME = re.compile(r"(指数|系数|分数|倍数|参数)$")
_RATE_NAME = re.compile(r"率$|比例|占比|比重|百分比")
_RATIO_UNITS = {"%", "％", "‰", "百分比"}
_COUNT_UNIT = re.compile(
    r"^[万千]?(个|人|次|户|家|项|件|名|场|场次|人次|所|座|套|台|辆|篇|条|期|块|起|部|种|本|批次|处)$"
)
_COMPARISONS = {"≥", "≤", "=", "＝", ">", "<", "＞", "＜"}
_QUALITATIVE = "定性"
_NUMBER = re.compile(r"^[≥≤<>＜＞=＝]?\s*[-+]?\d[\d,]*(?:\.\d+)?\s*[%％‰]?$")

_OFF_TOTAL, _EMPTY, _FULL = "合计不为90或100", "有指标未填权重", "合计为100（说明）"
_COUNT_IN_RATIO, _RATE_IN_COUNT, _NOT_NUMBER, _NUMBER_QUALITATIVE = (
    "计数指标用了比率单位", "比率指标用了计数单位", "定量指标的指标值不是数字", "定性指标的指标值是数字",
)


def _forms(session: Session, doc_ids: list[int]) -> dict[int, tuple[m.FundForm, list[m.Indicator]]]:
    """Every form with its indicators in order (an empty list when it has none)."""
    out: dict[int, tuple[m.FundForm, list[m.Indicator]]] = {}
    rows = session.execute(
        select(m.FundForm, m.Indicator)
        .outerjoin(m.Indicator, m.Indicator.form_id == m.FundForm.id)
        .where(m.FundForm.document_id.in_(doc_ids))
        .order_by(m.FundForm.document_id, m.FundForm.id, m.Indicator.ordinal)
    ).all()
    for form, indicator in rows:
        _, indicators = out.setdefault(form.id, (form, []))
        if indicator is not None:
            indicators.append(indicator)
    return out


def _weights(form: m.FundForm, indicators: list[m.Indicator]) -> Finding | None:
    """Rule 6 for one form: the total, and the indicators without a weight."""
    total = sum((i.weight for i in indicators if i.weight is not None), Decimal(0))
    empty = [i for i in indicators if i.weight is None]
    label = form_label(form.seq, form.name)
    missing = f"；{len(empty)}个指标未填权重：" + "、".join(f"“{i.name}”" for i in empty) if empty else ""
    if not indicators:
        severity, group, message = WARNING, _OFF_TOTAL, f"{label}没有读到任何绩效指标"
    elif total not in (EXPECTED_TOTAL, FULL_TOTAL):
        severity, group = WARNING, _OFF_TOTAL
        message = f"{label}的指标权重合计为{plain(total)}（应为90）{missing}"
    elif empty:
        severity, group = WARNING, _EMPTY
        message = f"{label}的指标权重合计为{plain(total)}{missing}"
    elif total == FULL_TOTAL:
        severity, group = INFO, _FULL
        message = f"{label}的指标权重合计为100（编表说明为90，即不含预算执行10%的口径）"
    else:
        return None
    return Finding(
        WEIGHT, severity, message,
        figures={"total": plain(total), "indicators": len(indicators),
                 "empty_weight": [i.name for i in empty]},
        row_ids=[form.name_row_id] + [i.source_row_id for i in (empty or indicators)],
        document_id=form.document_id,
        group=group,
    )


def _unit_problem(name: str, nature: str, value: str, unit: str) -> tuple[str, str] | None:
    """``(group, reason)`` when the unit or value cannot fit what the indicator's name measures."""
    stem = _TRAILING_BRACKET.sub("", name.strip())
    unit, value = unit.strip(), value.strip()
    counts = bool(_COUNT_NAME.search(stem)) and not _NOT_COUNT_NAME.search(stem)
    target = f"（指标值 {nature}{value}）"
    if counts and unit in _RATIO_UNITS:
        return _COUNT_IN_RATIO, f"名称是计数指标，计量单位却是“{unit}”{target}"
    if _RATE_NAME.search(stem) and _COUNT_UNIT.match(unit):
        return _RATE_IN_COUNT, f"名称是比率指标，计量单位却是“{unit}”{target}"
    if nature in _COMPARISONS and value and not _NUMBER.match(value):
        return _NOT_NUMBER, f"指标性质为“{nature}”，指标值“{value}”却不是数字"
    if nature == _QUALITATIVE and _NUMBER.match(value):
        return _NUMBER_QUALITATIVE, f"指标性质为“定性”，指标值却是数字“{value}”"
    return None


def _units(form: m.FundForm, indicators: list[m.Indicator]) -> Iterator[Finding]:
    """Rule 7 for one form."""
    for i in indicators:
        found = _unit_problem(i.name, i.nature, i.value, i.unit)
        if found is None:
            continue
        group, reason = found
        yield Finding(
            UNIT, WARNING,
            f"{form_label(form.seq, form.name)}的指标“{i.name}”{reason}",
            figures={"indicator": i.name, "nature": i.nature, "value": i.value, "unit": i.unit},
            row_ids=[i.source_row_id],
            document_id=form.document_id,
            group=group,
        )


def check(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rules 6 and 7 over the forms of every document."""
    for form, indicators in _forms(session, docs.all_ids).values():
        if (finding := _weights(form, indicators)) is not None:
            yield finding
        yield from _units(form, indicators)
