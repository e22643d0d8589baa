"""The one answer type the CLI, the page, the LLM agent and the tests all share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.blocks import place

ENGINE_RULES = "rules"
ENGINE_LLM = "llm"


@dataclass(frozen=True)
class Citation:
    """A source row that contains a figure the answer states.

    ``source`` is the ingested file's name; ``line`` is the 1-based line of a text
    file; ``page``, ``sheet`` and ``row`` locate rows of the other formats.
    """

    source: str
    text: str
    line: int | None = None
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    source_row_id: int | None = None

    def location(self) -> str:
        """Chinese location label for tables in the page and the terminal."""
        return place(self.line, self.page, self.sheet, self.row)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "page": self.page,
            "sheet": self.sheet,
            "row": self.row,
            "text": self.text,
        }


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

