"""Questions about key special funds as a whole: rank, top-k, n-th, totals, counts, shares, lists.

Totals and rankings default to the 专项资金目录 basis (the catalog is the
compilation's own summary); the 绩效目标表 basis is used when asked for, and
whenever the two bases would give a different answer the text says so.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from assistant.format import amount, computed, percent, places
from assistant.intent import COMPARISONS, Intent
from assistant.plans.fund_data import (
    BASIS_NAME,
    CATALOG,
    TABLE,
    FundRow,
    count_where,
    department_totals,
    departments_with_n_funds,
    fetch_funds,
    grand_total,
    key_funds,
    threshold_clause,
)
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import display_name
from db import models as m

# "放到全部85个专项里排老几": the ranking runs over every fund, whoever owns the one named
# what is counted is departments ("有专项的部门有几个"), not their funds ("其他部门名下有多少个专项")
_COUNTS_DEPARTMENTS = re.compile(
    r"(?:几个|多少个|几家|多少家)(?:主管)?(?:部门|单位)|(?:部门|单位)(?:有|共|一共)?(?:几个|多少个|几家)"
)
_ACROSS_ALL = re.compile(r"全部|所有|全区|\d+个(?:重点)?专项")
OP_WORDS = {">": "超过", ">=": "不少于", "<": "低于", "<=": "不超过", "=": "正好为"}


def _conditions(intent: Intent, basis: str) -> list:
    """SQL conditions for the question's amount bounds on a basis."""
    return [threshold_clause(op, value, basis) for op, value in intent.thresholds]


def _condition_words(intent: Intent) -> str:
    """The bounds in words: "预算超过500万元的" / "预算超过300万元、低于400万元的"."""
    if not intent.thresholds:
        return ""
    return "预算" + "、".join(f"{OP_WORDS[op]}{value}万元" for op, value in intent.thresholds) + "的"


def _basis(intent: Intent) -> str:
    return intent.basis or CATALOG


def scope_ids(intent: Intent) -> set[int] | None:
    """Departments the question limits itself to (named ones or a group such as 镇街)."""
    ids = {d.id for d in intent.departments}
    if intent.group:
        ids |= {d.id for d in intent.group[1]}
    return ids or None


def _dept_rows(runner: Runner, ids: set[int] | None) -> list[dict]:
    return runner.rows(department_totals(ids))


def basis_precision(runner: Runner) -> dict[str, int]:
    """Decimals each basis writes (the catalog's 1,086.6 → 1; forms' 1086.61 → 2), for totals."""
    rows = runner.cached("fund_amount_texts", select(m.Fund.catalog_amount_text, m.Fund.table_amount_text))
    return {CATALOG: max((places(r[0]) for r in rows), default=0),
            TABLE: max((places(r[1]) for r in rows), default=0)}


def _total_text(runner: Runner, row: dict, basis: str) -> str:
    return amount(row[f"{basis}_total"], basis_precision(runner)[basis])


def _dept_funds(runner: Runner, department_id: int) -> list[FundRow]:
    return fetch_funds(runner, m.Fund.department_id == department_id)


def _funds_by_department(runner: Runner, department_ids: list[int]) -> dict[int, list[FundRow]]:
    """Funds of several departments in one query."""
    rows = runner.rows(key_funds().where(m.Fund.department_id.in_(department_ids)))
    out: dict[int, list[FundRow]] = {i: [] for i in department_ids}
    for row in rows:
        out[row["department_id"]].append(FundRow.of(row))
    return out


