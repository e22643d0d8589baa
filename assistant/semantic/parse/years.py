"""Years: which year a question means, and whether the store holds it.

A year said outright wins; 今年/去年/前年 count from the year in focus (the
previous answer's) or else from the newest year the store holds for the kind
of document asked about; no year means that newest year (the answer says so).
A year the store does not hold is refused with the years it does hold — the
figures of another year never stand in.  比上年 / 比2023年 asks for a change
against a base year, which must be held too.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.semantic.parse.state import State
from assistant.semantic.query import Derived, Query
from db.records import DEPT_BUDGET, SPECIAL_FUNDS

KIND_NAMES = {SPECIAL_FUNDS: "重点专项预算", DEPT_BUDGET: "部门预算"}


def resolve(state: State, base: Query, focus: Query | None, in_figures: bool) -> Query:
    """The base query with its year (and base year) set, or ``state.refusal`` explaining why not."""
    kind = DEPT_BUDGET if in_figures else SPECIAL_FUNDS
    held = state.model.figure_years if kind == DEPT_BUDGET else state.model.years.get(kind, set())
    newest = max(held) if held else None
    reference = focus.year if focus is not None and focus.year else newest
    years = list(state.years)
    base_year = state.base_year
    for offset, is_base, clause in state.relative_years:
        if reference is None or not state.asked(clause):
            continue  # 想争取明年多报…: a year in the background is not the year asked about
        if is_base:
            base_year = reference + offset
        else:
            years.append(reference + offset)
            state.clause_years.append((reference + offset, clause))
    if state.recent_years and newest is not None:
        years = list(range(newest - state.recent_years + 1, newest + 1))
    missing = [y for y in [*years, *([base_year] if base_year else [])] if y not in held]
    if missing and held:
        listed = "、".join(f"{y}年" for y in sorted(held))
        state.refusal = (f"无法回答：库中的{KIND_NAMES[kind]}只有{listed}的数，没有"
                         f"{'、'.join(f'{y}年' for y in sorted(set(missing)))}的；不能用别的年度代替。")
        return base
    year = years[0] if years else newest
    query = replace(base, year=year, years=tuple(dict.fromkeys(years)))
    if base_year is not None:
        query = replace(query, derived=Derived("change", base_year=base_year))
    return query
