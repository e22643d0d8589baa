"""A draft answer that plans fill in: lines of text, cited source rows, result rows, chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.answer import ENGINE_RULES, Answer
from assistant.sqlrun import Runner
from db.citations import cite

MAX_CITATIONS = 40


@dataclass
class Draft:
    """Collects what a plan found; ``finish`` turns it into the shared ``Answer``."""

    lines: list[str] = field(default_factory=list)
    row_ids: list[int | None] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_title: str = ""
    fund_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    understood: bool = True

    def cite(self, *row_ids: int | None) -> None:
        """Remember source rows that contain figures the text states."""
        self.row_ids.extend(i for i in row_ids if i is not None)

    def finish(self, question: str, runner: Runner) -> Answer:
        # two parts of a question can land on the same statement; it is said once
        text = "".join(dict.fromkeys(line for line in self.lines if line))
        if text.endswith("；"):
            text = text[:-1] + "。"
        return Answer(
            question=question,
            text=text,
            citations=cite(runner.session, self.row_ids)[:MAX_CITATIONS],
            sql=runner.sql,
            rows=self.rows,
            engine=ENGINE_RULES,
            understood=self.understood,
            chart=self.chart if len(self.chart) > 1 else [],
            chart_title=self.chart_title,
        )
