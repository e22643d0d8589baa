"""Saying department-budget figures: the figure asked for each department and year, its change,
its share of a whole, or the total of several.

The same subject can stand in several tables with different amounts (住房公积金
by function and by government economic classification).  The figure given is
the one of a total column or total row of the table ranked first in
``tables.tsv``; the other amounts are said beside it with their tables.  A
prior-year figure the disclosure only implies ("比2023年减少4万元") is said as
derived, with the sentence it comes from cited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.answer import Column
from assistant.semantic.execute import PartResult
from assistant.semantic.figure_choice import choose
from assistant.semantic.model import SemanticModel
from assistant.semantic.query import SUM, FigureIs
from assistant.semantic.respond.draft import Draft
from assistant.semantic.respond.format import amount, computed, percent, places

COLUMNS = [Column("department_short", "部门"), Column("year", "年度"), Column("label", "数字"),
           Column("amount", "金额", "万元", True), Column("where", "出处")]


def figures(result: PartResult, draft: Draft, model: SemanticModel) -> None:
    query = result.query
    shown = next((f.display for f in query.filters if isinstance(f, FigureIs)), "")
    if any(o.measure == "subjects" for o in query.outputs):
        _subjects(result, draft, model, shown)
        return
    if any(o.measure in ("children", "parts") for o in query.outputs):
        _below(result, draft, model, shown)
        return
    chosen = choose(result, model.lexicon)
    if not chosen:
        draft.say(f"部门预算中没有找到“{shown}”的数。")
        return
    if query.group_by_department and result.ranked:
        _departments_ranked(result, draft, model, shown)
        return
    if any(o.agg == SUM for o in query.outputs):
        figures_added = [f for f in query.filters if isinstance(f, FigureIs)]
        _total(result, draft, shown if len(figures_added) == 1 else "以上各项", model)
        return
    derived = query.derived
    asked = set(query.years) if query.years and derived is None else None
    for (dept, year), row in sorted(chosen.items()):
        if derived is not None and derived.base_year and year == derived.base_year:
            continue
        if asked is not None and year not in asked:
            continue  # 去年呢: only the year asked
        draft.say(f"{model.department_label(dept)}{year}年{shown}：{row['amount_text']}万元"
                  f"（{where(row)}）{_others(result, row, model)}。")
        draft.cite(row["source_row_id"])
        if derived is not None and derived.kind == "change":
            _change(result, draft, chosen, dept, year, model)
        if derived is not None and derived.kind == "share" and result.other is not None:
            _share(result, draft, row, dept, year, model)
    _implied_years(result, draft, chosen, shown, model)
    _change_between_years(result, draft, chosen, model)
    draft.table([{**r, "department_short": model.department_label(d), "label": label(r), "where": where(r)}
                 for (d, _), r in sorted(chosen.items())], COLUMNS)


def label(row: dict[str, Any]) -> str:
    if row.get("kind") == "fact" or "topic" in row:
        return row["item"]
    return f"{row['code'] + ' ' if row.get('code') else ''}{row['subject']}（{row['column']}）"


def where(row: dict[str, Any]) -> str:
    if row.get("kind") == "fact" or "topic" in row:
        return f"说明“{row['topic']}”部分"
    return f"表{row['table_no']} {row['table_title']}，{row['subject']}，{row['column']}"


def _others(result: PartResult, chosen: dict[str, Any], model: SemanticModel) -> str:
    """Other amounts the disclosure gives for the same thing in other tables, when they differ."""
    seen = []
    for row in result.lines:
        if (row["department_id"], row["year"]) != (chosen["department_id"], chosen["year"]):
            continue
        same = row["subject"] == chosen.get("subject") or row["subject"] == chosen.get("item")
        if same and row["amount"] != chosen["amount"] and row["table_no"] != chosen.get("table_no"):
            seen.append(f"表{row['table_no']}（{row['table_title']}，{row['column']}）为{row['amount_text']}万元")
    del model
    return "；另：" + "；".join(dict.fromkeys(seen)) if seen else ""


def _change(result: PartResult, draft: Draft, chosen: dict, dept: int, year: int,
            model: SemanticModel) -> None:
    """比上年 / 比2023年: stated in the narrative, or the difference of the two years' figures."""
    base = result.query.derived.base_year or year - 1
    earlier = chosen.get((dept, base))
    current = chosen[(dept, year)]
    if earlier is not None:
        gap = Decimal(current["amount"]) - Decimal(earlier["amount"])
        way = "增加" if gap > 0 else ("减少" if gap < 0 else "持平")
        draft.say(f"{base}年为{earlier['amount_text']}万元，{way}"
                  f"{computed(abs(gap), [current['amount_text'], earlier['amount_text']])}万元"
                  f"（{percent(abs(gap), Decimal(earlier['amount']), 2)}）。")
        draft.cite(earlier["source_row_id"])
        return
    stated = [f for f in result.facts if f["department_id"] == dept and f["change"] and f["year"] == year]
    if stated:
        fact = stated[0]
        change = fact["change"] if fact["change"] == "持平" else f"{fact['change']}{fact['change_text']}万元"
        rate = ""
        if fact["change"] in ("增加", "减少") and fact["change_amount"] and fact["amount"] is not None:
            sign = -1 if fact["change"] == "增加" else 1
            before = Decimal(fact["amount"]) + sign * Decimal(fact["change_amount"])
            rate = f"，幅度{percent(Decimal(fact['change_amount']), before, 2)}" if before else ""
        draft.say(f"比{fact['base_year']}年{change}（部门预算说明所述{rate}）。")
        draft.cite(fact["source_row_id"])
        return
    draft.say(f"库中没有{base}年的这个数，无法计算增减。")
    del model


