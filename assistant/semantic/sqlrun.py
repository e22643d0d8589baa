"""Run a SQLAlchemy statement, keep its SQL text for the answer, return plain row dicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from sqlalchemy import Dialect, Executable
from sqlalchemy.orm import Session


class SqlTexts(Sequence[str]):
    """The SQL of the statements an answer ran, written out only when someone reads it.

    Writing a statement with its values inlined walks the whole statement tree again
    (SQLAlchemy's cache covers only the form it executes), which costs more than running
    it on a small store; most answers are read without their SQL, so the text waits.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._items: list[Executable | str] = []

    def add(self, item: Executable | str) -> None:
        self._items.append(item)

    def _text(self, index: int) -> str:
        item = self._items[index]
        if not isinstance(item, str):
            item = str(item.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))
            self._items[index] = item
        return item

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._text(i) for i in range(len(self._items))[index]]
        return self._text(index)

    def __len__(self) -> int:
        return len(self._items)


class Runner:
    """Collects every statement a plan runs so the answer can show its SQL.

    ``cache`` (shared by one engine's answers) keeps the results of statements
    whose data only change when documents do — a department's table lines, the
    list of disclosures — so a question does not reload them.
    """

    def __init__(self, session: Session, cache: dict[str, list[Any]] | None = None) -> None:
        self.session = session
        self.sql = SqlTexts(session.get_bind().dialect)
        self.cache = cache if cache is not None else {}

    def rows(self, stmt: Executable) -> list[dict[str, Any]]:
        """Execute and return rows as dicts (column label → value)."""
        self.sql.add(stmt)
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def cached(self, key: str, stmt: Executable) -> list[Any]:
        """Rows (attribute access) of a statement whose result is reused until documents change."""
        if key not in self.cache:
            self.cache[key] = list(self.session.execute(stmt))
        self.sql.add(stmt)
        return self.cache[key]
