"""Saying what the forms state about named funds: contact, phone, texts, department, name, forms.

Where the catalog and the form disagree (a name written two ways, a fund with
no form or with two), both are shown with where each is written.
"""

from __future__ import annotations

from typing import Any

from assistant.semantic.execute import PartResult
from assistant.semantic.respond.draft import Draft, fund_label
from assistant.semantic.respond.funds import both_bases

FIELDS = {
    "contact": ("联系人", "contact", "contact_row_id"),
    "phone": ("联系电话", "phone", "phone_row_id"),
    "overview": ("项目概况", "overview", "overview_row_id"),
    "goal": ("当年绩效目标", "goal", "goal_row_id"),
}


def attributes(result: PartResult, draft: Draft, scope: str) -> None:
    asked = [o.measure for o in result.query.outputs]
    if not result.rows:
        draft.say(f"{scope}没有找到对应的专项。")
        return
    for row in result.rows:
        forms = [f for f in result.forms if f["fund_id"] == row["fund_id"]]
        said = [_field(measure, row, forms, draft) for measure in asked]
        said = [s for s in said if s]
        if said:
            draft.say(f"{fund_label(row)}：" + "；".join(said) + "。")


def _field(measure: str, row: dict[str, Any], forms: list[dict[str, Any]], draft: Draft) -> str:
    if measure in FIELDS:
        label, key, row_key = FIELDS[measure]
        values = [(f[key], f[row_key]) for f in forms if f.get(key)]
        if not values:
            return f"绩效目标表中没有写{label}" if forms else f"没有绩效目标表，因而没有{label}"
        draft.cite(*(r for _, r in values))
        return f"{label}：" + "、".join(dict.fromkeys(v for v, _ in values))
    if measure == "amount":
        draft.cite(row["catalog_row_id"], row["form_row_id"])
        return f"预算 {both_bases(row)}"
    if measure == "department":
        draft.cite(row["catalog_row_id"], *(f["name_row_id"] for f in forms))
        return f"主管部门：{row.get('department_short') or row.get('department')}"
    if measure == "name":
        return _names(row, forms, draft)
    if measure == "seq":
        draft.cite(row["catalog_row_id"])
        return f"目录序号：{row['seq']}" if row.get("seq") else "目录中没有序号"
    if measure == "form":
        return _forms(row, forms, draft)
    return ""


def _names(row: dict[str, Any], forms: list[dict[str, Any]], draft: Draft) -> str:
    draft.cite(row["catalog_row_id"], *(f["name_row_id"] for f in forms))
    form_names = list(dict.fromkeys(f["form_name"] for f in forms))
    if not form_names or form_names == [row["name"]]:
        return f"名称：{row['name']}（目录与绩效目标表写法一致）" if form_names else f"名称：{row['name']}"
    return f"目录中写作“{row['name']}”，绩效目标表中写作“{'”“'.join(form_names)}”，两处写法不一致"


def _forms(row: dict[str, Any], forms: list[dict[str, Any]], draft: Draft) -> str:
    draft.cite(row["catalog_row_id"], *(f["seq_row_id"] or f["name_row_id"] for f in forms))
    if not forms:
        return "有目录条目" + (f"（序号{row['seq']}）" if row.get("seq") else "") + "，但没有对应的绩效目标表"
    seqs = "、".join(f"序号{f['seq']}" for f in forms if f.get("seq"))
    if len(forms) > 1:
        return f"有{len(forms)}张绩效目标表（{seqs}），同一专项的表重复出现"
    return f"有绩效目标表（{seqs}）" if seqs else "有绩效目标表"