def department_ranking(intent: Intent, runner: Runner, draft: Draft) -> None:
    """排第几 / 最多 / 最少 / 前N for departments, within a group when one is named."""
    basis = _basis(intent)
    scope = {d.id for d in intent.group[1]} if intent.group else None
    rows = _dept_rows(runner, scope)
    rows.sort(key=lambda r: r[f"{basis}_total"] or 0, reverse=True)
    scope_word = f"{intent.group[0]}" if intent.group else "全部部门"
    draft.chart = [(display_name(r["department"]), float(r[f"{basis}_total"] or 0)) for r in rows]
    draft.chart_title = f"各部门重点专项合计（{BASIS_NAME[basis]}口径，万元）"
    draft.rows = [_dept_dict(r) for r in rows]
    if intent.op == "rank_position" and intent.departments:
        for dept in intent.departments:
            pos = next((i for i, r in enumerate(rows, 1) if r["department_id"] == dept.id), None)
            if pos is None:
                draft.lines.append(f"{display_name(dept.name)}没有重点专项。")
                continue
            row = rows[pos - 1]
            funds = _dept_funds(runner, dept.id)
            parts = "+".join(f.text(basis) for f in funds)
            draft.lines.append(
                f"按{BASIS_NAME[basis]}口径，{display_name(dept.name)}的重点专项合计"
                f"{_total_text(runner, row, basis)}万元（{len(funds)}项：{parts}），在{scope_word}"
                f"（共{len(rows)}个）中排第{pos}。"
            )
            other = TABLE if basis == CATALOG else CATALOG
            alt = sorted(rows, key=lambda r: r[f"{other}_total"] or 0, reverse=True)
            alt_pos = next(i for i, r in enumerate(alt, 1) if r["department_id"] == dept.id)
            if alt_pos != pos:
                draft.lines.append(f"（按{BASIS_NAME[other]}口径则排第{alt_pos}。）")
            draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id for f in funds])
        return
    if not intent.descending:
        rows = rows[::-1]
    picked = rows[: max(intent.k, 1)] if intent.nth is None else rows[intent.nth - 1 : intent.nth]
    word = "最多" if intent.descending else "最少"
    head = f"按{BASIS_NAME[basis]}口径，{scope_word}中重点专项合计{word}的"
    if intent.nth:
        head = f"按{BASIS_NAME[basis]}口径，{scope_word}中重点专项合计{_nth_word(intent)}的"
    items = []
    draft.department_ids = [row["department_id"] for row in picked]
    for row in picked:
        funds = _dept_funds(runner, row["department_id"])
        total = _total_text(runner, row, basis)
        items.append(f"{display_name(row['department'])}{total}万元（{len(funds)}项）")
        draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id for f in funds])
    draft.lines.append(head + ("是" if len(items) == 1 else f"前{len(items)}个是") + "；".join(items) + "。")
    if len(rows) > len(picked) and intent.nth is None:
        nxt = rows[len(picked)]
        draft.lines.append(f"其次是{display_name(nxt['department'])}{_total_text(runner, nxt, basis)}万元。")
    other = TABLE if basis == CATALOG else CATALOG
    alt = sorted(rows, key=lambda r: r[f"{other}_total"] or 0, reverse=intent.descending)
    alt_pick = alt[: len(picked)] if intent.nth is None else alt[intent.nth - 1 : intent.nth]
    if [r["department_id"] for r in alt_pick] != [r["department_id"] for r in picked]:
        names = "、".join(
            f"{display_name(r['department'])}{_total_text(runner, r, other)}万元" for r in alt_pick)
        draft.lines.append(f"若按{BASIS_NAME[other]}口径，则是{names}。")


