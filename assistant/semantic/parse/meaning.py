"""Questions answered by meaning: "which fund pays for …" with words no name or cue covers.

When a clause asks which fund (哪个专项, 什么项目) and computes nothing else, the
words it does not otherwise understand describe the fund: they become a search
by meaning over the funds' texts.  Anywhere else such words stay not
understood — a measure nobody defined (人均补助, 碳足迹) must never turn into a
search that returns some fund's amount.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.parse.clause_info import ClauseInfo
from assistant.semantic.parse.state import State
from assistant.semantic.query import AMOUNT, FUNDS, WHICH, Describes, FundIs, Output, Query


def describes(state: State, info: ClauseInfo, query: Query | None) -> Query | None:
    """The query with a search by meaning, when the clause asks which fund and nothing more."""
    if query is None or query.over != FUNDS:
        return query
    asks_fund = (info.asked_noun == "fund"
                 or ("which" in info.shapes and any(n == "fund" for n, _ in info.nouns)))
    computes = info.aggs or info.extreme or info.position or info.derived or query.order is not None
    named = any(isinstance(f, FundIs) for f in query.filters)
    if not asks_fund or computes or named:
        return query
    tokens = [t for t in state.clause_tokens(info.clause)]
    loose = [i for i, t in enumerate(tokens) if t.has("unknown") and not t.used]
    if not any(tokens[i].not_understood for i in loose):
        return query
    span = tokens[loose[0] : loose[-1] + 1]
    for token in span:
        token.used = True
    text = "".join(t.text for t in span)
    return replace(query, filters=(*query.filters, Describes(text)), shape=WHICH,
                   outputs=(Output(AMOUNT),), order=None)
