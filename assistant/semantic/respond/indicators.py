"""Saying indicator results: a fund's (core) indicators, one indicator's value and weight, a ranking."""

from __future__ import annotations

from typing import Any

from assistant.answer import Column
from assistant.semantic.execute import PartResult
from assistant.semantic.query import CNT, TARGET, WEIGHT
from assistant.semantic.respond.draft import Draft

COLUMNS = [Column("fund", "专项"), Column("indicator", "指标名称"), Column("nature", "性质"),
           Column("value", "指标值"), Column("unit", "计量单位"), Column("weight", "权重", "%", True),
           Column("core_text", "是否核心")]


def target(row: dict[str, Any]) -> str:
    """指标值 as the form writes it, with its comparison and unit: ≥95%."""
    nature = row["nature"] if row["nature"] in ("≥", "≤", ">", "<", "=") else ""
    return f"{nature}{row['value']}{row['unit'] or ''}"


def weight(row: dict[str, Any]) -> str:
    return f"{row['weight_text']}" if row.get("weight_text") else "未填"


def describe(row: dict[str, Any]) -> str:
    core = "，核心指标" if row.get("is_core") else ""
    note = "（此行原文列错位，已按表头对齐，见数据核对）" if row.get("realigned") else ""
    return f"{row['indicator']}（指标值 {target(row)}，权重 {weight(row)}{core}）{note}"


def _ranked(query, rows: list[dict], draft: Draft, scope: str, by_weight: bool) -> None:
    """The top indicator(s) by weight or target (every one tied at the top), or the first N."""
    measure, key = ("权重", "weight") if by_weight else ("指标值", "value_number")
    shown = weight if by_weight else target
    way = "最高" if query.order.desc else "最低"
    if query.order.limit != 1 or query.order.offset:
        items = "；".join(f"{i}. {r['fund']}的“{r['indicator']}” {shown(r)}"
                         for i, r in enumerate(rows, query.order.offset + 1))
        draft.say(f"{scope}按{measure}{'从高到低' if query.order.desc else '从低到高'}：{items}。")
        return
    top = [r for r in rows if r[key] == rows[0][key]]
    names = "、".join(f"{r['fund']}的“{r['indicator']}”" for r in top)
    tied = "（并列）" if len(top) > 1 else ""
    draft.say(f"{scope}{measure}{way}的是{tied}{names}，{measure}{'均' if tied else ''}为{shown(top[0])}。")


def indicators(result: PartResult, draft: Draft, scope: str) -> None:
    query, rows = result.query, result.rows
    if not rows:
        draft.say(f"{scope}没有找到符合条件的指标。")
        return
    wants = [o.measure for o in query.outputs if o.measure in (TARGET, WEIGHT)]
    if any(o.agg == CNT for o in query.outputs):
        n, funds = result.totals.get("count", 0), result.totals.get("funds", 0)
        names = "、".join(f"{r['fund']}的“{r['indicator']}”" for r in rows[:30])
        draft.say(f"{scope}符合条件的绩效指标共{n}条（分属{funds}个专项）：{names}。")
    elif query.order is not None and rows:
        _ranked(query, rows, draft, scope, WEIGHT in wants)
    elif any(o.measure == "core" for o in query.outputs):
        for row in rows:
            said = "是核心指标" if row.get("is_core") else (
                "不是核心指标" if row.get("is_core") is False else f"是否核心一栏写作“{row['core_text']}”")
            draft.say(f"{row['fund']}的“{row['indicator']}”{said}。")
    elif wants:
        for row in rows:
            said = []
            if TARGET in wants:
                said.append(f"指标值 {target(row)}")
            if WEIGHT in wants:
                said.append(f"权重 {weight(row)}")
            draft.say(f"{row['fund']}的“{row['indicator']}”：" + "，".join(said) + "。")
    else:
        listed = "；".join(describe(r) for r in rows)
        draft.say(f"{scope}共{len(rows)}个：{listed}。")
    draft.cite(*(r["indicator_row_id"] for r in rows[:40]))
    draft.table(rows, COLUMNS)
