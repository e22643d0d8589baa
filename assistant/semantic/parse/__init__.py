"""The parser: a question → ``Understanding`` (query parts, words not understood, refusals).

Passes run in a fixed order over the tagged tokens — clauses, kind and basis,
scope, numbers, indicator conditions — then each asking clause becomes one
query part through the frames; parts that only add outputs to the same scope
are merged, and a part about "that fund" takes the result of the part before.
Tokens nobody used are the words not understood.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.model import SemanticModel
from assistant.semantic.parse import clauses, derived, figures, followup, indicators, numbers, scope, years
from assistant.semantic.parse.clause_info import ClauseInfo, read_clause, settle_scope
from assistant.semantic.parse.frames import (
    attribute_frame,
    clause_filters,
    count_ranking_frame,
    department_frame,
    exclusion_filters,
    fund_frame,
    indicator_ranking_frame,
    indicators_frame,
)
from assistant.semantic.parse.meaning import describes
from assistant.semantic.parse.state import State
from assistant.semantic.query import (
    ACTUAL,
    AMOUNT,
    BUDGET,
    CATALOG,
    CNT,
    COUNT,
    FORM,
    FundIs,
    Query,
    Understanding,
)
from assistant.semantic.tagging import Tagger

FRAMES = (attribute_frame, indicators_frame, indicator_ranking_frame, count_ranking_frame, department_frame)


def parse(question: str, tagger: Tagger, model: SemanticModel, focus: Query | None = None) -> Understanding:
    """Understand one question; ``focus`` is the previous part of the conversation, for follow-ups."""
    state = State(question, tagger.tag(question), model)
    clauses.classify(state)
    base = _kind_and_basis(state)
    scope.collect(state)
    numbers.read(state)
    indicators.read(state)
    in_figures = figures.applies(state) or (focus is not None and focus.over == "figures"
                                            and followup.is_follow_up(state) and not state.mentions)
    if not in_figures:
        clauses.drop_unclear_background(state)
    result = Understanding()
    base = years.resolve(state, base, focus, in_figures)
    if state.refusal:
        result.refusal = state.refusal
        return result
    if followup.is_follow_up(state) and focus is None and not state.mentions:
        result.refusal = "无法确定“它/这个”指的是什么：请说出专项、部门或要看的数字的名称。"
        return result
    if in_figures:
        result.parts = figures.parts(state, base, focus, result)
        clauses.drop_unclear_background(state)
    else:
        result.parts = _fund_parts(state, base, focus, result)
    result.context_unused = list(state.dropped)
    result.refusal = state.refusal
    result.unknown = [w for _, words in result.unanswered for w in words]
    return result


def _kind_and_basis(state: State) -> Query:
    kind, basis = BUDGET, CATALOG
    for token in state.tokens:
        if token.cue("类别") is not None and not token.used:
            if token.cue("类别") == ACTUAL:
                kind = ACTUAL
            token.used = token.used or token.cue("类别") == ACTUAL or not token.has("measure")
        if token.cue("口径") is not None and _about_amounts(state, token):
            basis = FORM if token.cue("口径") == FORM else CATALOG
            token.used = True
    if kind == ACTUAL:
        state.refusal = ("无法回答：库中只有预算数（年初预算），没有决算数或执行数，"
                         "不能用预算数代替。")
    return Query(kind=kind, basis=basis)


def _about_amounts(state: State, token) -> bool:
    """绩效目标表 is a basis only when amounts are near (按绩效目标表口径, 表上的金额); elsewhere it
    says where an indicator is written."""
    index = state.tokens.index(token)
    said = [token, *(t for _, t in [*state.neighbours(index, 1, 1), *state.neighbours(index, -1, 1)])]
    if any(t.cue("明示") for t in said):  # 目录口径, 按绩效目标表口径: the basis is named as such
        return True
    near = [t for _, t in [*state.neighbours(index, 1, 3), *state.neighbours(index, -1, 3)]]
    return any(t.get("measure") == "amount" or t.cue("汇总") in ("sum", "avg") or t.cue("口径") for t in near)


def _fund_parts(state: State, base: Query, focus: Query | None, result: Understanding) -> list[Query]:
    base = replace(base, exclusions=exclusion_filters(state), decimals=state.decimals)
    parts: list[Query] = []
    previous: ClauseInfo | None = None
    unclear: set[int] = set()
    for clause in state.clauses():
        if not state.asked(clause):
            continue
        info = read_clause(state, clause)
        settle_scope(state, info, previous)
        # a follow-up asks again whatever the last question asked (那去年呢 says only a year)
        follows = focus is not None and not parts and followup.is_follow_up(state)
        if not (info.asks_anything() or follows):
            continue
        part_base = _follow(replace(base, filters=clause_filters(state, info)), parts, info, focus)
        if follows:
            part_base = followup.base_from_focus(part_base, focus, info)
        query = _first_frame(state, info, part_base)
        query = derived.apply(state, info, query)
        query = describes(state, info, query)
        if follows:
            query = followup.finish(query, focus, info)
        unknown = [t.text for t in state.unused_content() if t.clause == clause]
        # a part not fully understood gets no figure, nor does a later one that names nothing of
        # its own and takes the scope of a clause not understood (…是哪条？权重多少？): unless that
        # scope is all from the background, it would compute on words nobody understood
        leans = info.inherited in unclear and not _background_scope(state, info)
        if unknown or leans:
            unclear.add(clause)
            result.unanswered.append(("".join(t.text for t in state.clause_tokens(clause)
                                              if not t.has("punct")), unknown))
        elif parts and info.only_asks_shape() and (not info.measures or _says_amounts(parts[-1])):
            info.use(*info.shapes.values())
            parts[-1] = replace(parts[-1], shape=_wider(parts[-1].shape, info.shape or parts[-1].shape))
        elif parts and _repeats(info, parts[-1]):
            info.use(*info.measures.values(), *info.aggs.values(), *info.shapes.values(),
                     *(t for _, t in info.nouns))
        elif parts and info.only_adds_outputs():
            if not (parts[-1].over in ("funds", "contacts") and parts[-1].order is not None):
                parts[-1] = _with_outputs(parts[-1], query)  # a ranking of funds already says its figure
        else:
            parts.append(query)
        previous = info
    return _merge(parts)


def _background_scope(state: State, info: ClauseInfo) -> bool:
    """Whether a clause's scope is something, and all of it named in background clauses."""
    named = bool(info.mentions or info.bounds or info.having or info.indicator)
    return named and all(not state.asked(m.clause) for m in info.mentions)


