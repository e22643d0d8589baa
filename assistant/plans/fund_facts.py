"""Facts about one fund: its budget on both bases, its name(s), its form, contact, indicators."""

from __future__ import annotations

import re

from sqlalchemy import select

from assistant.intent import Intent
from assistant.plans.fund_data import FundRow, fetch_funds
from assistant.plans.funds import fund_amounts
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from assistant.vocabulary import display_name, longest_common_substring
from assistant.wording import covered
from db import models as m
from db.writing import parse_amount

_ALL = re.compile(
    r"(?:有|是)(?:哪些|哪几个|什么)指标|指标(?:有|是)(?:哪些|哪几个|什么)|所有指标|全部指标|指标清单"
)
_WHY = re.compile(r"为什么|为何|原因|怎么回事")
_SAME_THING = 16  # wording a clause must share with an indicator name to be about the same thing
_SETTLE = re.compile(r"到底|究竟|说法|一样吗|一致吗|对得上|矛盾")
_ASKING_WORDS = re.compile(r"多少个|多少|几个|要|需要")
_FORM_WORDS = re.compile(r"绩效目标表|绩效目标|绩效指标|核心指标|指标|绩效|目标表")
_SEVERAL = re.compile(r"和|与|及|、|分别|各")
_ALSO_NAMED = 8  # wording coverage of a second indicator named in the same question
_HOW_MANY = re.compile(r"设了?几条|一共几条|几条(?:绩效)?指标|多少条|(?:几|多少)个(?:绩效)?指标")
_UNIT_IN_QUESTION = re.compile(r"多少(户|人次|人|个|次|场次|场|所|家|亩|公里|块|条|期|件|项|元|万元|亿元)")


def _form(runner: Runner, form_id: int | None) -> dict | None:
    if form_id is None:
        return None
    rows = runner.rows(select(m.FundForm).where(m.FundForm.id == form_id))
    return rows[0]["FundForm"] if rows else None


def budget(fund: FundRow, runner: Runner, draft: Draft, question: str = "") -> None:
    """A fund's budget: both figures, disagreement spelled out, a missing form said plainly."""
    line = f"{fund.name}（{display_name(fund.department)}）2024年预算：{fund_amounts(fund)}。"
    if fund.form_id is None:
        line = (f"{fund.name}（{display_name(fund.department)}）在专项资金目录中为{fund.catalog_text}万元，"
                f"但没有对应的绩效目标表。")
        line += _same_number(fund, runner, draft)
    if fund.differs() and _WHY.search(question):
        line += "文件中没有说明两处金额不一致的原因，请向主管部门核实以哪个为准。"
    draft.lines.append(line)
    draft.cite(*fund.rows())


def forms(fund: FundRow, runner: Runner, draft: Draft) -> None:
    """Every 绩效目标表 printed for the fund, with the 序号 each carries (repeats included)."""
    rows = runner.rows(
        select(m.FundForm.seq, m.FundForm.name, m.FundForm.is_repeat, m.FundForm.seq_row_id,
               m.FundForm.name_row_id)
        .where(m.FundForm.fund_id == fund.id).order_by(m.FundForm.seq)
    )
    if not rows:
        draft.lines.append(f"{fund.name}没有绩效目标表。")
        draft.cite(fund.catalog_row_id)
        return
    seqs = "、".join(f"序号{r['seq']}" + ("（重复）" if r["is_repeat"] else "") for r in rows)
    catalog = f"，目录中为序号{fund.catalog_seq}" if fund.catalog_seq is not None else ""
    draft.lines.append(f"{fund.name}的绩效目标表在文件中出现{len(rows)}次：{seqs}{catalog}。")
    draft.cite(fund.catalog_row_id, *[r["seq_row_id"] or r["name_row_id"] for r in rows])


def department(fund: FundRow, runner: Runner, draft: Draft) -> None:
    """主管部门 as the catalog and the form write it (code and full name)."""
    form = _form(runner, fund.form_id)
    written = f"，绩效目标表写作“{form.dept_text}”" if form is not None and form.dept_text else ""
    draft.lines.append(f"{fund.name}的主管部门是{display_name(fund.department)}（{fund.department}）{written}。")
    draft.cite(fund.catalog_row_id, form.name_row_id if form is not None else None)