def fund_ranking(intent: Intent, runner: Runner, draft: Draft) -> None:
    """Single funds: 排第几 / 最大 / 最小 / 第N / 前N, within named departments if any."""
    basis = _basis(intent)
    scope = None if _ACROSS_ALL.search(intent.question) else scope_ids(intent)
    clauses = [m.Fund.department_id.in_(scope)] if scope else []
    if intent.fund_group:
        clauses.append(m.Fund.id.in_([f.id for f in intent.fund_group[1]]))
    funds = fetch_funds(runner, *clauses)
    funds.sort(key=lambda f: f.amount(basis) or 0, reverse=True)
    draft.chart = [(f.name, float(f.amount(basis) or 0)) for f in funds[:15]]
    draft.chart_title = f"单个专项预算（{BASIS_NAME[basis]}口径，万元）"
    draft.rows = [_fund_dict(f) for f in funds]
    where = "全部" if scope is None else "、".join(display_name(d.name) for d in intent.departments) or (
        intent.group[0] if intent.group else "全部")
    if intent.fund_group:
        where += f"名称含“{intent.fund_group[0]}”的"
    if intent.op == "rank_position" and intent.funds:
        for target in intent.funds:
            pos = next((i for i, f in enumerate(funds, 1) if f.id == target.id), None)
            if pos is None:
                continue
            f = funds[pos - 1]
            draft.lines.append(f"按{BASIS_NAME[basis]}口径，{f.name}（{display_name(f.department)}）"
                               f"{f.text(basis)}万元，在{where}{len(funds)}个专项中排第{pos}。")
            draft.cite(*f.rows())
        return
    ordered = funds if intent.descending else funds[::-1]
    picked = ordered[: max(intent.k, 1)] if intent.nth is None else ordered[intent.nth - 1 : intent.nth]
    label = _nth_word(intent) if intent.nth else ("最大" if intent.descending else "最小")
    if intent.k > 1:
        label = f"{'前' if intent.descending else '后'}{len(picked)}"
    items = [f"{f.name}（{display_name(f.department)}）{fund_amounts(f, basis)}" for f in picked]
    draft.fund_ids = [f.id for f in picked]
    draft.lines.append(f"按{BASIS_NAME[basis]}口径，{where}单个专项预算{label}的是" + "；".join(items) + "。")
    if intent.wants_sum and len(picked) > 1:
        draft.lines.append(f"这{len(picked)}个专项合计{computed(*_sum(picked, basis))}万元"
                           f"（{BASIS_NAME[basis]}口径）。")
    for f in picked:
        draft.cite(*f.rows())
    other = TABLE if basis == CATALOG else CATALOG
    alt = sorted(funds, key=lambda f: f.amount(other) or 0, reverse=intent.descending)
    alt_pick = alt[: max(intent.k, 1)] if intent.nth is None else alt[intent.nth - 1 : intent.nth]
    if [f.id for f in alt_pick] != [f.id for f in picked]:
        names = "、".join(f"{f.name}{f.text(other)}万元" for f in alt_pick)
        draft.lines.append(f"若按{BASIS_NAME[other]}口径，则是{names}。")


def _nth_word(intent: Intent) -> str:
    """排第3 from the top, 倒数第2 from the bottom."""
    return f"排第{intent.nth}" if intent.descending else f"倒数第{intent.nth}"


def fund_amounts(f: FundRow, basis: str = CATALOG) -> str:
    """A fund's figure; both figures when catalog and form disagree."""
    if f.differs():
        gap = computed(abs(f.catalog_amount - f.table_amount), [f.catalog_text, f.table_text])
        return f"目录{f.catalog_text}万元、绩效目标表{f.table_text}万元（两者不一致，相差{gap}万元）"
    if f.catalog_text and f.table_text:
        return f"{f.text(basis)}万元（目录{f.catalog_text}，绩效目标表{f.table_text}）"
    return f"{f.text(basis)}万元"


def _dept_dict(row: dict) -> dict:
    """A department total as the result table and downloads show it."""
    return {"部门": display_name(row["department"]), "部门编码": row["department_code"],
            "专项数": row["funds"], "目录合计": row["catalog_total"],
            "绩效目标表合计": row["table_total"]}


def _fund_dict(f: FundRow) -> dict:
    return {"专项": f.name, "部门": display_name(f.department), "目录金额": f.catalog_text,
            "绩效目标表金额": f.table_text}


def _sum(funds: list[FundRow], basis: str) -> tuple[Decimal, list[str]]:
    """Total on a basis and the figures it was added from (their decimals set the result's)."""
    return sum((f.amount(basis) or 0 for f in funds), Decimal(0)), [f.text(basis) for f in funds]


def _other(basis: str) -> str:
    return TABLE if basis == CATALOG else CATALOG