def _repeats(info: ClauseInfo, previous: Query) -> bool:
    """…是哪条？权重多少？ / …是谁，对应几个专项？: a clause that names nothing and asks only
    figures the part before already gives (an amount, a weight, the count it ranked by) adds nothing."""
    own = any(m.clause == info.clause for m in info.mentions)
    said = {o.measure for o in previous.outputs}
    asked = set(info.measures) | ({COUNT} if CNT in info.aggs else set())
    others = set(info.aggs) - {CNT} or {n for n, _ in info.nouns} - {"fund"}
    return bool(asked) and asked <= said and not (
        own or others or info.extreme or info.position or info.derived)


def _says_amounts(query: Query) -> bool:
    """Whether a part's answer already gives each item's amount (a ranking or list of amounts)."""
    return any(o.measure == AMOUNT for o in query.outputs)


def _with_outputs(previous: Query, query: Query) -> Query:
    """A clause that only asks for more figures of the same rows (…，平均每项多少？) adds them."""
    outputs = previous.outputs + tuple(o for o in query.outputs if o not in previous.outputs and o.agg)
    return replace(previous, outputs=outputs)


def _first_frame(state: State, info: ClauseInfo, base: Query) -> Query:
    for frame in FRAMES:
        query = frame(state, info, base)
        if query is not None:
            return query
    return fund_frame(state, info, base)


def _follow(base: Query, parts: list[Query], info: ClauseInfo, focus: Query | None) -> Query:
    """A part about "that fund" (那个专项/它/其) works on the fund the previous part found."""
    previous = parts[-1] if parts else None
    own = any(m.clause == info.clause for m in info.mentions)
    if previous is not None and _finds_one_fund(previous) and not own:
        return replace(base, filters=(FundIs((), (), ref=True),))
    core = info.core is not None or (info.indicator is not None and info.indicator.core)
    if previous is not None and previous.over == "indicators" and not own and core:
        return replace(base, over="indicators", filters=previous.filters)
    return base


def _finds_one_fund(query: Query) -> bool:
    """A part whose answer is one fund: the top of a ranking, the fund a description fits, or the
    fund an earlier part found."""
    if query.over != "funds":
        return False
    top = query.order is not None and query.order.limit == 1 and not query.order.position_of
    return top or query.shape == "which" or any(isinstance(f, FundIs) and f.ref for f in query.filters)


def _merge(parts: list[Query]) -> list[Query]:
    """Consecutive parts over the same rows with the same filters become one with all outputs."""
    merged: list[Query] = []
    for part in parts:
        last = merged[-1] if merged else None
        if last is not None and _same_rows(last, part) and part.derived is None and last.derived is None:
            outputs = last.outputs + tuple(o for o in part.outputs if o not in last.outputs)
            merged[-1] = replace(last, outputs=outputs, shape=last.shape if last.shape == part.shape
                                 else _wider(last.shape, part.shape))
        else:
            merged.append(part)
    return merged


def _same_rows(a: Query, b: Query) -> bool:
    return (a.over, a.filters, a.exclusions, a.having, a.order, a.group_by_department, a.year) == (
        b.over, b.filters, b.exclusions, b.having, b.order, b.group_by_department, b.year)


def _wider(a: str, b: str) -> str:
    order = ("text", "list", "which", "number", "yesno")
    return min(a, b, key=order.index)
