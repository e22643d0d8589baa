"""Where the sources disagree: "哪些专项的目录和绩效目标表对不上？", "合计和编表说明的总数一致吗？".

The catalog and the 绩效目标表 are two statements of the same funds; the
编表说明 states their total in words.  These questions ask for the list of
places they differ, computed by SQL over both figures, each with its rows.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from assistant.format import amount, computed
from assistant.intent import Intent
from assistant.plans.fund_data import CATALOG, fetch_funds, grand_total
from assistant.plans.funds import basis_precision
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import display_name
from db import models as m
from db.records import SPECIAL_FUNDS

_NAMES = re.compile(r"名称|名字|叫法|写法")
_TOTAL = re.compile(r"合计|总数|总额|总计|编表说明|加起来")


def disagreements(intent: Intent, runner: Runner, draft: Draft) -> bool:
    """Amount differences always; name differences and the stated total when the question names them."""
    asks_names, asks_total = bool(_NAMES.search(intent.question)), bool(_TOTAL.search(intent.question))
    if asks_total:
        _stated_total(runner, draft)
    if asks_names:
        _names(runner, draft)
    if not (asks_total or asks_names) or re.search(r"金额|预算|钱", intent.question):
        _amounts(runner, draft)
    return True


def _amounts(runner: Runner, draft: Draft) -> None:
    funds = fetch_funds(runner)
    differ = [f for f in funds if f.differs()]
    missing = [f for f in funds if f.form_id is None]
    items = "；".join(
        f"{f.name}（{display_name(f.department)}）目录{f.catalog_text}万元、绩效目标表{f.table_text}万元，相差"
        f"{computed(abs(f.catalog_amount - f.table_amount), [f.catalog_text, f.table_text])}万元"
        for f in differ)
    draft.lines.append(f"目录与绩效目标表金额不一致（超出四舍五入）的专项共{len(differ)}个"
                       + (f"：{items}。" if differ else "。"))
    for f in differ:
        draft.cite(*f.rows())
    if missing:
        names = "、".join(f"{f.name}（目录{f.catalog_text}万元）" for f in missing)
        draft.lines.append(f"另有{len(missing)}个目录专项没有对应的绩效目标表：{names}。")
        draft.cite(*[f.catalog_row_id for f in missing])
    draft.rows = [{"专项": f.name, "部门": display_name(f.department), "目录金额": f.catalog_text,
                   "绩效目标表金额": f.table_text} for f in differ + missing]


def _names(runner: Runner, draft: Draft) -> None:
    rows = runner.rows(
        select(m.Fund.name, m.Fund.catalog_row_id, m.FundForm.name.label("form_name"),
               m.FundForm.name_row_id)
        .join(m.FundForm, m.Fund.form_id == m.FundForm.id)
        .where(m.Fund.catalog_row_id.is_not(None), m.Fund.name != m.FundForm.name)
    )
    items = "；".join(f"目录“{r['name']}”、绩效目标表“{r['form_name']}”" for r in rows)
    head = f"目录与绩效目标表名称写法不同的专项共{len(rows)}个"
    draft.lines.append(head + (f"：{items}。" if rows else "。"))
    for r in rows:
        draft.cite(r["catalog_row_id"], r["name_row_id"])


def _stated_total(runner: Runner, draft: Draft) -> None:
    stated = runner.rows(
        select(m.StatedFact.item, m.StatedFact.amount, m.StatedFact.amount_text, m.StatedFact.source_row_id)
        .join(m.Document, m.StatedFact.document_id == m.Document.id)
        .where(m.Document.kind == SPECIAL_FUNDS, m.Document.rendition_of_id.is_(None),
               m.StatedFact.item.contains("合计"), m.StatedFact.amount.is_not(None))
    )
    whole = runner.rows(grand_total())[0]
    total = whole[f"{CATALOG}_total"] or Decimal(0)
    total_text = amount(total, basis_precision(runner)[CATALOG])
    for s in stated:
        gap = s["amount"] - total
        verdict = ("两者一致" if not gap else
                   f"相差{computed(abs(gap), [s['amount_text'], total_text])}万元"
                   + ("（在四舍五入范围内）" if abs(gap) < 1 else ""))
        draft.lines.append(f"编表说明写明{s['item']}{s['amount_text']}万元，目录{whole['funds']}个专项逐项相加为"
                           f"{total_text}万元，{verdict}。")
        draft.cite(s["source_row_id"])
    if not stated:
        draft.lines.append(f"文件中没有写明重点专项的合计数；目录{whole['funds']}个专项逐项相加为{total_text}万元。")
