"""Which of several amounts for the same figure is the one to give (department budgets).

A subject can appear in several tables, and in each under a total column and
component columns; a column can appear for every subject.  Total columns and
total rows come first (the lexicon's ``totals.tsv``), then the table ranked
first in ``tables.tsv``, then a narrative figure; the others stay available to
be said beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.lexicon import Lexicon
from assistant.semantic.query import FigureKey


class Fetched(Protocol):
    """The fetched rows a choice is made among (a part's result)."""

    lines: list[dict[str, Any]]
    facts: list[dict[str, Any]]


def key_of(row: dict[str, Any]) -> FigureKey:
    """The figure key a fetched line or narrative row stands for."""
    if "topic" in row:
        return FigureKey("fact", topic=row["topic"], item=row["item"])
    return FigureKey("line", row["table_no"], row["code"], row["subject"], row["column"])


def choose(result: Fetched, lexicon: Lexicon, keys: tuple[FigureKey, ...] | None = None,
           lines_only: bool = False) -> dict[tuple[int, int], dict[str, Any]]:
    """The figure given for each (department, year) among the rows of some keys (all when None):
    total columns and rows first, then table rank, then the narrative."""
    tables, totals = lexicon.tables, lexicon.total_words
    out: dict[tuple[int, int], dict[str, Any]] = {}
    rows = [dict(r, kind="line") for r in result.lines] + [dict(r, kind="fact") for r in result.facts
                                                           if r["amount"] is not None]
    candidates = [r for r in rows
                  if (keys is None or key_of(r) in keys) and not (lines_only and r["kind"] == "fact")]

    def rank(row: dict[str, Any]) -> tuple:
        if row["kind"] == "fact":
            return (0, 0, 0, row["fact_id"])
        column_total = row["column"].split("/")[-1] in totals
        subject_total = row["subject"] in totals
        table = tables.get(row["table_no"])
        return (not (column_total or subject_total), not column_total, not subject_total,
                table.rank if table else 99, row["line_id"])

    for row in sorted(candidates, key=rank):
        out.setdefault((row["department_id"], row["year"]), row)
    return out


@dataclass
class _Rows:
    lines: list[dict[str, Any]]
    facts: list[dict[str, Any]] = field(default_factory=list)


def spans_halves(keys: tuple[FigureKey, ...], lexicon: Lexicon) -> bool:
    """Whether the keys name one subject in both halves of a split classification (表六 and 表八):
    then its whole amount is the sum of the two."""
    halves = {(lexicon.tables[k.table_no].split, k.subject, k.table_no) for k in keys
              if k.source == "line" and k.table_no in lexicon.tables and lexicon.tables[k.table_no].split}
    return any(a[:2] == b[:2] and a[2] != b[2] for a in halves for b in halves)


def whole(result: Fetched, lexicon: Lexicon, keys: tuple[FigureKey, ...]) -> list[dict[str, Any]]:
    """The rows making up each chosen figure: the chosen row, and when it stands in one half of a
    split classification and the keys name the same subject in the other half, that half's row."""
    out = []
    for row in choose(result, lexicon, keys).values():
        out.append(row)
        table = lexicon.tables.get(row.get("table_no")) if row["kind"] == "line" else None
        if table is None or table.split is None:
            continue
        other = {t.number for t in lexicon.tables.values() if t.split == table.split} - {table.number}
        mates = [r for r in result.lines if r["table_no"] in other and r["subject"] == row["subject"]
                 and (r["department_id"], r["year"]) == (row["department_id"], row["year"])]
        out += choose(_Rows(mates), lexicon, keys).values()
    return out
