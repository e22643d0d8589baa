"""Run a SQLAlchemy statement, keep its SQL text for the answer, return plain row dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable
from sqlalchemy.orm import Session


class Runner:
    """Collects every statement a plan runs so the answer can show its SQL.

    ``cache`` (shared by one engine's answers) keeps the results of statements
    whose data only change when documents do — a department's table lines, the
    list of disclosures — so a question does not reload them.
    """

    def __init__(self, session: Session, cache: dict[str, tuple[str, list[Any]]] | None = None) -> None:
        self.session = session
        self.sql: list[str] = []
        self.cache = cache if cache is not None else {}

    def _text(self, stmt: Executable) -> str:
        dialect = self.session.get_bind().dialect
        return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    def rows(self, stmt: Executable) -> list[dict[str, Any]]:
        """Execute and return rows as dicts (column label → value)."""
        self.sql.append(self._text(stmt))
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def cached(self, key: str, stmt: Executable) -> list[Any]:
        """Rows (attribute access) of a statement whose result is reused until documents change."""
        if key not in self.cache:
            self.cache[key] = (self._text(stmt), list(self.session.execute(stmt)))
        sql, rows = self.cache[key]
        self.sql.append(sql)
        return rows
