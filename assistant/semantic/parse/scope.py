"""Scope: the departments, groups and funds a question names, and the ones it leaves out.

除了/不含/剔除 take the names after them, 以外/除外/的不算 the names before
them; 其他/其余 means "the others"; 含/也算在内 next to a group only says the
group is included.  A fund name that fits several funds is narrowed by the
departments named with it, else it stands for all of them (a name group:
城乡环境管理专项 of every town).  A group that contains a named department
adds nothing to it.
"""

from __future__ import annotations

from assistant.semantic.parse.state import Mention, State
from assistant.semantic.tagging import Token

ENTITY_ORDER = ("dept", "group", "fund", "contact", "phone")
# what may sit between an exclusion word and the names it takes


def collect(state: State) -> None:
    """Find the named entities, then apply exclusions, inclusion notes and 其余."""
    for i, token in enumerate(state.tokens):
        if token.used:
            continue
        mention = _mention(state, i, token)
        if mention is not None:
            state.mentions.append(mention)
    _quoted_names(state)
    _exclusions(state)
    _inclusion_notes(state)
    _rest(state)
    _narrow_funds(state)
    _drop_redundant_groups(state)
    _disagreements(state)
    for mention in state.mentions:  # a name that narrows the question is understood
        state.tokens[mention.index].used = True


def _mention(state: State, index: int, token: Token) -> Mention | None:
    for kind in ENTITY_ORDER:
        value = token.get(kind)
        if value is None:
            continue
        if kind == "group":
            ids = frozenset(state.model.groups.get(value, ()))
            return Mention("group", ids, token.text, index, token.clause) if ids else None
        if kind in ("contact", "phone"):
            return Mention(kind, frozenset(), token.text, index, token.clause, word=value)
        return Mention(kind, frozenset(value), token.text, index, token.clause)
    return None


def _quoted_names(state: State) -> None:
    """名称里带“惠民”的 / 所有叫“招商引资专项”的: a quoted word after 带/含/叫 groups funds by name."""
    for i, token in enumerate(state.tokens):
        if token.cue("含名") is None or token.used:
            continue
        quoted = _quote_after(state, i)
        if quoted is None:
            continue
        start, end = quoted
        if any(t.has("indicator") or t.has("indicator_word") for t in state.tokens[start:end]):
            continue  # “合格率”的指标: an indicator's name, read by the indicator pass
        word = "".join(t.text for t in state.tokens[start:end])
        word_core = state.model.lexicon.core_name(word)
        state.mentions = [m for m in state.mentions if not start <= m.index < end]
        state.mentions.append(Mention("name", frozenset(), word, start, token.clause, word=word_core))
        token.used = True
        for t in state.tokens[start - 1 : end + 1]:
            t.used = True


def _quote_after(state: State, index: int) -> tuple[int, int] | None:
    """Token range inside the quotation marks that follow ``index`` (within two tokens)."""
    for j in range(index + 1, min(index + 4, len(state.tokens))):
        if state.tokens[j].has("punct") and state.tokens[j].text in "“\"'‘「":
            end = next((k for k in range(j + 1, len(state.tokens))
                        if state.tokens[k].has("punct") and state.tokens[k].text in "”\"'’」"), None)
            return (j + 1, end) if end and end > j + 1 else None
    return None


def _at(state: State, index: int) -> Mention | None:
    return next((m for m in state.mentions if m.index == index), None)


def _taken_by(state: State, index: int, step: int) -> list[Mention]:
    """The names an exclusion word takes.  Going right (除了…): the names right after it, joined
    by 、/和.  Going left (…以外, …的不算, …单独汇报): every name before it in the clause."""
    clause = state.tokens[index].clause
    if step < 0:
        return [m for m in state.mentions if m.clause == clause and m.index < index]
    found: list[Mention] = []
    joined = True  # a further name is taken only after a joining word: 不含万东镇的镇街 keeps 镇街
    i = index + 1
    while i < len(state.tokens) and state.tokens[i].clause == clause:
        token = state.tokens[i]
        mention = _at(state, i)
        if mention is not None:
            if not (joined or (found and _owns(state, found[-1], mention))):
                break
            found.append(mention)
            joined = False
        elif token.joins():
            joined = True
        elif not (token.has("filler") or token.cue("分组") or token.cue("全体")
                  or token.has("number")):
            break
        i += 1
    return found