def totals(intent: Intent, runner: Runner, draft: Draft) -> None:
    """加起来 / 合计 / 几个专项 for named departments, a group, or everything; both bases shown."""
    basis = _basis(intent)
    if intent.group and not intent.departments:
        groups = [(intent.group[0], {d.id for d in intent.group[1]})]
    elif intent.departments:
        groups = [(display_name(d.name), {d.id}) for d in intent.departments]
    else:
        groups = [("全区", None)]
    everything: list[FundRow] = []
    for label, ids in groups:
        clauses = [m.Fund.department_id.in_(ids)] if ids else []
        if intent.excluded_ids:  # "除了十个镇街，其他部门…"
            clauses.append(m.Fund.department_id.not_in(intent.excluded_ids))
            label += f"（不含{intent.excluded_words}）"
        funds = fetch_funds(runner, *clauses)
        if not funds:
            draft.lines.append(f"{label}没有重点专项。")
            continue
        everything += funds
        listing = "、".join(f"{f.name}{f.text(basis)}" for f in funds) if len(funds) <= 12 else ""
        draft.lines.append(
            f"{label}共有{len(funds)}个重点专项，按{BASIS_NAME[basis]}口径合计"
            f"{computed(*_sum(funds, basis))}万元" + (f"（{listing}）" if listing else "")
            + f"；按{BASIS_NAME[_other(basis)]}口径合计{computed(*_sum(funds, _other(basis)))}万元"
            + _borrowed(funds) + "。")
        draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id for f in funds])
        draft.rows += [_fund_dict(f) for f in funds]
        draft.chart += [(f.name, float(f.amount(basis) or 0)) for f in funds]
    if len(groups) > 1 and everything:
        draft.lines.append(
            f"以上{len(groups)}个部门合计{computed(*_sum(everything, basis))}万元"
            f"（{BASIS_NAME[basis]}口径），{BASIS_NAME[_other(basis)]}口径合计"
            f"{computed(*_sum(everything, _other(basis)))}万元。")
    draft.chart_title = "专项预算（万元）"


def _borrowed(funds: list[FundRow]) -> str:
    """Which funds the 绩效目标表 basis had to take from the catalog (they have no form figure)."""
    missing = [f.name for f in funds if f.table_amount is None and f.catalog_amount is not None]
    if not missing:
        return ""
    return f"（其中{'、'.join(missing)}没有绩效目标表金额，按目录金额计入）"


def named_total(intent: Intent, runner: Runner, draft: Draft) -> None:
    """The total of the funds the question names, on both bases."""
    basis = _basis(intent)
    rows = fetch_funds(runner, m.Fund.id.in_([f.id for f in intent.funds]))
    items = "、".join(f"{f.name}{f.text(basis)}" for f in rows)
    own, other = computed(*_sum(rows, basis)), computed(*_sum(rows, _other(basis)))
    draft.lines.append(f"{len(rows)}个专项（{items}）按{BASIS_NAME[basis]}口径合计{own}万元；"
                       f"按{BASIS_NAME[_other(basis)]}口径合计{other}万元" + _borrowed(rows) + "。")
    for f in rows:
        draft.cite(*f.rows())
    draft.rows = [_fund_dict(f) for f in rows]


def counts(intent: Intent, runner: Runner, draft: Draft) -> None:
    """几个 / 多少个: funds of a department, funds over a threshold, departments with n funds."""
    basis = _basis(intent)
    if intent.only_n is not None:
        within = {d.id for d in intent.group[1]} if intent.group else None
        rows = runner.rows(departments_with_n_funds(intent.only_n, intent.at_least_n, within))
        if intent.thresholds:  # "只有一个专项、而且金额超过2000万的部门"
            rows = [r for r in rows if _passes(Decimal(r[f"{basis}_total"] or 0), intent.thresholds)]
        names = "、".join(display_name(r["department"]) for r in rows)
        how = f"有{intent.only_n}个及以上" if intent.at_least_n else f"只有{intent.only_n}个"
        where = f"{intent.group[0]}中" if intent.group else ""
        bound = f"且合计{_condition_words(intent)[2:-1]}" if intent.thresholds else ""
        by_dept = _funds_by_department(runner, [r["department_id"] for r in rows])
        if len(rows) <= 20:  # small enough to name each department's funds
            names = "；".join(f"{display_name(r['department'])}（" + "、".join(
                f"{f.name}{f.text(basis)}" for f in by_dept[r["department_id"]]) + "）" for r in rows)
        draft.lines.append(f"按专项资金目录，{where}{how}重点专项{bound}的部门共有{len(rows)}个：{names}。")
        draft.rows = [_dept_dict(r) for r in rows]
        for r in rows:
            draft.cite(*[f.catalog_row_id for f in by_dept[r["department_id"]]])
        return
    if intent.thresholds and intent.dept_threshold:
        departments_over(intent, runner, draft)
        return
    if intent.thresholds:
        scope = scope_ids(intent)
        within = [m.Fund.department_id.in_(scope)] if scope else []
        for b in (basis, TABLE if basis == CATALOG else CATALOG):
            n = runner.rows(count_where(*_conditions(intent, b), *within))[0]
            count = next(iter(n.values()))
            if b == basis:
                funds = fetch_funds(runner, *_conditions(intent, b), *within)
                draft.lines.append(f"按{BASIS_NAME[b]}口径，{_condition_words(intent)}重点专项共{count}个。")
                draft.rows = [_fund_dict(f) for f in funds]
                draft.chart = [(f.name, float(f.amount(b) or 0)) for f in funds]
                for f in funds:
                    draft.cite(f.catalog_row_id if b == CATALOG else f.table_row_id)
                main = count
            elif count != main:
                draft.lines.append(f"若按{BASIS_NAME[b]}口径则为{count}个（两种口径金额不一致的专项会影响计数）。")
        return
    if intent.dept_level and not intent.departments and not intent.group and _COUNTS_DEPARTMENTS.search(
            intent.question):
        rows = runner.rows(department_totals())
        draft.lines.append(f"有重点专项的部门共{len(rows)}个（按专项资金目录的主管部门计）。")
        draft.rows = [_dept_dict(r) for r in rows]
        by_dept = _funds_by_department(runner, [r["department_id"] for r in rows])
        draft.cite(*[own[0].catalog_row_id for own in by_dept.values() if own])
        return
    totals(intent, runner, draft)


