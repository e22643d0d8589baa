"""Indicator conditions: 满意度指标设为核心 / 满意度目标不低于95% / 权重40%的指标 / “租金收缴率”.

Indicator words come from the store (the names of indicators, and the kinds of
indicator many names share: 满意度, 合格率); a percentage with a comparison is a
bound on the indicator's target value, or on its weight when 权重 is said next
to it.  A question about one fund names its indicators loosely ("公益性岗位补贴
人数" for 享受公益性岗位补贴人员数量): those are matched against that fund's own
indicator names by shared wording, in the frame that knows the fund.
"""

from __future__ import annotations

from decimal import Decimal

from assistant.semantic.parse.state import State
from assistant.semantic.query import Bound, HasIndicator
from assistant.semantic.tagging import Token


def percent(token: Token):
    number = token.get("number")
    if number is not None and number.unit is not None and number.unit.kind == "percent":
        return number
    return None


def read(state: State) -> None:
    """Per clause: the indicator words, the core flag and the bounds on value or weight."""
    for clause in state.clauses():
        found = _read_clause(state, clause)
        if found is not None:
            state.indicators[clause] = found


def _read_clause(state: State, clause: int) -> HasIndicator | None:
    words: list[str] = []
    exact: str | None = None
    funds_named = any(m.kind == "fund" for m in state.mentions)
    for token in state.clause_tokens(clause):
        if token.used:
            continue
        if token.get("indicator_word") is not None:
            words.append(token.get("indicator_word"))
            token.used = True
        elif token.get("indicator") is not None:
            if funds_named:
                exact = token.get("indicator")
            else:
                words.append(token.get("indicator"))
            token.used = True
    if exact:
        words = []  # 把“减少经济损失”这一指标定在什么水平: the name says which; other words do not narrow
    value, weight = _bounds(state, clause)
    core = next((True for t in state.clause_tokens(clause)
                 if t.cue("核心") and not t.used and _mark(t)), None)
    if words or exact or value or weight or core:
        return HasIndicator(words=tuple(dict.fromkeys(words)), core=core, value=value, weight=weight,
                            exact=exact)
    return None


def _mark(token: Token) -> bool:
    token.used = True
    return True


def _bounds(state: State, clause: int) -> tuple[Bound | None, Bound | None]:
    """A percentage with a comparison: on the weight when 权重 is next to it, else on the value."""
    value = weight = None
    for i, token in enumerate(state.tokens):
        number = percent(token)
        if number is None or token.used or token.clause != clause:
            continue
        op = None
        before, after = state.next_content(i, -1), state.next_content(i, 1)
        if before is not None and before[1].cue("比较前"):
            op = before[1].cue("比较前")
            before[1].used = True
        elif after is not None and after[1].cue("比较后"):
            op = after[1].cue("比较后")
            after[1].used = True
        near_weight = any(t.get("measure") == "weight" for _, t in state.neighbours(i, -1, 3))
        bound = Bound(op or "=", Decimal(number.value), "%")
        token.used = True
        if near_weight:
            weight = bound
        else:
            value = bound
            for _, t in state.neighbours(i, -1, 3):
                if t.get("measure") == "target":
                    t.used = True
    return value, weight
