"""The gate every statement from outside the program goes through: check, trace, run under a budget.

The LLM's ``sql_query`` tool uses it today; any future SQL endpoint uses the
same object, so there is one place that decides what may run
(``assistant.sqlguard``), how long and how much (``db.budget``), and which
result columns are real source-row ids (``assistant.provenance``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from assistant.provenance import Origin, origins
from assistant.sqlguard import SQLGLOT_DIALECTS, check
from db.budget import StatementBudget, run_bounded


@dataclass(frozen=True)
class GateResult:
    """A statement's result: the SQL as run, its columns and rows, each column's origin, any cut."""

    sql: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    origins: list[Origin]
    cut: str = ""

    def row_ids(self, row: tuple[Any, ...]) -> list[int]:
        """The source rows ``row`` was read from: the values of its real row-id columns."""
        return [v for v, o in zip(row, self.origins, strict=True)
                if o is Origin.ROW_ID and isinstance(v, int) and not isinstance(v, bool)]

    def data(self, row: tuple[Any, ...]) -> list[Any]:
        """The values of ``row`` read or computed from stored data (no ids, no constants)."""
        return [v for v, o in zip(row, self.origins, strict=True) if o is Origin.DATA and v is not None]


class SQLGate:
    """Runs outside SQL on one engine: ``SQLRejected`` or ``BudgetExceeded`` (Chinese) when it may not.

    Database errors of a statement that was allowed (a misspelt column)
    propagate as SQLAlchemy errors, for the caller to word.
    """

    def __init__(self, engine: Engine, budget: StatementBudget | None = None) -> None:
        self.engine = engine
        self.dialect = SQLGLOT_DIALECTS.get(engine.dialect.name, engine.dialect.name)
        self.budget = budget or StatementBudget.from_env()

    def run(self, sql: str, seconds: float | None = None) -> GateResult:
        """Check and run ``sql``; ``seconds`` shortens the budget when the caller has less time left."""
        checked = check(sql, self.dialect)
        budget = self.budget if seconds is None else self.budget.within(seconds)
        result = run_bounded(self.engine, checked.text, budget)
        traced = origins(checked.tree, self.dialect)
        if traced is None or len(traced) != len(result.columns):
            traced = [Origin.DATA] * len(result.columns)  # untraceable: values count, no column cites
        return GateResult(checked.text, result.columns, result.rows, traced, result.cut)