def _change_between_years(result: PartResult, draft: Draft, chosen: dict, model: SemanticModel) -> None:
    """Two years asked together (23年和今年各多少): their difference, when both exist."""
    years = sorted(result.query.years)
    if len(years) != 2 or result.query.derived is not None:
        return
    for dept in {d for d, _ in chosen}:
        a, b = chosen.get((dept, years[0])), chosen.get((dept, years[1]))
        if a and b:
            gap = Decimal(b["amount"]) - Decimal(a["amount"])
            way = "增加" if gap >= 0 else "减少"
            gap_text = computed(abs(gap), [a['amount_text'], b['amount_text']])
            draft.say(f"{years[1]}年比{years[0]}年{way}{gap_text}万元。")
    del model


def _departments_ranked(result: PartResult, draft: Draft, model: SemanticModel, shown: str) -> None:
    """Departments ordered by the figure (the whole order, or the first N with ties kept)."""
    order = result.query.order
    rows = result.ranked
    if order.limit:
        edge = rows[min(order.offset + order.limit, len(rows)) - 1]["amount"]
        rows = rows[order.offset:] if order.offset else [
            r for r in rows if (r["amount"] >= edge if order.desc else r["amount"] <= edge)]
    way = "从高到低" if order.desc else "从低到高"
    year = result.query.year
    if order.limit == 1 and not order.offset:
        top = "、".join(f"{model.department_label(r['department_id'])}（{r['amount_text']}万元）"
                       for r in rows)
        draft.say(f"{year}年{shown}{'最高' if order.desc else '最低'}的是{top}"
                  f"（在{len(result.ranked)}个有部门预算公开的单位中）。")
    else:
        items = "；".join(f"{i}. {model.department_label(r['department_id'])} {r['amount_text']}万元"
                          for i, r in enumerate(rows, order.offset + 1))
        draft.say(f"{year}年各单位{shown}{way}：{items}。")
    draft.cite(*(r["source_row_id"] for r in rows))
    draft.table([{"department_short": model.department_label(r["department_id"]), "year": year,
                  "label": shown, "amount": r["amount"], "where": ""} for r in rows], COLUMNS)
    draft.chart_items([(model.department_label(r["department_id"]), r["amount"]) for r in rows],
                      f"{shown}（万元）")


def _implied_years(result: PartResult, draft: Draft, chosen: dict, shown: str, model: SemanticModel) -> None:
    """A year asked that no table gives, but a narrative sentence implies (比2023年减少4万元)."""
    asked = set(result.query.years or ())
    for fact in result.facts:
        base, dept = fact["base_year"], fact["department_id"]
        if base not in asked or (dept, base) in chosen or fact["amount"] is None or not fact["change"]:
            continue
        gap = Decimal(fact["change_amount"] or 0)
        earlier = {"增加": fact["amount"] - gap,
                   "减少": fact["amount"] + gap}.get(fact["change"], fact["amount"])
        text = computed(Decimal(earlier), [fact["amount_text"], fact["change_text"] or "0"])
        change = fact["change"] if fact["change"] == "持平" else f"{fact['change']}{fact['change_text']}万元"
        draft.say(f"{model.department_label(dept)}{base}年{shown}：{text}万元（原文没有直接列出，"
                  f"由“{fact['year']}年{fact['amount_text']}万元，比{base}年{change}”推算）。")
        draft.cite(fact["source_row_id"])
        chosen[(dept, base)] = dict(fact, kind="fact", amount=earlier, amount_text=text, year=base)


