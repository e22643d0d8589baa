"""From results to the answer: each part said by the responder for its kind, then put together.

The short text comes first (one sentence per part), then the result table and
chart of the main part, then the citations of every row whose figure was used.
Words not understood and background clauses set aside are said at the end;
an answer whose asking words were not all understood gives no figure at all.
"""

from __future__ import annotations

from assistant.semantic.execute import PartResult
from assistant.semantic.model import SemanticModel
from assistant.semantic.query import (
    CONTACTS,
    DEPARTMENTS,
    FIGURES,
    INDICATORS,
    LIST,
    TEXT,
    FundIs,
    Query,
)
from assistant.semantic.respond.attributes import attributes
from assistant.semantic.respond.contacts import contacts
from assistant.semantic.respond.departments import departments
from assistant.semantic.respond.derived import derived
from assistant.semantic.respond.draft import Draft
from assistant.semantic.respond.figures import figures
from assistant.semantic.respond.funds import aggregates, listing, lookup, position, ranking
from assistant.semantic.respond.indicators import indicators
from assistant.semantic.restate import scope_phrase


def respond(results: list[PartResult], model: SemanticModel, draft: Draft) -> None:
    """Say every part's result into the draft."""
    for result in results:
        _annotate(result, model)
        if result.problem:
            draft.say(f"{result.problem}。")
            continue
        _say(result, draft, model)
        draft.cite(*(e["source_row_id"] for e in result.evidence))


def _say(result: PartResult, draft: Draft, model: SemanticModel) -> None:
    query = result.query
    if query.over == FIGURES:
        figures(result, draft, model)
        return
    scope = scope_phrase(query)
    if query.derived is not None and query.derived.other is not None:
        derived(result, draft, scope)
    elif query.over == DEPARTMENTS:
        departments(result, draft, scope)
    elif query.over == CONTACTS:
        contacts(result, draft, scope)
    elif query.over == INDICATORS:
        indicators(result, draft, scope)
    elif query.shape == TEXT:
        attributes(result, draft, scope)
    elif query.order is not None and query.order.position_of:
        position(result, draft, scope)
    elif any(o.agg for o in query.outputs):
        aggregates(result, draft, scope)
    elif query.order is not None:
        ranking(result, draft, scope)
    elif _names_funds(query) and query.shape != LIST:
        lookup(result, draft)
    else:
        listing(result, draft, scope)


def _names_funds(query: Query) -> bool:
    return any(isinstance(f, FundIs) and f.ids for f in query.filters)


def _annotate(result: PartResult, model: SemanticModel) -> None:
    """Short department names on every row (卫生健康局, not the full registered name)."""
    for rows in (result.rows, result.ranked, result.members, result.ranking):
        for row in rows:
            if "department_id" in row:
                row["department_short"] = model.department_label(row["department_id"])
    if result.other is not None:
        _annotate(result.other, model)