def no_actuals(fund: FundRow, draft: Draft) -> None:
    """Execution and final-account figures are not in a budget compilation: say so, cite the budget."""
    draft.lines.append(
        f"库中的文件只有预算（年初安排）数，没有{fund.name}的执行数、执行率或决算数据，无法回答。"
        f"该专项的2024年预算为{fund_amounts(fund)}。")
    draft.cite(*fund.rows())


def texts(fund: FundRow, intent: Intent, runner: Runner, draft: Draft) -> None:
    """The form's 项目概况 and/or 当年绩效目标, quoted as the source writes them."""
    form = _form(runner, fund.form_id)
    if form is None:
        draft.lines.append(f"{fund.name}没有绩效目标表，文件中没有它的项目概况和绩效目标。")
        return
    wanted = []
    if intent.wants_overview or not intent.wants_goal:
        wanted.append(("项目概况", form.overview, form.overview_row_id))
    if intent.wants_goal:
        wanted.append(("当年绩效目标", form.goal, form.goal_row_id))
    for label, text, row_id in wanted:
        if text:
            draft.lines.append(f"{fund.name}的{label}：{text}")
            draft.cite(row_id)
        else:
            draft.lines.append(f"{fund.name}的绩效目标表没有填写{label}。")


def _same_number(fund: FundRow, runner: Runner, draft: Draft) -> str:
    """Forms printed with this catalog entry's 序号 that belong to another fund (pages out of step)."""
    if fund.catalog_seq is None:
        return ""
    same_seq = runner.rows(
        select(m.FundForm.name, m.FundForm.seq_row_id)
        .where(m.FundForm.seq == fund.catalog_seq, m.FundForm.fund_id != fund.id)
    )
    for other in same_seq:
        draft.cite(other["seq_row_id"])
    return "".join(f"（印有“序号：{fund.catalog_seq}”的绩效目标表是{other['name']}，不是本专项的表。）"
                   for other in same_seq)


def names(fund: FundRow, runner: Runner, draft: Draft) -> None:
    """The name as the catalog writes it and as the form writes it, and any form out of step."""
    form = _form(runner, fund.form_id)
    if form is None or form.name == fund.name:
        draft.lines.append(f"该专项名称为“{fund.name}”，目录与绩效目标表写法一致。" if form else
                           f"目录中的名称为“{fund.name}”（没有对应的绩效目标表）。")
    else:
        draft.lines.append(
            f"两处写法不一致：专项资金目录写作“{fund.name}”"
            f"（{fund.catalog_text}万元），绩效目标表写作“{form.name}”（{fund.table_text}万元）。")
    if form is not None:
        draft.cite(fund.catalog_row_id, form.name_row_id)
        if form.seq != fund.catalog_seq and fund.catalog_seq is not None:
            draft.lines.append(f"该专项在目录中为序号{fund.catalog_seq}，其绩效目标表印的是序号{form.seq}。")
            draft.cite(form.seq_row_id)
        draft.lines.append(_same_number(fund, runner, draft))
    else:
        draft.cite(fund.catalog_row_id)


def contact(fund: FundRow, intent: Intent, runner: Runner, draft: Draft) -> None:
    """联系人 and 联系电话 printed under the fund's form."""
    form = _form(runner, fund.form_id)
    if form is None or not (form.contact or form.phone):
        draft.lines.append(f"{fund.name}没有登记联系人和电话（没有对应的绩效目标表）。")
        return
    parts = []
    if intent.wants_person or not intent.wants_phone:
        parts.append(f"联系人：{form.contact or '未填写'}")
        draft.cite(form.contact_row_id)
    if intent.wants_phone or not intent.wants_person:
        parts.append(f"联系电话：{form.phone or '未填写'}")
        draft.cite(form.phone_row_id)
    draft.lines.append(f"{fund.name}（{display_name(fund.department)}）" + "，".join(parts) + "。")


def _indicators(runner: Runner, form_id: int) -> list[dict]:
    return [r["Indicator"] for r in runner.rows(
        select(m.Indicator).where(m.Indicator.form_id == form_id).order_by(m.Indicator.ordinal))]


