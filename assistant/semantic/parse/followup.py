"""Follow-ups: a short question that changes one part of the conversation's last query.

去年呢 changes the year, 那卫健局呢 the department, 它的联系人呢 asks an attribute of the
same funds, 占比呢 asks the share of the same figure, 最少的呢 turns the ranking round.
Whatever the follow-up does not say is taken from the last query; what it says
replaces the part of the same kind, so the answer is about what the user was
looking at, never about an unrelated fund.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.parse.clause_info import ClauseInfo
from assistant.semantic.parse.state import State
from assistant.semantic.query import (
    AMOUNT,
    SUM,
    Derived,
    FigureIs,
    FundIs,
    InDepartments,
    InGroup,
    NameHas,
    Order,
    Output,
    Query,
    SeqIs,
)

NAMED = (InDepartments, InGroup, FundIs, NameHas, SeqIs)


def is_follow_up(state: State) -> bool:
    """A question that leans on the last one: its first clause starts with 那/它/这个… or speaks of
    它, or the whole question is a short one ending with 呢 (去年呢, 占比呢)."""
    content = [t for t in state.tokens if not t.has("punct")]
    if not content:
        return False
    first = [t for t in content if t.clause == content[0].clause]
    short = len("".join(t.text for t in content)) <= 8 and content[-1].cue("追问") == "tail"
    return content[0].cue("追问") is not None or short or any(t.cue("追问") == "pronoun" for t in first)


def base_from_focus(base: Query, focus: Query, info: ClauseInfo) -> Query:
    """The last query with what this clause names put in place of the same kind of name."""
    own = [f for f in base.filters if isinstance(f, NAMED)]
    kept = tuple(f for f in focus.filters if not (own and isinstance(f, NAMED)))
    year = base.year if base.years else focus.year
    return replace(focus, filters=own_first(own, kept), year=year, years=base.years or focus.years,
                   exclusions=base.exclusions or focus.exclusions, decimals=base.decimals)


def own_first(own: list, kept: tuple) -> tuple:
    return (*own, *kept)


def finish(query: Query, focus: Query, info: ClauseInfo) -> Query:
    """What the follow-up did not ask for itself comes from the last query: its outputs and order;
    占比呢 asks the share of the last figure in everything of its kind."""
    if "share" in info.derived and query.derived is None:
        whole = replace(query,
                        filters=tuple(f for f in query.filters if not isinstance(f, (*NAMED, FigureIs))),
                        outputs=(Output(AMOUNT, SUM),), order=None)
        info.use(*info.derived.values(), *info.shapes.values())
        return replace(query, outputs=(Output(AMOUNT, SUM),), order=None,
                       derived=Derived("share", other=whole))
    asked = info.aggs or info.measures or info.extreme or info.position or info.derived
    if asked:
        if info.extreme is not None and query.order is None and focus.order is not None:
            return replace(query, order=Order(desc=info.extreme[0] == "max", limit=focus.order.limit or 1))
        return query
    info.use(*info.shapes.values(), info.followup)
    return replace(query, outputs=focus.outputs, order=focus.order, shape=focus.shape, over=focus.over,
                   group_by_department=focus.group_by_department, having=focus.having, derived=focus.derived)
