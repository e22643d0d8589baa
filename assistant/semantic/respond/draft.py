"""The answer being written: sentences, cited source rows, the result table and the chart.

Responders say things through a ``Draft`` so that every figure they state comes
with the rows that hold it, and the table and chart of a list or ranking are
built the same way for every kind of question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.answer import Column
from assistant.semantic.query import FORM, Query

FUND_COLUMNS = [
    Column("name", "专项名称"),
    Column("department", "主管部门"),
    Column("catalog_amount", "目录金额", "万元", True),
    Column("form_amount", "绩效目标表金额", "万元", True),
]


def short(name: str | None) -> str:
    return name or "（未注明部门）"


def fund_label(row: dict[str, Any]) -> str:
    """专项名称（主管部门简称）."""
    dept = row.get("department_short") or row.get("department")
    return f"{row['name']}（{dept}）" if dept else row["name"]


@dataclass
class Draft:
    """Collects what the responders say; ``finish`` in the engine makes it an ``Answer``."""

    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said after the answer: what was left aside
    row_ids: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    total: dict[str, Any] | None = None
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_title: str = ""
    understood: bool = True

    def say(self, line: str) -> None:
        if line and line not in self.lines:
            self.lines.append(line)

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)

    def cite(self, *row_ids: int | None) -> None:
        self.row_ids.extend(i for i in row_ids if i is not None)

    def cite_funds(self, rows: list[dict[str, Any]], basis: str) -> None:
        """The rows behind each fund's figure on the basis used (both when they differ)."""
        for r in rows:
            first = r.get("form_row_id") if basis == FORM else r.get("catalog_row_id")
            self.cite(first or r.get("catalog_row_id") or r.get("form_row_id"))
            if r.get("catalog_amount") != r.get("form_amount"):
                self.cite(r.get("form_row_id"), r.get("catalog_row_id"))

    def table(self, rows: list[dict[str, Any]], columns: list[Column]) -> None:
        """The result table (first table wins: the main result of the question)."""
        if self.rows or not rows:
            return
        self.columns = columns
        self.rows = [{c.key: r.get(c.key) for c in columns} for r in rows]

    def table_funds(self, rows: list[dict[str, Any]], query: Query) -> None:
        self.table(rows, FUND_COLUMNS)
        if len(rows) > 1:
            self.total = {"name": "合计", "catalog_amount": _sum(rows, "catalog_amount"),
                          "form_amount": _sum(rows, "form_amount")}
        del query

    def chart_funds(self, rows: list[dict[str, Any]], query: Query) -> None:
        key = "form_amount" if query.basis == FORM else "catalog_amount"
        self.chart_items([(r["name"], r.get(key) if r.get(key) is not None else r.get("amount"))
                          for r in rows],
                         "专项预算（万元）")

    def chart_items(self, items: list[tuple[str, Any]], title: str) -> None:
        if self.chart or len(items) < 2:
            return
        self.chart = [(label, float(value)) for label, value in items if value is not None]
        self.chart_title = title


def _sum(rows: list[dict[str, Any]], key: str) -> Decimal | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum(values, Decimal(0)) if values else None