def _owns(state: State, dept: Mention, fund: Mention) -> bool:
    """城管那个设施维护专项: a department named just before a fund of its own says whose it is."""
    return dept.kind == "dept" and fund.kind == "fund" and any(
        state.model.funds[f].department_id in dept.ids for f in fund.ids)


def _exclusions(state: State) -> None:
    for i, token in enumerate(state.tokens):
        ways = token.cue_values("排除")
        if not ways or token.used:
            continue
        taken = []
        if "before" in ways:
            taken = _taken_by(state, i, 1)
        if not taken and "after" in ways:
            taken = _taken_by(state, i, -1)
        if not taken and "after" in ways and any(m.clause == token.clause and m.index < i
                                                 for m in state.excluded):
            token.used = True  # 除了…以外: the closing half of an exclusion already made
            continue
        if not taken:
            continue
        token.used = True
        funds = [m for m in taken if m.kind == "fund"]
        for mention in taken:
            if mention in state.mentions:
                state.mentions.remove(mention)
                state.tokens[mention.index].used = True
                # 不算城管那个设施维护专项: the department only says whose fund is left out
                if not any(_owns(state, mention, fm) for fm in funds):
                    state.excluded.append(mention)


def _inclusion_notes(state: State) -> None:
    """含镇街 / 镇街也算在内: the group is said to be included, which restricts nothing."""
    for i, token in enumerate(state.tokens):
        if token.cue("端点") != "include" or token.used:
            continue
        near = [_at(state, j) for j, _ in [*state.neighbours(i, -1, 2), *state.neighbours(i, 1, 1)]]
        for mention in near:
            if mention is not None and mention.kind in ("group", "dept") and mention in state.mentions:
                state.mentions.remove(mention)
                state.tokens[mention.index].used = True
                token.used = True


def _rest(state: State) -> None:
    """其他/其余/剩下: everything but the names given elsewhere in the question."""
    rest = [i for i, t in state.with_cue("其余") if not t.used]
    if not rest:
        return
    state.rest = True
    for i in rest:
        state.tokens[i].used = True
        clause = state.tokens[i].clause
        for mention in list(state.mentions):
            if mention.kind == "dept" and mention.clause != clause and not state.asked(mention.clause):
                state.mentions.remove(mention)
                state.excluded.append(mention)


def _disagreements(state: State) -> None:
    """目录和绩效目标表金额不一致的专项 / 对得上吗: funds whose two figures disagree (a fund named
    alone is answered with both figures anyway)."""
    for token in state.tokens:
        if token.cue("不一致") is None or token.used:
            continue
        token.used = True
        if not any(m.kind == "fund" for m in state.mentions):
            state.differ.add(token.clause)


def _narrow_funds(state: State) -> None:
    """A fund name fitting several funds: keep those of the departments named, if any."""
    depts = {d for m in state.scope("dept") for d in m.ids}
    for mention in state.scope("fund"):
        owned = {f for f in mention.ids if state.model.funds[f].department_id in depts}
        if owned:
            mention.ids = frozenset(owned)


def _drop_redundant_groups(state: State) -> None:
    """镇街里的万东镇: the group adds nothing — unless a share is asked (万东镇占镇街的比例)."""
    named = {d for m in state.scope("dept") for d in m.ids}
    for group in state.scope("group"):
        ranks = any(t.cue("派生") == "share" or t.cue("名次") for t in state.tokens)  # 在镇街中排第几
        if group.ids & named and not ranks:
            state.mentions.remove(group)
            state.tokens[group.index].used = True