def _describe(ind) -> str:
    nature = "" if ind.nature in ("定性", "") else ind.nature
    value = f"{nature}{ind.value}{ind.unit}"
    weight = f"，权重{ind.weight_text}" if ind.weight_text else "，权重未填写"
    core = {True: "，是核心指标", False: "，不是核心指标"}.get(ind.is_core, "，是否核心未填写")
    return f"“{ind.name}”{value}{weight}{core}"


def _best_indicator(question: str, indicators: list, asked: str | None = None) -> object | None:
    """The indicator the question names: most of its wording covered, a matching unit breaks ties.

    Coverage (``assistant.wording``) rather than the longest shared piece: of
    "…装修周期" and "…装修单价", "…装修单价的上限" names the second.
    """
    unit = _UNIT_IN_QUESTION.search(asked or question)  # "多少家": the unit, from the words as asked
    best, best_score = None, 6.0
    for ind in indicators:
        score = covered(question, ind.name) + (4 if unit and unit.group(1) == ind.unit else 0)
        score += len(longest_common_substring(ind.name, question)[0]) / max(len(ind.name), 1)
        if score > best_score:
            best, best_score = ind, score
    return best


def names_an_indicator_of(fund: FundRow, question: str, runner: Runner) -> bool:
    """Whether the question, the fund's own names left out, shares four or more characters with
    one of its indicators ("…国家助学贷款办理周期要求多长" asks an indicator without saying 指标)."""
    if fund.form_id is None:
        return False
    for name in sorted(_names_of(runner, fund), key=len, reverse=True):
        question = question.replace(name, " ")
    question = _ASKING_WORDS.sub("", question)
    return any(len(longest_common_substring(i.name, question)[0]) >= 4
               for i in _indicators(runner, fund.form_id))


def indicators(fund: FundRow, intent: Intent, runner: Runner, draft: Draft) -> None:
    """A named indicator's target and weight, the core indicators, or all of them."""
    if fund.form_id is None:
        draft.lines.append(f"{fund.name}没有绩效目标表，因此没有绩效指标。")
        return
    inds = _indicators(runner, fund.form_id)
    # the fund's own name says nothing about which indicator is meant (老党员补贴 → 老党员满意度)
    asked = intent.question
    for name in sorted(_names_of(runner, fund), key=len, reverse=True):
        asked = asked.replace(name, " ")
    # "路灯亮灯率是不是核心指标" names one indicator; "核心指标有哪些" asks for the list
    wording = _FORM_WORDS.sub(" ", asked)  # "绩效目标表…几个绩效指标" names no indicator
    wording = _ASKING_WORDS.sub("", wording)  # "指导多少个社区科普大学教学点": the name, joined up again
    chosen = None if _ALL.search(asked) else _best_indicator(wording, inds, asked)
    if chosen is not None:
        # "管理面积和租用面积目标各多少": every indicator the question names, not only the best
        rest = wording.replace(longest_common_substring(chosen.name, wording)[0], " ")
        others = [i for i in inds if i is not chosen and covered(rest, i.name) >= _ALSO_NAMED] if (
            _SEVERAL.search(rest)) else []
        form = _form(runner, fund.form_id)
        for ind in [chosen, *others]:
            note = _anomalies(runner, ind.source_row_id)
            if intent.wants_mismatch or _SETTLE.search(intent.question):  # "到底…", "说法一样吗"
                note += _text_differs(form, ind, draft)
            draft.lines.append(f"{fund.name}的绩效指标{_describe(ind)}。{note}")
            draft.cite(ind.source_row_id)
            draft.rows += [_ind_row(ind)]
        return
    picked = [i for i in inds if i.is_core] if intent.wants_core else inds
    head = "核心指标" if intent.wants_core else "绩效指标"
    if _HOW_MANY.search(asked.replace("核心", "", 1)):
        # "一共设了几条绩效指标？其中核心指标几条？": both counts
        core = sum(1 for i in inds if i.is_core)
        draft.lines.append(f"{fund.name}共设{len(inds)}条绩效指标，其中核心指标{core}条。")
    listing = "；".join(_describe(i) for i in picked)
    weights = sum((i.weight or 0) for i in inds).normalize()
    draft.lines.append(f"{fund.name}的{head}共{len(picked)}个：{listing}。"
                       f"（该表全部指标权重合计{weights:f}。）")
    draft.cite(*[i.source_row_id for i in picked])
    draft.rows += [_ind_row(i) for i in picked]


