"""Run a SQLAlchemy statement, keep its SQL text for the answer, return plain row dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable
from sqlalchemy.orm import Session


class Runner:
    """Collects every statement a plan runs so the answer can show its SQL."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sql: list[str] = []

    def rows(self, stmt: Executable) -> list[dict[str, Any]]:
        """Execute and return rows as dicts (column label → value)."""
        dialect = self.session.get_bind().dialect
        self.sql.append(str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))
        return [dict(r._mapping) for r in self.session.execute(stmt)]
