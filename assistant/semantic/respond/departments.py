"""Saying department results: the department with most (or least), a position, a ranking, a count."""

from __future__ import annotations

from typing import Any

from assistant.answer import Column
from assistant.semantic.execute import PartResult
from assistant.semantic.query import AVG, BASIS_NAMES, CNT, COUNT, Query
from assistant.semantic.respond.draft import Draft
from assistant.semantic.respond.format import amount

COLUMNS = [Column("department_short", "部门"), Column("count", "专项个数", "个", True),
           Column("sum", "专项合计", "万元", True), Column("avg", "平均每项", "万元", True)]
DIGITS = 1  # catalog figures are written to one decimal; a department's total keeps that


def _measure(query: Query) -> str:
    if any(o.measure == COUNT and o.agg is None for o in query.outputs):
        return "count"
    return "avg" if any(o.agg == AVG for o in query.outputs) else "sum"


def _figure(row: dict[str, Any], measure: str) -> str:
    if measure == "count":
        return f"{row['count']}个专项"
    if measure == "avg":
        return f"平均每项{amount(row['avg'], 2)}万元（{row['count']}项合计{amount(row['sum'], DIGITS)}万元）"
    return f"{amount(row['sum'], DIGITS)}万元（{row['count']}项）"


def _word(measure: str) -> str:
    return {"count": "专项个数", "avg": "平均每项专项金额", "sum": "专项合计"}[measure]


def departments(result: PartResult, draft: Draft, scope: str) -> None:
    query, rows = result.query, result.rows
    measure = _measure(query)
    basis = BASIS_NAMES[query.basis]
    if query.order is not None and query.order.position_of:
        for row in result.ranked:
            draft.say(f"{row['department_short']}的{_word(measure)}{_figure(row, measure)}，"
                      f"在{scope}{row['out_of']}个单位中排第{row['position']}位（按{basis}口径）。")
        _cite_members(result, draft, {r["department_id"] for r in result.ranked})
        return
    if any(o.agg == CNT for o in query.outputs):
        names = "、".join(r["department_short"] for r in rows)
        which = "、".join(h.phrase() for h in query.having) + "的单位" if query.having else "有重点专项的单位"
        draft.say(f"{scope}中，{which}共{result.totals.get('count', len(rows))}个"
                  f"（按{basis}口径）：{names}。")
    elif not rows:
        draft.say(f"{scope}没有符合条件的单位。")
    elif query.order is not None and query.order.limit == 1:
        key = "count" if measure == "count" else measure
        tied = [r for r in rows if r[key] == rows[0][key]]  # SQL keeps every row tied at the top
        place = (f"第{query.order.offset + 1}位" if query.order.offset
                 else ("最多" if query.order.desc else "最少"))
        names = "、".join(r["department_short"] for r in tied)
        draft.say(f"{scope}{_word(measure)}{place}的是{names}{'（并列）' if len(tied) > 1 else ''}："
                  f"{_figure(rows[0], measure)}（按{basis}口径）。")
    else:
        items = "；".join(f"{i}. {r['department_short']} {_figure(r, measure)}"
                         for i, r in enumerate(rows, (query.order.offset if query.order else 0) + 1))
        draft.say(f"{scope}按{_word(measure)}排列（{basis}口径）：{items}。")
    _cite_members(result, draft, {r["department_id"] for r in rows})
    shown = result.ranking or rows  # the whole ranking goes to the table and the chart
    draft.table(shown, COLUMNS)
    draft.chart_items([(r["department_short"], r["count"] if measure == "count" else r[measure])
                       for r in shown],
                      f"{_word(measure)}（{'个' if measure == 'count' else '万元'}）")


def _cite_members(result: PartResult, draft: Draft, departments: set[int]) -> None:
    for member in result.members:
        if member["department_id"] in departments:
            draft.cite(member["catalog_row_id"] or member["form_row_id"])
