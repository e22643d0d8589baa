"""Derived figures over funds: a share of a whole, a multiple, a difference, a change.

占/比例: the part is the most specific thing named (a fund before a department,
a department before a group), the whole is what is named after 占 or the
container named with the part (农林局 for its fund), else everything in scope
(全区).  倍/差: the first thing named against the second.  比上年: the same
figure in the base year, which the store must hold.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.parse.clause_info import ClauseInfo
from assistant.semantic.parse.frames import scope_filters
from assistant.semantic.parse.state import Mention, State
from assistant.semantic.query import (
    AMOUNT,
    FUNDS,
    NUMBER,
    SUM,
    Derived,
    FundIs,
    InDepartments,
    InGroup,
    Output,
    Query,
)

SPECIFIC = {"fund": 0, "dept": 1, "group": 2}


def apply(state: State, info: ClauseInfo, query: Query) -> Query:
    """The query with its derived figure, when the clause asks for one."""
    if "share" in info.derived:
        return _share(state, info, query)
    for kind in ("multiple", "difference"):
        if kind in info.derived:
            return _versus(state, info, query, kind)
    if "change" in info.derived and query.over == FUNDS:
        return _change(state, info, query)
    return query


def _operands(info: ClauseInfo) -> list[Mention]:
    return sorted(info.mentions, key=lambda m: m.index)


def _contains(outer: Mention, inner: Mention, state: State) -> bool:
    if outer.kind == "dept" and inner.kind == "fund":
        return all(state.model.funds[f].department_id in outer.ids for f in inner.ids)
    if outer.kind == "group" and inner.kind in ("dept", "fund"):
        depts = inner.ids if inner.kind == "dept" else {state.model.funds[f].department_id for f in inner.ids}
        return set(depts) <= set(outer.ids)
    return False


def _share(state: State, info: ClauseInfo, query: Query) -> Query:
    token = info.derived["share"][0]
    named = _operands(info)
    if not named:
        return query
    at = _index(state, token)
    before = [m for m in named if m.index < at and m.kind in SPECIFIC] or named
    kind = min((m.kind for m in before), key=SPECIFIC.get)
    parts = [m for m in before if m.kind == kind]  # 卫健、城管、农林三家 are one part together
    part = parts[0]
    after = [m for m in named if m.index > at and m not in parts]
    containers = [m for m in named if m not in parts and _contains(m, part, state)]
    whole_mentions = after or containers
    info.use(*info.derived.values(), *info.shapes.values(),
             info.measures.get(AMOUNT), *(t for n, t in info.nouns if n == "fund"))
    for t in state.tokens:
        if t.cue("全体") and t.clause == info.clause:
            t.used = True
    part_query = _total_of(state, query, parts)
    whole = _total_of(state, query, whole_mentions)
    return replace(part_query, derived=Derived("share", other=whole), shape=NUMBER)


def _versus(state: State, info: ClauseInfo, query: Query, kind: str) -> Query:
    named = [m for m in _operands(info) if m.kind in ("fund", "dept", "group")]
    firsts = _distinct_operands(named)
    if len(firsts) < 2:
        return query
    a, b = firsts[0], firsts[1]
    info.use(*info.derived.values(), *info.shapes.values(), info.measures.get(AMOUNT),
             *(t for n, t in info.nouns if n == "fund"))
    for t in state.tokens:
        if t.cue("基准") and t.clause == info.clause:
            t.used = True
    return replace(_total_of(state, query, [a]), derived=Derived(kind, other=_total_of(state, query, [b])),
                   shape=NUMBER)


def _distinct_operands(named: list[Mention]) -> list[Mention]:
    """The things compared: a department named only to say whose fund it is does not count."""
    out: list[Mention] = []
    for mention in named:
        if mention.kind == "dept" and any(
            m.kind == "fund" and abs(m.index - mention.index) <= 2 for m in named
        ):
            continue
        out.append(mention)
    return out


def _change(state: State, info: ClauseInfo, query: Query) -> Query:
    base_year = query.derived.base_year if query.derived else (query.year - 1 if query.year else None)
    held = state.model.years.get("special_funds", set())
    if base_year not in held:
        listed = "、".join(f"{y}年" for y in sorted(held))
        state.refusal = (f"无法回答：要算比上年的变化需要{base_year}年的重点专项数，库中只有{listed}的；"
                         "当年数不能代替增减。")
    info.use(info.derived["change"])
    return replace(query, derived=Derived("change", base_year=base_year))


def _index(state: State, token) -> int:
    return next(i for i, t in enumerate(state.tokens) if t is token)


def _total_of(state: State, query: Query, mentions: list[Mention]) -> Query:
    """The query narrowed to some named things (all in scope when none), as one total."""
    keep = tuple(f for f in query.filters if not isinstance(f, (FundIs, InDepartments, InGroup)))
    filters = scope_filters(state, mentions) + keep
    one_fund = len(mentions) == 1 and mentions[0].kind == "fund" and len(mentions[0].ids) == 1
    output = Output(AMOUNT) if one_fund else Output(AMOUNT, SUM)
    return replace(query, over=FUNDS, filters=filters, outputs=(output,), order=None,
                   group_by_department=False, having=())
