"""The one answer type the CLI, the page, the LLM agent and the tests all share.

An answer is a complete result: the restatement of what was computed, the short
text, the result table (with each column's title and unit), the chart of a
ranking or breakdown, the SQL, and the cited source rows.  The page, the
exports and ``ask --json`` all read this one type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from db.citations import Citation

ENGINE_RULES = "rules"
ENGINE_LLM = "llm"


@dataclass(frozen=True)
class Column:
    """How one key of the result rows is shown: its Chinese title, unit and whether it is a number."""

    key: str
    title: str
    unit: str = ""
    numeric: bool = False

    def heading(self) -> str:
        """The column heading with its unit, as tables and exports print it: 「预算（万元）」."""
        return f"{self.title}（{self.unit}）" if self.unit else self.title


@dataclass
class Answer:
    """A short Chinese answer, the SQL it ran, the result rows and the citations.

    ``chart`` is set when the answer is a ranking or breakdown: a list of
    ``(label, value)`` pairs the page draws as a bar chart (every item, in
    order).  ``restatement`` says in Chinese what was computed; ``query`` is the
    understood question as JSON; ``unknown`` lists the words that were not
    understood (then no figure is given as the answer); ``choices`` are the
    readings to choose from when the question could mean several things;
    ``unverified`` lists figures the text states that no cited row contains.
    ``columns`` say how to show ``rows``; ``total`` is the totals row, when
    adding the rows up means something.
    """

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    sql: Sequence[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    engine: str = ENGINE_RULES
    understood: bool = True
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_title: str = ""
    restatement: str = ""
    query: dict[str, Any] | None = None
    unknown: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    total: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``budgetqa ask --json`` object."""
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "sql": list(self.sql),
            "rows": [{k: _plain(v) for k, v in r.items()} for r in self.rows],
            "engine": self.engine,
            "restatement": self.restatement,
            "query": self.query,
            "unknown": self.unknown,
            "choices": self.choices,
            "unverified": self.unverified,
        }


def _plain(value: Any) -> Any:
    """JSON-safe values: Decimals as strings keep their exact digits."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)