def _passes(total: Decimal, bounds: list[tuple[str, Decimal]]) -> bool:
    return all(COMPARISONS[op](total, value) for op, value in bounds)


def departments_over(intent: Intent, runner: Runner, draft: Draft) -> None:
    """How many departments' totals meet the bounds ("专项合计超过2000万元的部门有几个")."""
    basis = _basis(intent)
    scope = {d.id for d in intent.group[1]} if intent.group else None
    rows = _dept_rows(runner, scope)

    def passes(row: dict, b: str) -> bool:
        return _passes(Decimal(row[f"{b}_total"] or 0), intent.thresholds)

    hits = sorted((r for r in rows if passes(r, basis)), key=lambda r: -(r[f"{basis}_total"] or 0))
    cond = _condition_words(intent).replace("预算", "重点专项合计")
    names = "；".join(f"{display_name(r['department'])}{_total_text(runner, r, basis)}万元" for r in hits)
    scope_word = intent.group[0] if intent.group else "全部部门"
    draft.lines.append(f"按{BASIS_NAME[basis]}口径，{scope_word}中{cond}部门共{len(hits)}个"
                       + (f"：{names}。" if hits else "。"))
    other = sum(1 for r in rows if passes(r, _other(basis)))
    if other != len(hits):
        draft.lines.append(f"若按{BASIS_NAME[_other(basis)]}口径则为{other}个。")
    by_dept = _funds_by_department(runner, [r["department_id"] for r in hits])
    for r in hits:
        draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id
                     for f in by_dept[r["department_id"]]])
    draft.rows = [_dept_dict(r) for r in hits]
    draft.chart = [(display_name(r["department"]), float(r[f"{basis}_total"] or 0)) for r in hits]
    draft.chart_title = f"{cond}部门（{BASIS_NAME[basis]}口径，万元）"


def _share_of_department(intent: Intent, runner: Runner, draft: Draft, basis: str) -> None:
    """A fund's share of its own department's total ("农业生产发展专项在农林局的专项里占多少")."""
    for dept in intent.departments:
        funds = _dept_funds(runner, dept.id)
        whole, texts = _sum(funds, basis)
        for target in (f for f in funds if any(t.id == f.id for t in intent.funds)):
            part = target.amount(basis) or Decimal(0)
            draft.lines.append(
                f"按{BASIS_NAME[basis]}口径，{target.name}{target.text(basis)}万元，占{display_name(dept.name)}"
                f"{len(funds)}个重点专项合计{computed(whole, texts)}万元（{'+'.join(texts)}）的"
                f"{percent(part, whole)}。")
            draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id for f in funds])
        draft.rows += [_fund_dict(f) for f in funds]