def _share(result: PartResult, draft: Draft, row: dict, dept: int, year: int, model: SemanticModel) -> None:
    whole = choose(result.other, model.lexicon).get((dept, year))
    if whole is None or not whole["amount"]:
        draft.say("没有找到作为分母的合计数，无法计算比例。")
        return
    digits = result.query.decimals if result.query.decimals is not None else 2
    draft.say(f"占{label(whole)} {whole['amount_text']}万元的"
              f"{percent(row['amount'], whole['amount'], digits)}"
              f"（{row['amount_text']} ÷ {whole['amount_text']}）。")
    draft.cite(whole["source_row_id"])


def _total(result: PartResult, draft: Draft, shown: str, model: SemanticModel) -> None:
    """The sum of several figures, as SQL added the chosen rows."""
    rows = result.rows
    if not rows or result.totals.get("sum") is None:
        draft.say("没有找到要相加的数。")
        return
    texts = [r["amount_text"] for r in rows]
    total = amount(result.totals["sum"], max(places(t) for t in texts))
    dept = model.department_label(rows[0]["department_id"])
    parts = " + ".join(f"{_part_name(r)} {r['amount_text']}" for r in rows)
    draft.say(f"{dept}{rows[0]['year']}年{shown}合计{total}万元（{parts}）。")
    draft.cite(*(r["source_row_id"] for r in rows))


def _part_name(row: dict[str, Any]) -> str:
    """Where an added amount stands, briefly: 表6 差旅费（基本支出/总计） or the narrative item."""
    if row.get("kind") == "fact" or "topic" in row:
        return row["item"]
    return f"表{row['table_no']} {row['subject']}（{row['column']}）"


def _below(result: PartResult, draft: Draft, model: SemanticModel, shown: str) -> None:
    """The parts of a figure, or the largest (smallest, most increased) of them."""
    parents = choose(result, model.lexicon, lines_only=result.query.order is not None)
    base = result.query.derived.base_year if result.query.derived is not None else None
    for (dept, year), parent in sorted(parents.items()):
        if year == base:
            continue
        kids = [c for c in result.children if c["department_id"] == dept and c["year"] == year]
        head = f"{model.department_label(dept)}{year}年{label(parent)} {parent['amount_text']}万元"
        draft.cite(parent["source_row_id"])
        if not kids:
            draft.say(f"{head}，原文没有列出它下面的明细。")
            continue
        draft.cite(*(k["source_row_id"] for k in kids[:40]))
        order = result.query.order
        if order is not None and result.query.derived is not None and result.query.derived.kind == "change":
            way = "增加最多" if order.desc else "增加最少（减少最多）"
            items = "；".join(f"{k['subject']}（{k['code']}）{_signed(k['change'])}万元"
                              f"（{k['before']}→{k['amount_text']}）"
                              for k in kids)
            draft.say(f"{head}下各科目与上年相比{way}的是：{items}。")
        elif order is not None:
            way = "最大" if order.desc else "最小"
            items = "；".join(f"{k.get('subject') or k.get('item')} {k['amount_text']}万元" for k in kids)
            draft.say(f"{head}下金额{way}的是：{items}。")
        else:
            items = "；".join(_part(k) for k in kids)
            draft.say(f"{head}，其中：{items}。")
        draft.table([{**k, "department_short": model.department_label(dept), "label": label(k),
                      "where": where(k)} for k in kids], COLUMNS)
    del shown


def _signed(value) -> str:
    value = Decimal(value)
    return f"+{amount(value, 2)}" if value > 0 else amount(value, 2)


def _part(row: dict) -> str:
    name = row.get("item") or row.get("subject")
    change = ""
    if row.get("change") in ("增加", "减少"):
        change = f"（比{row['base_year']}年{row['change']}{row['change_text']}万元）"
    elif row.get("change") == "持平":
        change = "（与上年持平）"
    return f"{name} {row['amount_text']}万元{change}"


def _subjects(result: PartResult, draft: Draft, model: SemanticModel, shown: str) -> None:
    """用在什么科目: the subjects listed in the tables of the figure asked."""
    coded = [r for r in result.lines if r["code"]]
    if not coded:
        draft.say(f"“{shown}”所在的表中没有列出科目。")
        return
    names = "、".join(dict.fromkeys(f"{r['subject']}（{r['code']}）" for r in coded))
    draft.say(f"{shown}用于：{names}。")
    draft.cite(*(r["source_row_id"] for r in coded))
    del model
