"""The one answer type the CLI, the page, the LLM agent and the tests all share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.citations import Citation

ENGINE_RULES = "rules"
ENGINE_LLM = "llm"


@dataclass
class Answer:
    """A short Chinese answer, the SQL it ran, the result rows and the citations.

    ``chart`` is set when the answer is a ranking or breakdown: a list of
    ``(label, value)`` pairs the page draws as a bar chart.
    """

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    engine: str = ENGINE_RULES
    understood: bool = True
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``budgetqa ask --json`` object."""
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "sql": self.sql,
            "rows": [{k: _plain(v) for k, v in r.items()} for r in self.rows],
            "engine": self.engine,
        }


def _plain(value: Any) -> Any:
    """JSON-safe values: Decimals as strings keep their exact digits."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)

