"""The restatement: one Chinese line per query part saying what was computed.

It is generated from the ``Query`` alone — each filter, output, order and
derived figure says itself (``phrase``) — so the line staff read and the SQL
that ran come from the same data and cannot drift apart.
"""

from __future__ import annotations

from assistant.semantic.query import (
    BASIS_NAMES,
    DEPARTMENTS,
    FIGURES,
    FUNDS,
    INDICATORS,
    FundIs,
    Query,
)


def scope_phrase(query: Query) -> str:
    """The rows in scope: 农林局的重点专项 / 镇街（10个单位）中金额超过500万元的重点专项."""
    named = [f.phrase() for f in query.filters if not isinstance(f, FundIs)]
    funds = [f for f in query.filters if isinstance(f, FundIs)]
    if funds and funds[0].ids and len(funds[0].ids) <= 3:
        text = "、".join(funds[0].names)
    elif funds and funds[0].ref and not funds[0].ids:
        text = "上一步找到的专项"
    else:
        text = ("、".join(named) + "的" if named else "全部") + "重点专项"
        if funds:
            text = f"{len(funds[0].ids)}个同名或同类专项（{'、'.join(dict.fromkeys(funds[0].names))}）"
    if query.exclusions:
        text += "（不含" + "、".join(f.phrase() for f in query.exclusions) + "）"
    return text


def restate(query: Query) -> str:
    """One line: basis, year, scope, what is computed, ordering, derived figure."""
    year = f"{query.year}年" if query.year else ""
    head = f"按{BASIS_NAMES[query.basis]}口径，" if query.over in (FUNDS, DEPARTMENTS) else ""
    scope = scope_phrase(query) if query.over != FIGURES else ""
    outputs = "、".join(o.phrase(query.over) for o in query.outputs)
    if query.over == DEPARTMENTS:
        body = f"把{year}{scope}按主管部门汇总"
        if query.having:
            body += "，只看" + "且".join(h.phrase() for h in query.having) + "的部门"
        body += f"，比较各部门的{outputs}"
    elif query.over == INDICATORS:
        body = f"查{year}{scope}的绩效指标：{outputs}"
    elif query.over == FIGURES:
        body = f"查{year}部门预算中的" + "、".join(f.phrase() for f in query.filters) + f"：{outputs}"
    else:
        body = f"统计{year}{scope}：{outputs}"
    if query.order is not None:
        body += f"，{query.order.phrase()}"
    if query.derived is not None:
        body += f"，求{query.derived.phrase()}"
        if query.derived.other is not None:
            body += f"（对比：{scope_phrase(query.derived.other)}）"
    return head + body

