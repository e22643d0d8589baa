"""Running query parts: resolve what only the store can settle, run the SQL, keep every row id used.

Three things are settled at run time, each from the store or the index, never
from wording: a part about "that fund" takes the fund the previous part found;
a description becomes the funds the vector index finds for it (only when the
match is clear); a loosely named indicator becomes the indicator of the funds in
scope whose name shares most of its wording.  Then the compiled statements run,
and a result keeps the rows it shows, the figures SQL computed, and the source
rows behind them for citing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select

from assistant.lexicon import Lexicon
from assistant.semantic.compile.figures import (
    changes_of,
    child_level,
    children_of,
    parts_of_fact,
    ranked_figures,
    sum_of,
)
from assistant.semantic.compile.scope import same_funds
from assistant.semantic.compile.statements import compile_query, ranked_rows
from assistant.semantic.figure_choice import choose, whole
from assistant.semantic.query import (
    CATALOG,
    FIGURES,
    FORM,
    FUNDS,
    SUM,
    Describes,
    FigureIs,
    FundIs,
    HasIndicator,
    Query,
)
from assistant.semantic.sqlrun import Runner
from assistant.semantic.wording import covered
from db import models as m

# a description's best match must be clearly relevant: either signal well above what unrelated
# questions score against budget texts, or both moderately high together
CLEAR = {"lexical": 0.25, "dense": 0.875}
TOGETHER = {"lexical": 0.15, "dense": 0.86}
NEAR_TIE = 0.02


class Searcher(Protocol):
    """What execution needs of the vector index (``db.vector.VectorIndex``)."""

    def search(self, query: str, k: int = 5, mode: str = "fused", entities=None) -> list: ...


@dataclass
class PartResult:
    """What one query part found."""

    query: Query
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    other_basis: dict[str, Any] = field(default_factory=dict)
    median: Decimal | None = None
    ranked: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    other: PartResult | None = None
    matched_text: dict[str, Any] | None = None
    problem: str = ""


class Executor:
    """Runs the parts of one question against one session."""

    def __init__(self, runner: Runner, index: Searcher | None, lexicon: Lexicon) -> None:
        self.runner = runner
        self.index = index
        self.lexicon = lexicon

    def run(self, parts: list[Query]) -> list[PartResult]:
        results: list[PartResult] = []
        for query in parts:
            result = self.run_one(self._settle(query, results))
            results.append(result)
        return results

    def run_one(self, query: Query) -> PartResult:
        if query.over == FUNDS and query.derived is not None and query.derived.kind == "change" \
                and query.derived.other is None and query.year is not None:
            query = replace(query, derived=replace(query.derived, other=self._base_year(query)))
        result = PartResult(query)
        if any(isinstance(f, FundIs) and not f.ids for f in query.filters):
            result.problem = "没有找到上一步所说的专项"
            return result
        statements = compile_query(query).statements
        for role, stmt in statements.items():
            rows = self.runner.rows(stmt)
            if role in ("rows", "ranked", "members", "forms", "lines", "facts", "evidence", "ranking"):
                setattr(result, role, rows)
            elif role == "totals":
                result.totals = rows[0] if rows else {}
            elif role == "median":
                result.median = rows[0]["median"] if rows else None
        if query.over == FIGURES and any(o.agg == SUM for o in query.outputs):
            self._figure_total(result)
        if query.over == FIGURES and any(o.measure in ("children", "parts") for o in query.outputs):
            self._figure_children(result)
        if query.over == FIGURES and query.group_by_department and query.order is not None:
            self._rank_departments(result)
        if query.over == FUNDS and result.totals and _differs(result.rows):
            other = replace(query, basis=FORM if query.basis == CATALOG else CATALOG)
            totals = compile_query(other).statements["totals"]
            result.other_basis = self.runner.rows(totals)[0]
        if query.derived is not None and query.derived.other is not None:
            result.other = self.run_one(query.derived.other)
        return result

    def _base_year(self, query: Query) -> Query:
        """The same question about the base year's compilation: the funds named are looked up there
        by name and department."""
        year = query.derived.base_year or query.year - 1
        filters = []
        for f in query.filters:
            if isinstance(f, FundIs) and f.ids:
                found = self.runner.rows(same_funds(f.ids, year))
                f = FundIs(tuple(r["id"] for r in found), f.names)
            filters.append(f)
        return replace(query, filters=tuple(filters), year=year, years=(year,), derived=None)

    def _figure_children(self, result: PartResult) -> None:
        """What stands under the figure asked: the subjects below a table line (ranked when asked,
        by amount or by their change on the base year), or the other items of a narrative heading."""
        query = result.query
        ranked = query.order is not None  # a ranking of subjects needs a table line to stand under
        base = query.derived.base_year if query.derived is not None else None
        for parent in choose(result, self.lexicon, lines_only=ranked).values():
            if parent["year"] == base:
                continue  # the base year's figures are compared with, not ranked
            if parent["kind"] == "fact":
                result.children += self.runner.rows(parts_of_fact(parent))
                continue
            level = query.level or self.runner.rows(
                child_level(parent, leaves=not parent.get("code")))[0]["level"]
            if not level:
                continue
            change = query.derived is not None and query.derived.kind == "change"
            stmt = changes_of(parent, level, query.derived.base_year or parent["year"] - 1) if change \
                else children_of(parent, level)
            listed = stmt.subquery("listed")
            key = listed.c.change if change else listed.c.amount
            result.children += self.runner.rows(ranked_rows(listed, key, query.order, listed.c.line_id))

    def _rank_departments(self, result: PartResult) -> None:
        """Departments ranked by the figure asked: each department's chosen row, ordered by SQL."""
        year = result.query.year
        chosen = [r for (_, y), r in choose(result, self.lexicon).items() if y == year]
        lines = [r["line_id"] for r in chosen if r["kind"] == "line"]
        facts = [r["fact_id"] for r in chosen if r["kind"] == "fact"]
        if chosen:
            result.ranked = self.runner.rows(ranked_figures(lines, facts, result.query.order.desc))

    def _figure_total(self, result: PartResult) -> None:
        """The sum of several figures (one chosen row each, or both halves of a split classification),
        added up by SQL."""
        chosen = [row for f in result.query.filters if isinstance(f, FigureIs)
                  for row in whole(result, self.lexicon, f.keys)]
        result.totals = {}
        if chosen:
            lines = [r["line_id"] for r in chosen if r["kind"] == "line"]
            facts = [r["fact_id"] for r in chosen if r["kind"] == "fact"]
            result.totals = self.runner.rows(sum_of(lines, facts))[0]
            result.rows = chosen

    # ----- settling what the store decides -----------------------------------------------------
    def _settle(self, query: Query, done: list[PartResult]) -> Query:
        filters = []
        for f in query.filters:
            if isinstance(f, FundIs) and f.ref:
                f = self._previous_fund(done)
            elif isinstance(f, Describes):
                f = self._described(f, query)
            filters.append(f)
        query = replace(query, filters=tuple(filters))
        return self._loose_indicator(query)

    def _previous_fund(self, done: list[PartResult]) -> FundIs:
        for result in reversed(done):
            ids = [r["fund_id"] for r in result.rows[:1] if "fund_id" in r]
            if ids:
                return FundIs(tuple(ids), tuple(r["name"] for r in result.rows[:1]), ref=True)
        return FundIs((), (), ref=True)

    def _described(self, f: Describes, query: Query) -> FundIs:
        """The fund whose texts match the description clearly; none when no match is clear."""
        if self.index is None:
            return FundIs((), ())
        matches = [mt for mt in self.index.search(f.text, k=5, entities={"fund"}) if mt.fund_id]
        if not matches:
            return FundIs((), ())
        top = matches[0].score
        close = [mt for mt in matches if mt.score >= top - NEAR_TIE]
        best = max(close, key=lambda mt: (mt.similarity or {}).get("dense", mt.score))
        if not _relevant(best):
            return FundIs((), ())
        self.described = best
        return FundIs((best.fund_id,), (best.name,))

    def _loose_indicator(self, query: Query) -> Query:
        """HasIndicator(like=…): the indicator of the funds in scope whose name shares most wording."""
        loose = next((f for f in query.filters if isinstance(f, HasIndicator) and f.like), None)
        funds = next((f for f in query.filters if isinstance(f, FundIs)), None)
        if loose is None or funds is None or not funds.ids:
            return query
        names = self.runner.session.scalars(
            select(m.Indicator.name).where(m.Indicator.fund_id.in_(funds.ids))
        ).all()
        scored = sorted(((covered(loose.like, name), name) for name in names), reverse=True)
        if not scored or scored[0][0] < 4:
            return query
        exact = replace(loose, like="", exact=scored[0][1], words=())
        return replace(query, filters=tuple(exact if f is loose else f for f in query.filters))


def _differs(rows: list[dict[str, Any]]) -> bool:
    return any(r.get("catalog_amount") is not None and r.get("form_amount") is not None
               and abs(r["catalog_amount"] - r["form_amount"]) > Decimal("0.05") for r in rows)


def _relevant(match) -> bool:
    sims = match.similarity or {}
    if any(sims.get(name, 0.0) >= floor for name, floor in CLEAR.items()):
        return True
    return len(sims) > 1 and all(sims.get(n, 0.0) >= f for n, f in TOGETHER.items())
