"""Frames: from what a clause says (``ClauseInfo``) and the question's scope to one ``Query``.

Each frame is a small function that either recognises its kind of question from
typed facts — an attribute asked of named funds, the indicators of one fund, a
ranking of indicators, a question about departments, a question about funds —
or returns ``None``; ``build_part`` tries them in that order.  Derived figures
(share, multiple, difference) are added by ``derived.py`` on top of the frame.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.parse.clause_info import DEPARTMENT_NOUNS, ClauseInfo
from assistant.semantic.parse.state import State
from assistant.semantic.query import (
    AMOUNT,
    AVG,
    CNT,
    CONTACTS,
    COUNT,
    DEPARTMENTS,
    FUNDS,
    INDICATOR_COUNT,
    INDICATORS,
    LIST,
    MAX,
    MEDIAN,
    NUMBER,
    SUM,
    TARGET,
    TEXT,
    WEIGHT,
    WHICH,
    YESNO,
    AmountIs,
    BasesDiffer,
    ContactIs,
    Filter,
    FundIs,
    HasIndicator,
    InDepartments,
    InGroup,
    NameHas,
    Order,
    Output,
    Query,
    SeqIs,
)

FUND_ATTRIBUTES = ("contact", "phone", "overview", "goal", "department", "name", "seq", "form")
AMOUNT_AGGS = (SUM, AVG, MEDIAN)


def scope_filters(state: State, mentions: list | None = None) -> tuple[Filter, ...]:
    """Filters for the named departments, groups and funds (all of the question's, or some)."""
    mentions = state.mentions if mentions is None else mentions
    out: list[Filter] = []
    depts = [m for m in mentions if m.kind == "dept"]
    if depts:
        ids = tuple(dict.fromkeys(d for m in depts for d in sorted(m.ids)))
        out.append(InDepartments(ids, tuple(state.model.department_label(d) for d in ids)))
    for group in (m for m in mentions if m.kind == "group"):
        out.append(InGroup(group.text, tuple(sorted(group.ids))))
    funds = [m for m in mentions if m.kind == "fund"]
    if funds:
        ids = tuple(dict.fromkeys(f for m in funds for f in sorted(m.ids)))
        out.append(FundIs(ids, tuple(state.model.funds[f].name for f in ids)))
    out.extend(NameHas(m.word) for m in mentions if m.kind == "name")
    if any(m.kind == "differ" for m in mentions):
        out.append(BasesDiffer())
    out.extend(ContactIs(contact=m.word) for m in mentions if m.kind == "contact")
    out.extend(ContactIs(phone=m.word) for m in mentions if m.kind == "phone")
    return tuple(out)


def exclusion_filters(state: State) -> tuple[Filter, ...]:
    return scope_filters(state, state.excluded)


def named_funds(info: ClauseInfo) -> list[int]:
    return list(dict.fromkeys(f for m in info.mentions if m.kind == "fund" for f in sorted(m.ids)))


def clause_filters(state: State, info: ClauseInfo) -> tuple[Filter, ...]:
    """The filters of a clause's settled scope: names, bounds on amounts, indicator conditions."""
    return (scope_filters(state, info.mentions) + tuple(AmountIs(b) for b in info.bounds)
            + ((info.indicator,) if info.indicator else ()) + ((SeqIs(state.seq),) if state.seq else ()))


# ----- the frames --------------------------------------------------------------------------

def attribute_frame(state: State, info: ClauseInfo, base: Query) -> Query | None:
    """联系人、电话、项目概况、主管部门、名称、绩效目标表 of named funds, or whose a phone or a
    contact is (then the fund, its department and the contact are said)."""
    asked = [m for m in info.measures if m in FUND_ATTRIBUTES]
    by_contact = any(m.kind in ("contact", "phone") for m in info.mentions)
    lists_funds = info.asked_noun == "fund" and ("list" in info.shapes or CNT in info.aggs)
    if by_contact and not asked and not lists_funds:
        asked = ["department", "contact", "phone"]
    scoped = named_funds(info) or _refers_back(info, base) or by_contact or any(
        m.kind in ("dept", "name") for m in info.mentions) or any(  # 医保中心那个专项找谁: each fund of it
        isinstance(f, FundIs | InDepartments | InGroup | NameHas | SeqIs) for f in base.filters)
    if not asked or not scoped:
        return None
    info.use(*(info.measures.get(m) for m in asked), *info.shapes.values(), info.followup)
    return replace(base, over=FUNDS, outputs=tuple(Output(m) for m in asked), shape=TEXT)


def indicators_frame(state: State, info: ClauseInfo, base: Query) -> Query | None:
    """Indicators themselves: a fund's (core) indicators, a named indicator's value and weight,
    how many indicators meet a condition, the targets of the indicators found before."""
    ranked = info.extreme is not None or (state.ordinal is not None and not named_funds(info))
    if ranked or info.asked_noun == "fund":
        return None
    said = any(n == "indicator" for n, _ in info.nouns) or info.asked_noun == "indicator"
    wants = [m for m in (TARGET, WEIGHT) if m in info.measures]
    single = len(named_funds(info)) == 1 or _refers_back(info, base)
    unit = _unit_asked(state, info)
    if not (said or wants or unit
            or (single and (info.core or info.indicator or "indicators" in info.measures))):
        return None
    indicator = info.indicator or HasIndicator()
    if info.core:
        indicator = replace(indicator, core=True)
    loose = _loose_words(state, info)
    if loose and not indicator.exact:
        indicator = replace(indicator, like=loose, words=(), unit=unit)
    if unit and TARGET not in wants:
        wants.append(TARGET)
    info.use(info.core, *(info.measures.get(m) for m in wants), info.measures.get("indicators"),
             *info.shapes.values(), info.followup, *(t for n, t in info.nouns if n == "indicator"))
    counts = CNT in info.aggs
    if counts:
        info.use(*info.aggs.values())
    outputs = ((Output(COUNT, CNT),) if counts
               else (tuple(Output(m) for m in wants) or (Output("indicators"),)))
    # 是不是核心指标: of the one before
    if "yesno" in info.shapes and indicator.core and base.over == INDICATORS:
        indicator = replace(indicator, core=None)
        outputs = (Output("core"),)
    shape = NUMBER if counts or wants else LIST
    filters = (*(f for f in base.filters if not isinstance(f, HasIndicator)), indicator)
    return replace(base, over=INDICATORS, outputs=outputs, filters=filters, shape=shape)


def _unit_asked(state: State, info: ClauseInfo) -> str:
    """多少户 / 几场: a unit that is not money after the question word asks for an indicator target."""
    for token in state.clause_tokens(info.clause):
        unit = token.get("unit")
        if unit is not None and unit.kind == "other" and not token.used:
            token.used = True
            return unit.word
    return ""


def indicator_ranking_frame(state: State, info: ClauseInfo, base: Query) -> Query | None:
    """权重最高的指标 / 合格率类指标里哪个权重最大: a ranking of indicators across funds."""
    measure = next((m for m in (WEIGHT, TARGET) if m in info.measures), None)
    if measure is None or (info.extreme is None and state.ordinal is None) or named_funds(info):
        return None
    order = _order(state, info, position=False)  # 最高的 / 前三的 / 第二高的
    info.use(info.measures[measure], *info.shapes.values(),
             *(t for n, t in info.nouns if n in ("indicator", "fund")))
    return replace(base, over=INDICATORS, outputs=(Output(measure),),
                   shape=WHICH if order.limit == 1 else LIST, order=order)


def count_ranking_frame(state: State, info: ClauseInfo, base: Query) -> Query | None:
    """Things ranked by how many of something they have: the fund with most indicators, the contact
    named on most funds (departments by number of funds are in ``department_frame``)."""
    if info.extreme is None and state.ordinal is None:
        return None
    nouns = {n for n, _ in info.nouns}
    if info.asked_noun == "contact" and ("fund" in nouns or CNT in info.aggs):
        order = _order(state, info, position=False)
        info.use(*info.aggs.values(), *info.shapes.values(), *(t for _, t in info.nouns))
        return replace(base, over=CONTACTS, outputs=(Output(COUNT, CNT),), order=order, shape=WHICH)
    if info.asked_noun == "fund" and "indicator" in nouns and not _amount_said(info):
        order = _order(state, info, position=False)
        info.use(*info.aggs.values(), *info.shapes.values(), *(t for _, t in info.nouns))
        return replace(base, over=FUNDS, outputs=(Output(INDICATOR_COUNT),), order=order, shape=WHICH)
    return None


def department_frame(state: State, info: ClauseInfo, base: Query) -> Query | None:
    """Departments compared by their funds: 哪个部门最多, 人社局排第几, 合计超过200万的单位有几个."""
    about = info.asked_noun in DEPARTMENT_NOUNS or info.per_department
    named_depts = any(m.kind == "dept" for m in info.mentions)
    ranks_named = info.position is not None and named_depts and not named_funds(info)
    if not (about or ranks_named or (info.having and info.asked_noun != "fund")):
        return None
    count_departments = CNT in info.aggs and about and not info.per_department and (
        info.having or not _ranks(state, info))
    measure_count = not _amount_said(info) and not count_departments
    agg = AVG if AVG in info.aggs else (MEDIAN if MEDIAN in info.aggs else SUM)
    output = Output(COUNT) if measure_count else Output(AMOUNT, agg)
    order = _order(state, info, position=bool(ranks_named))
    info.use(*info.aggs.values(), *info.shapes.values(), *(t for _, t in info.nouns),
             info.measures.get(AMOUNT))
    outputs = (Output(COUNT, CNT),) if count_departments else (output,)
    one = order is not None and order.limit == 1 and "list" not in info.shapes
    shape = NUMBER if count_departments or ranks_named else (WHICH if one else LIST)
    if order is None and not count_departments:
        order = Order(desc=True)
    filters = base.filters + _asked_group(state, info)
    return replace(base, over=DEPARTMENTS, group_by_department=True, outputs=outputs, filters=filters,
                   order=order, shape=shape, having=tuple(info.having))


GROUP_OF_NOUN = {"town": "镇", "street": "街道", "town_or_street": "镇街"}


def _asked_group(state: State, info: ClauseInfo) -> tuple[Filter, ...]:
    """哪个镇 ranks towns only: the group the asked noun names narrows the departments."""
    word = GROUP_OF_NOUN.get(info.asked_noun or "")
    ids = state.model.groups.get(word) if word else None
    named = any(m.kind == "group" for m in info.mentions)
    return (InGroup(word, tuple(sorted(ids)), asked=True),) if ids and not named else ()


def fund_frame(state: State, info: ClauseInfo, base: Query) -> Query:
    """Funds: a lookup, a total, a count, an average, a ranking or a list (the default frame)."""
    outputs: list[Output] = []
    if CNT in info.aggs:
        outputs.append(Output(COUNT, CNT))
    for agg in AMOUNT_AGGS:
        if agg in info.aggs:
            outputs.append(Output(AMOUNT, agg))
    order = _order(state, info, position=info.position is not None)
    named = named_funds(info)
    if not outputs and (AMOUNT in info.measures or "number" in info.shapes) and named and order is None:
        outputs.append(Output(AMOUNT))
    elif not outputs and AMOUNT in info.measures and "number" in info.shapes and order is None \
            and info.each is None and not {"list", "which"} & set(info.shapes):
        outputs.append(Output(AMOUNT, SUM))  # how much a set of funds is: its total (members listed too)
    shape = _fund_shape(info, outputs, order)
    if not outputs:
        outputs.append(Output(AMOUNT))
    info.use(*info.aggs.values(), *info.shapes.values(), *(t for n, t in info.nouns if n == "fund"),
             info.measures.get(AMOUNT), info.each)
    return replace(base, over=FUNDS, outputs=tuple(outputs), order=order, shape=shape)


# ----- helpers -----------------------------------------------------------------------------

def _refers_back(info: ClauseInfo, base: Query) -> bool:
    return any(isinstance(f, FundIs) and f.ref for f in base.filters)


def _loose_words(state: State, info: ClauseInfo) -> str:
    """The clause's words that name an indicator loosely, in order: words nothing else claimed and
    indicator words (公益性 + 岗位 + 补贴人数)."""
    tokens = [t for t in state.clause_tokens(info.clause)
              if (t.has("unknown") and not t.used) or t.has("indicator_word") or
              (t.has("indicator") and not t.has("fund"))]
    if not any(t.not_understood for t in tokens):
        return ""
    for token in tokens:
        token.used = True
    return "".join(t.text for t in tokens)


def _amount_said(info: ClauseInfo) -> bool:
    return AMOUNT in info.measures or any(a in info.aggs for a in AMOUNT_AGGS)


def _ranks(state: State, info: ClauseInfo) -> bool:
    return (info.extreme is not None or info.position is not None or state.ordinal is not None
            or info.sort is not None)


def _order(state: State, info: ClauseInfo, position: bool) -> Order | None:
    """The ordering the clause asks for: an extreme, an ordinal, or a position."""
    if position:
        info.use(info.position)
        return Order(desc=True, position_of=True)
    if info.extreme is not None:
        way, token = info.extreme
        info.use(token)
        limit = (state.ordinal[2] if state.ordinal is not None and not state.ordinal[1]
                 else count_near(state, token))
        return Order(desc=way == MAX, limit=limit)  # 哪三个…最多 / 最少的三个: the first three
    if state.ordinal is not None:
        desc, offset, limit = state.ordinal
        if desc is None:
            desc = info.sort != "asc"
        return Order(desc=desc, offset=offset, limit=limit)
    if info.sort is not None:
        return Order(desc=info.sort == "desc")
    return None


def count_near(state: State, token) -> int:
    """最少的三个部门 / 垫底的俩专项: a count right after (or before) an extreme is how many."""
    index = state.tokens.index(token)
    for _, near in [*state.neighbours(index, 1, 2), *state.neighbours(index, -1, 1)]:
        number = near.get("number")
        if (number is not None and (number.unit is None or number.unit.kind == "count")
                and 1 < number.value < 100):
            near.used = True
            return int(number.value)
    return 1


def _fund_shape(info: ClauseInfo, outputs: list[Output], order: Order | None) -> str:
    if order is not None and order.position_of:
        return NUMBER
    if outputs and "list" not in info.shapes:
        return NUMBER
    if "yesno" in info.shapes and not outputs:
        return YESNO
    if order is not None and order.limit == 1 and "list" not in info.shapes:
        return WHICH
    return LIST
