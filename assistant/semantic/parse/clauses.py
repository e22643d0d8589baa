"""Clauses: which parts of a question ask something and which only set the scene.

A clause asks when it holds an interrogative, an aggregate, a ranking, a
derived figure, a request (请…/算一下) or an attribute word (联系人, 电话), or
ends with a question mark.  Other clauses are background: when they are fully
understood they still narrow the question ("在设有招商引资专项的各镇中，…");
when they hold words the lexicon does not know ("有同志反映…偏大") they are set
aside and named in the answer, because they cannot change what is computed
without being understood.
"""

from __future__ import annotations

from assistant.semantic.parse.state import ASK, ASKING_MEASURES, ASKING_ROLES, CONTEXT, State


def classify(state: State) -> None:
    """Mark each clause as asking or background."""
    for clause in state.clauses():
        tokens = state.clause_tokens(clause)
        named = any(t.has("dept") or t.has("fund") or t.has("contact") or t.has("phone") for t in tokens)
        asks = any(
            any(t.cue(role) is not None for role in ASKING_ROLES)
            or t.cue("派生") in ("share", "multiple", "difference")  # 增加/减少 also just report
            or (t.get("measure") in ASKING_MEASURES and named)  # 绩效目标表上的联系人，… only sets a topic
            for t in tokens
        ) or _question_mark(tokens)
        scene = _criterion(tokens) or _container(tokens)
        state.clause_kind[clause] = ASK if asks and not scene else CONTEXT
    if ASK not in state.clause_kind.values():
        # a bare phrase ("残疾事业服务专项的联系人和电话") asks all the same
        state.clause_kind = dict.fromkeys(state.clause_kind, ASK)


def drop_unclear_background(state: State) -> None:
    """Background clauses with words not understood are set aside with all they contributed."""
    for clause, kind in state.clause_kind.items():
        tokens = state.clause_tokens(clause)
        if kind == ASK or not any(t.not_understood and not t.used for t in tokens):
            continue
        state.dropped.append("".join(t.text for t in tokens if not t.has("punct")))
        for token in tokens:
            token.used = True
        state.mentions = [m for m in state.mentions if m.clause != clause]
        state.excluded = [m for m in state.excluded if m.clause != clause]
        state.fund_bounds = [b for b in state.fund_bounds if b[0] != clause]
        state.having = [h for h in state.having if h[0] != clause]
        state.indicators.pop(clause, None)


def _container(tokens) -> bool:
    """…支出预算总额中， / 在…的专项里，: a clause ending in 中/里 sets the scene for the next."""
    content = [t for t in tokens if not t.has("punct")]
    return bool(content) and content[-1].contains() and not _question_mark(tokens)


def _criterion(tokens) -> bool:
    """按主管部门汇总… / 按每个专项的平均预算比一比: a clause that says how to compare, not what to
    answer (it has 按 and no interrogative); its aggregate and measure go to the asking clause."""
    by = any(t.cue("分组") == "by" for t in tokens)
    interrogative = any(t.cue("形式") is not None for t in tokens) or _question_mark(tokens)
    return by and not interrogative


def _question_mark(tokens) -> bool:
    """A clause closed by a question mark asks, whatever its words (…在哪个专项里？)."""
    return any(t.has("punct") and t.text in "?？" for t in tokens)