def share(intent: Intent, runner: Runner, draft: Draft) -> None:
    """占全区重点专项的比例（默认一位小数）."""
    basis = _basis(intent)
    owned = {f.department_id for f in intent.funds}
    if intent.funds and intent.departments and owned <= {d.id for d in intent.departments}:
        _share_of_department(intent, runner, draft, basis)
        return
    # "万东镇占十个镇街合计的比例": a named group is the whole the department is a share of
    within_group = intent.group is not None and bool(intent.departments)
    whole = runner.rows(grand_total({d.id for d in intent.group[1]} if within_group else None))[0]
    denominator = whole[f"{basis}_total"]
    whole_name = f"{intent.group[0] if within_group else '全区'}{whole['funds']}个重点专项"
    targets = [(display_name(d.name), [m.Fund.department_id == d.id]) for d in intent.departments]
    if len(intent.departments) > 1 and intent.wants_sum:  # "卫健、城管、农林三家加起来占多少"
        targets = [("、".join(label for label, _ in targets),
                    [m.Fund.department_id.in_({d.id for d in intent.departments})])]
    if intent.group and not intent.departments:
        targets = [(intent.group[0], [m.Fund.department_id.in_({d.id for d in intent.group[1]})])]
    if not targets and intent.k > 1 and not intent.funds:  # the k largest funds together
        top = [f.id for f in sorted(fetch_funds(runner), key=lambda f: -(f.amount(basis) or 0))[:intent.k]]
        targets = [(f"预算最大的{intent.k}个专项", [m.Fund.id.in_(top)])]
    targets += [(f.name, [m.Fund.id == f.id]) for f in intent.funds if not intent.departments]
    for label, clauses in targets:
        funds = fetch_funds(runner, *clauses)
        part, texts = _sum(funds, basis)
        what = (f"{label}预算{computed(part, texts)}万元" if len(funds) == 1 and label == funds[0].name
                else f"{label}的重点专项合计{computed(part, texts)}万元（{'+'.join(texts)}）")
        draft.lines.append(
            f"按{BASIS_NAME[basis]}口径，{what}，占{whole_name}合计"
            f"{amount(denominator, basis_precision(runner)[basis])}万元的{percent(part, denominator)}。")
        draft.cite(*[f.catalog_row_id if basis == CATALOG else f.table_row_id for f in funds])
    draft.rows = [{"专项数": whole["funds"], "目录合计": whole["catalog_total"],
                   "绩效目标表合计": whole["table_total"]}]


def listing(intent: Intent, runner: Runner, draft: Draft) -> None:
    """有哪些 / 超过…万的是哪几个 / 正好…万的有哪些."""
    basis = _basis(intent)
    clauses = []
    scope = scope_ids(intent)
    if scope:
        clauses.append(m.Fund.department_id.in_(scope))
    clauses += _conditions(intent, basis)
    if intent.excluded_ids:
        clauses.append(m.Fund.department_id.not_in(intent.excluded_ids))
    cond = _condition_words(intent)
    funds = fetch_funds(runner, *clauses)
    where = "、".join(display_name(d.name) for d in intent.departments) or (
        intent.group[0] if intent.group else "全区")
    if not funds:
        draft.lines.append(f"按{BASIS_NAME[basis]}口径，{where}没有{cond}重点专项。")
        return
    items = "；".join(f"{f.name}（{display_name(f.department)}）{fund_amounts(f, basis)}" for f in funds)
    draft.lines.append(f"按{BASIS_NAME[basis]}口径，{where}{cond}重点专项共{len(funds)}个：{items}。")
    if len(funds) > 1:
        draft.lines.append(f"以上{len(funds)}个专项合计{computed(*_sum(funds, basis))}万元"
                           f"（{BASIS_NAME[basis]}口径）。")
    for f in funds:
        draft.cite(*f.rows())
    draft.rows = [_fund_dict(f) for f in funds]
    draft.chart = [(f.name, float(f.amount(basis) or 0)) for f in funds]
    draft.chart_title = "专项预算（万元）"


def compare(intent: Intent, runner: Runner, draft: Draft) -> None:
    """两个专项（或部门）相差多少，两种口径都给出."""
    if len(intent.funds) >= 2:
        _compare_funds(intent.funds[0].id, intent.funds[1].id, runner, draft)
        return
    if len(intent.departments) == 1:  # "教育局两个专项差了多少"
        own = _dept_funds(runner, intent.departments[0].id)
        if len(own) == 2:
            _compare_funds(own[0].id, own[1].id, runner, draft)
        else:
            listing = "；".join(f"{f.name}{f.text(CATALOG)}万元" for f in own)
            draft.lines.append(f"{display_name(intent.departments[0].name)}有{len(own)}个重点专项，"
                               f"请说明比较哪两个：{listing}。")
            draft.cite(*[f.catalog_row_id for f in own])
        return
    rows = runner.rows(department_totals({d.id for d in intent.departments[:2]}))
    if len(rows) == 2:
        hi, lo = rows
        diff = (hi["catalog_total"] or 0) - (lo["catalog_total"] or 0)
        draft.lines.append(
            f"按专项资金目录口径：{display_name(hi['department'])}{_total_text(runner, hi, CATALOG)}万元，"
            f"{display_name(lo['department'])}{_total_text(runner, lo, CATALOG)}万元，"
            f"前者多{amount(diff, basis_precision(runner)[CATALOG])}万元。")
        for r in rows:
            draft.cite(*[f.catalog_row_id for f in _dept_funds(runner, r["department_id"])])
        draft.rows = [_dept_dict(r) for r in rows]


