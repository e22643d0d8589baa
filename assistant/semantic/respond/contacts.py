"""Saying contact results: the contact(s) named on most funds, with the funds and where each is written."""

from __future__ import annotations

from assistant.answer import Column
from assistant.semantic.execute import PartResult
from assistant.semantic.respond.draft import Draft

COLUMNS = [Column("contact", "联系人"), Column("count", "对应专项个数", "个", True)]


def contacts(result: PartResult, draft: Draft, scope: str) -> None:
    rows = result.rows
    if not rows:
        draft.say(f"{scope}的绩效目标表中没有写联系人。")
        return
    way = "最多" if result.query.order is None or result.query.order.desc else "最少"
    tied = "（并列）" if len(rows) > 1 and rows[0]["count"] == rows[1]["count"] else ""
    said = []
    for row in rows:
        funds = [m for m in result.members if m["contact"] == row["contact"]]
        names = "、".join(dict.fromkeys(m["name"] for m in funds))
        said.append(f"{row['contact']}，{row['count']}个（{names}）")
        draft.cite(*(m["contact_row_id"] for m in funds))
    draft.say(f"{scope}中作为联系人对应专项{way}的是{tied}：" + "；".join(said) + "。")
    draft.table(rows, COLUMNS)