def _text_differs(form, ind, draft: Draft) -> str:
    """A different figure near the same words in the form's own 项目概况 / 当年绩效目标 text.

    "完成高新技术企业新增和复审各4家" in the goal against an indicator "当年高新技术企业新增
    完成任务数 ≥3家": the reader asking which is right should see both.  The text is cut
    into clauses; the clause sharing most wording with the indicator name and holding
    a figure in its unit is compared, equal up to the indicator's own decimals.
    """
    value = parse_amount(ind.value)
    if form is None or value is None or not ind.unit:
        return ""
    places = len(ind.value.split(".")[1]) if "." in ind.value else 0
    notes = []
    for label, text, row_id in (("项目概况", form.overview, form.overview_row_id),
                                ("当年绩效目标", form.goal, form.goal_row_id)):
        clauses = [c for c in re.split(r"[，。；;,]", text or "")
                   if re.search(r"\d\s*" + re.escape(ind.unit[:1]), c)]
        best = max(clauses, key=lambda c: covered(c, ind.name), default="")
        if not best or covered(best, ind.name) < _SAME_THING:
            continue
        figures = [parse_amount(x) for x in re.findall(r"(\d+(?:\.\d+)?)\s*" + re.escape(ind.unit[:1]), best)]
        if figures and all(f is not None and round(f, places) != value for f in figures):
            notes.append(f"{label}中的相关表述：“{best.strip()}”")
            draft.cite(row_id)
    return f"（{'；'.join(notes)}，数字与指标值{ind.value}{ind.unit}不同，请对照核实。）" if notes else ""


def counts_indicators(question: str) -> bool:
    """"一共列了多少条指标", "核心指标一共有几条": the number of indicators is asked."""
    return bool(_HOW_MANY.search(question) or re.search(r"指标.{0,6}(?:几条|多少条|几个|多少个)", question))


def indicator_counts(rows: list[FundRow], runner: Runner, draft: Draft) -> None:
    """Indicators and core indicators of several funds: each fund's counts and the total."""
    parts, total, core, unset = [], 0, 0, ""
    for fund in rows:
        inds = _indicators(runner, fund.form_id) if fund.form_id is not None else []
        own_core = sum(1 for i in inds if i.is_core)
        total, core = total + len(inds), core + own_core
        parts.append(f"{fund.name}{len(inds)}条（核心{own_core}条）")
        draft.cite(*[i.source_row_id for i in inds if i.is_core])
        if any(i.is_core is None for i in inds):
            unset = "；是否核心未填写或填写异常的不计为核心"
    draft.lines.append(f"这{len(rows)}个专项的绩效目标表共设{total}条绩效指标，其中核心指标{core}条："
                       + "；".join(parts) + f"{unset}。")


def _anomalies(runner: Runner, row_id: int | None) -> str:
    """What ingestion noticed about this row (a weight written in the 是否核心 column…), said plainly."""
    if row_id is None:
        return ""
    notes = runner.rows(
        select(m.Anomaly.message).join(m.AnomalyRow, m.AnomalyRow.anomaly_id == m.Anomaly.id)
        .where(m.AnomalyRow.source_row_id == row_id, m.Anomaly.kind != "行错位")
    )
    return "".join(f"（注意：原表中{n['message']}。）" for n in notes)


def _names_of(runner: Runner, fund: FundRow) -> set[str]:
    """Every way the store writes this fund's name, with and without 专项."""
    names = {fund.name}
    form = _form(runner, fund.form_id)
    if form is not None:
        names.add(form.name)
    return names | {re.sub(r"专项$", "", n) for n in names}


def _ind_row(ind) -> dict:
    return {"指标名称": ind.name, "指标性质": ind.nature, "指标值": ind.value, "计量单位": ind.unit,
            "指标权重": ind.weight_text, "是否核心": ind.core_text}


def load(runner: Runner, fund_ids: list[int]) -> list[FundRow]:
    """The fund rows for linked fund ids, in the order given."""
    rows = {f.id: f for f in fetch_funds(runner, m.Fund.id.in_(fund_ids), any_program=True)}
    return [rows[i] for i in fund_ids if i in rows]