def _ratio(hi: Decimal, lo: Decimal) -> str:
    """How much larger, in the form a reader can use: 高出2.5% for near figures, 3.8倍 for far ones."""
    if not lo:
        return ""
    if hi / lo < Decimal("1.5"):
        return f"，高出{percent(hi - lo, lo)}"
    return f"，约为后者的{hi / lo:.1f}倍"


def _compare_funds(first: int, second: int, runner: Runner, draft: Draft) -> None:
    """Two funds side by side on both bases: the difference, and how much larger."""
    a, b = (fetch_funds(runner, m.Fund.id == i)[0] for i in (first, second))
    for basis in (CATALOG, TABLE):
        x, y = a.amount(basis), b.amount(basis)
        if x is None or y is None:
            continue
        hi, lo = (a, b) if x >= y else (b, a)
        diff = abs(x - y)
        ratio = _ratio(hi.amount(basis), lo.amount(basis))
        draft.lines.append(
            f"按{BASIS_NAME[basis]}口径：{hi.name}{hi.text(basis)}万元，{lo.name}{lo.text(basis)}万元，"
            f"{hi.name}多{computed(diff, [a.text(basis), b.text(basis)])}万元{ratio}。")
    draft.cite(*a.rows(), *b.rows())
    draft.rows = [_fund_dict(a), _fund_dict(b)]
    draft.chart = [(a.name, float(a.amount(CATALOG) or 0)), (b.name, float(b.amount(CATALOG) or 0))]


def _owned_by(runner: Runner, department_ids: set[int]) -> set[int]:
    """Ids of the funds of some departments."""
    return {f.id for f in fetch_funds(runner, m.Fund.department_id.in_(department_ids))}


def department_ids_of_funds(runner: Runner, fund_ids: list[int]) -> list[int]:
    """Departments owning the given funds (for follow-up focus)."""
    rows = runner.session.scalars(select(m.Fund.department_id).where(m.Fund.id.in_(fund_ids)))
    return [r for r in rows if r is not None]


def keyword_group(intent: Intent, runner: Runner, draft: Draft) -> None:
    """Every fund sharing a name (城乡环境管理专项 in several 镇街): count, list and totals."""
    word, members = intent.fund_group
    rows = fetch_funds(runner, m.Fund.id.in_([f.id for f in members]), *_conditions(intent, CATALOG))
    if intent.excluded_ids:  # "（不含投促中心）"
        left_out = _owned_by(runner, intent.excluded_ids)
        rows = [f for f in rows if f.id not in left_out]
    named = f"名称含“{word}”" + (f"且{_condition_words(intent)}" if intent.thresholds else "的")
    cat = sum((f.amount(CATALOG) or 0 for f in rows), Decimal(0))
    tab = sum((f.amount(TABLE) or 0 for f in rows), Decimal(0))
    items = "；".join(f"{f.name}（{display_name(f.department)}）{fund_amounts(f)}" for f in rows)
    draft.lines.append(
        f"{named}重点专项共{len(rows)}个，按专项资金目录口径合计"
        f"{computed(cat, [f.text(CATALOG) for f in rows])}万元，按绩效目标表口径合计"
        f"{computed(tab, [f.text(TABLE) for f in rows])}万元：{items}。")
    for f in rows:
        draft.cite(*f.rows())
    draft.rows = [_fund_dict(f) for f in rows]
    draft.chart = [(f"{f.name}（{display_name(f.department)}）", float(f.amount(CATALOG) or 0))
                   for f in rows]
    draft.chart_title = f"名称含“{word}”的专项（目录口径，万元）"
