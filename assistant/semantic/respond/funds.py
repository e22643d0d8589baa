"""Saying fund results in Chinese: lookups, totals, counts, averages, rankings, lists, attributes.

Figures are written as the source writes them (1,086.6 / 502.00); a computed
figure keeps the finest precision of the figures it came from.  A fund's amount
is given on both bases, and a total whose basis changes the result says both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.semantic.execute import PartResult
from assistant.semantic.query import AVG, BASIS_NAMES, CATALOG, CNT, FORM, INDICATOR_COUNT, MEDIAN, SUM, Query
from assistant.semantic.respond.draft import Draft, fund_label
from assistant.semantic.respond.format import amount, computed, places

LIST_IN_TEXT = 30  # a list longer than this names its first items in the text; the table has all


def basis_text(row: dict[str, Any], basis: str) -> str:
    """The amount of a fund row as written, on a basis (falling back to the other side)."""
    first, second = ("form_text", "catalog_text") if basis == FORM else ("catalog_text", "form_text")
    return row.get(first) or row.get(second) or "—"


def both_bases(row: dict[str, Any]) -> str:
    """目录 550.0万元，绩效目标表 550.00万元（一致）— or the difference, or the side missing."""
    cat, form = row.get("catalog_amount"), row.get("form_amount")
    if cat is None and form is None:
        return "金额未列明"
    if form is None:
        return f"目录 {row['catalog_text']}万元（没有对应的绩效目标表）"
    if cat is None:
        return f"绩效目标表 {row['form_text']}万元（目录中没有这一项）"
    text = f"目录 {row['catalog_text']}万元，绩效目标表 {row['form_text']}万元"
    if abs(cat - form) <= Decimal("0.05"):
        return text + "，两者一致"
    gap = computed(abs(cat - form), [row["catalog_text"], row["form_text"]])
    return text + f"，两者不一致（相差{gap}万元）"


def precision(rows: list[dict[str, Any]], basis: str) -> int:
    """The finest decimals of the amounts the rows state on a basis."""
    return max((places(basis_text(r, basis)) for r in rows), default=1)


def lookup(result: PartResult, draft: Draft) -> None:
    """The amount of each named fund, on both bases."""
    for row in result.rows:
        draft.say(f"{fund_label(row)}{result.query.year or ''}年预算：{both_bases(row)}。")
        draft.cite(row["catalog_row_id"], row["form_row_id"])
    draft.table_funds(result.rows, result.query)
    if not result.rows:
        draft.say("库中没有找到这个专项。")


def aggregates(result: PartResult, draft: Draft, scope: str) -> None:
    """Count, total, average, median of the funds in scope, with the basis said."""
    query, totals = result.query, result.totals
    n = totals.get("count") or 0
    basis = BASIS_NAMES[query.basis]
    said = []
    for output in query.outputs:
        if output.agg == CNT or output.measure == "count":
            said.append(f"共{n}个")
        elif output.agg == SUM:
            said.append(f"合计{_money(totals.get('sum'), result.rows, query.basis)}万元")
        elif output.agg == AVG:
            said.append(f"平均每项{_average(totals, result.rows, query)}万元")
        elif output.agg == MEDIAN:
            said.append(f"中位数{_money(result.median, result.rows, query.basis)}万元")
    draft.say(f"{scope}（按{basis}口径）" + "，".join(said) + "。")
    _other_basis(result, draft)
    if result.rows and len(result.rows) <= LIST_IN_TEXT:
        draft.say("包括：" + "、".join(
            f"{r['name']}（{r.get('department_short', '')}，{basis_text(r, query.basis)}）"
            for r in result.rows) + "。")
    if result.median is not None:  # the middle fund(s) first: their rows hold the median's figure
        draft.cite_funds(_middle(result.rows, result.median), query.basis)
    draft.cite_funds(result.rows, query.basis)
    draft.table_funds(result.rows, query)


def _middle(rows: list[dict[str, Any]], median: Decimal) -> list[dict[str, Any]]:
    """The funds a median is read from: those at the median, else the nearest below and above."""
    valued = [r for r in rows if r.get("amount") is not None]
    at = [r for r in valued if Decimal(r["amount"]) == Decimal(median)]
    if at:
        return at
    below = [r for r in valued if Decimal(r["amount"]) < Decimal(median)]
    above = [r for r in valued if Decimal(r["amount"]) > Decimal(median)]
    return ([max(below, key=lambda r: Decimal(r["amount"]))] if below else []) + (
        [min(above, key=lambda r: Decimal(r["amount"]))] if above else [])


def _money(value, rows: list[dict[str, Any]], basis: str) -> str:
    return amount(value, precision(rows, basis)) if value is not None else "—"


def _average(totals: dict[str, Any], rows: list[dict[str, Any]], query: Query) -> str:
    n, total = totals.get("count") or 0, totals.get("sum")
    if not n or total is None:
        return "—"
    digits = max(precision(rows, query.basis), 2) if query.decimals is None else query.decimals
    return f"{amount(Decimal(total) / n, digits)}（{_money(total, rows, query.basis)} ÷ {n}）"


def _other_basis(result: PartResult, draft: Draft) -> None:
    """When the two bases give different totals, the other one is said too."""
    other = result.other_basis
    if not other:
        return
    name = BASIS_NAMES[FORM if result.query.basis == CATALOG else CATALOG]
    parts = []
    outputs = result.query.outputs
    if other.get("count") != result.totals.get("count"):
        parts.append(f"{other['count']}个")
    # the other basis is said in the figure asked: an average as an average, a total as a total
    aggs = {o.agg for o in outputs if o.measure != "count"}
    said = ("avg", "平均每项") if aggs == {AVG} else ("sum", "合计") if aggs & {SUM, None} else None
    if said is not None and other.get(said[0]) is not None and result.totals.get(said[0]) is not None \
            and abs(Decimal(other[said[0]]) - Decimal(result.totals[said[0]])) > Decimal("0.005"):
        parts.append(f"{said[1]}{amount(other[said[0]], 2)}万元")
    if parts:
        draft.say(f"若按{name}口径则为" + "，".join(parts) + "（两种口径金额不一致的专项会影响结果）。")


def ranking(result: PartResult, draft: Draft, scope: str) -> None:
    """The top (or n-th, or first n) funds of a ranking, or the whole ordered list."""
    query, rows = result.query, result.rows
    order = query.order
    if not rows:
        draft.say(f"{scope}没有符合条件的专项。")
        return
    way = "最大" if order.desc else "最小"
    if any(o.measure == INDICATOR_COUNT for o in query.outputs):
        top = [r for r in rows if r["indicators"] == rows[0]["indicators"]]
        tied = "（并列）" if len(top) > 1 else ""
        names = "、".join(fund_label(r) for r in top)
        draft.say(f"{scope}中绩效目标表列出指标{'最多' if order.desc else '最少'}的是{tied}{names}，"
                  f"各{top[0]['indicators']}条。")
        draft.cite(*(r["form_row_id"] or r["catalog_row_id"] for r in top))
        return
    if order.limit == 1:
        row = rows[0]
        place = f"第{order.offset + 1}位" if order.offset else way
        ranked = "从大到小" if order.desc else "从小到大"
        lead = f"{scope}按{BASIS_NAMES[query.basis]}金额{ranked}，{place}的是" if order.offset \
            else f"{scope}金额{way}的是"
        draft.say(f"{lead}{fund_label(row)}：{basis_text(row, query.basis)}万元（{both_bases(row)}）。")
    else:
        items = "；".join(f"{i}. {fund_label(r)} {basis_text(r, query.basis)}万元"
                         for i, r in enumerate(rows, order.offset + 1))
        direction = "从大到小" if order.desc else "从小到大"
        draft.say(f"{scope}按{BASIS_NAMES[query.basis]}金额{direction}：{items}。")
    draft.cite_funds(rows, query.basis)
    draft.table_funds(rows, query)
    draft.chart_funds(rows, query)


def listing(result: PartResult, draft: Draft, scope: str) -> None:
    """Every fund in scope, named in the text (the table has the amounts)."""
    rows, query = result.rows, result.query
    if not rows:
        draft.say(f"{scope}没有符合条件的专项。")
        return
    shown = rows[:LIST_IN_TEXT]
    names = "、".join(f"{r['name']}（{r.get('department_short', '')}，{basis_text(r, query.basis)}万元）"
                      for r in shown)
    more = f"等（共{len(rows)}个，见下表）" if len(rows) > len(shown) else ""
    draft.say(f"{scope}共{len(rows)}个：{names}{more}。")
    draft.cite_funds(rows, query.basis)
    draft.table_funds(rows, query)
    if len(rows) > 1:
        draft.chart_funds(rows, query)


def position(result: PartResult, draft: Draft, scope: str) -> None:
    """Where named funds stand in the ranking of the whole scope."""
    for row in result.ranked:
        draft.say(f"{fund_label(row)}按{BASIS_NAMES[result.query.basis]}金额 "
                  f"{basis_text(row, result.query.basis)}"
                  f"万元，在{scope}{row['out_of']}个专项中排第{row['position']}位。")
        draft.cite(row["catalog_row_id"], row["form_row_id"])
    if not result.ranked:
        draft.say("没有找到要排名的专项。")
