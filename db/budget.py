"""The budget of a statement the program did not write: wall-clock time, rows and bytes.

A statement from outside (the LLM's tools, any future SQL endpoint) may be a
cartesian product of the largest table or a recursion without end.  Left
alone, SQLite runs it on the asking thread while holding a read lock that
makes a concurrent ingest fail, PostgreSQL runs it until someone restarts the
server, and a result of a few huge values fills the process's memory.

``run_bounded`` has the database itself enforce a deadline — a progress
handler that aborts the SQLite VM, ``statement_timeout`` on PostgreSQL — and
the size of each row before it reaches this process: SQLite refuses to build a
value longer than the byte cap (and more than a few dozen columns), PostgreSQL
measures each row on the server and sends an oversized one as NULLs.
Fetching then stops at a row cap and a byte cap.  The statement also runs
read-only (``query_only`` / ``READ ONLY``), as a second line behind whatever
checked it.  Other databases are refused: a statement whose time cannot be
limited is not run.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import suppress
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError

from db.settings import positive

PROGRESS_STEPS = 1_000  # SQLite VM instructions between deadline checks (microseconds apart)
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout


def seconds_text(seconds: float) -> str:
    """Seconds as people say them: 10, 2.5 (never 2.4999871)."""
    return f"{seconds:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class StatementBudget:
    """How long one statement may run and how much of its result is fetched.

    Read from ``BUDGETQA_SQL_TIMEOUT`` (seconds), ``BUDGETQA_SQL_MAX_ROWS`` and
    ``BUDGETQA_SQL_MAX_BYTES``; the defaults fit a budget question, which needs
    milliseconds and a few dozen rows; a runaway one holds a worker thread and
    a CPU until it is stopped.
    """

    seconds: float = 3.0
    max_rows: int = 200
    max_bytes: int = 1_000_000

    @classmethod
    def from_env(cls) -> StatementBudget:
        """The budget the operator configured; ``SettingError`` (Chinese) names a bad value."""
        return cls(
            seconds=positive("BUDGETQA_SQL_TIMEOUT", cls.seconds, float),
            max_rows=positive("BUDGETQA_SQL_MAX_ROWS", cls.max_rows, int),
            max_bytes=positive("BUDGETQA_SQL_MAX_BYTES", cls.max_bytes, int),
        )

    def within(self, seconds: float) -> StatementBudget:
        """This budget, shortened to ``seconds`` when the caller has less time left than that."""
        return replace(self, seconds=min(self.seconds, seconds))


class Deadline:
    """A moment work must be finished by, on the monotonic clock (a clock change cannot move it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds until the deadline; zero or less once it has passed."""
        return self.at - time.monotonic()


@dataclass(frozen=True)
class Bounded:
    """What a bounded statement returned; ``cut`` says in Chinese why fetching stopped early."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    cut: str = ""


class BudgetExceeded(Exception):
    """The statement ran out of time or produced a value too large; the message is the Chinese reason."""


class _Limits(Protocol):
    """A database's way of holding a statement to its budget while it runs.

    ``batch`` is how many rows one fetch brings into memory before their
    sizes are counted.
    """

    batch: int

    def __enter__(self) -> _Limits: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def statement(self, sql: str) -> str:
        """The statement to run for ``sql``, with whatever measures its rows."""

    def columns(self, names: list[str]) -> list[str]:
        """The statement's own columns among those the database reports."""

    def unpack(self, row: Any) -> tuple[Any, ...] | None:
        """A fetched row as the statement's values; ``None`` when it was too large to send."""

    def rearm(self) -> None:
        """Called before each fetch: the time left applies to the work that fetch triggers."""

    def explain(self, exc: DBAPIError) -> str | None:
        """The Chinese reason when ``exc`` is this budget stopping the statement, else ``None``."""


def _too_slow(budget: StatementBudget) -> str:
    return (f"查询超过 {seconds_text(budget.seconds)} 秒的时间上限，已停止。"
            "请缩小范围（加 WHERE 条件，避免多表笛卡尔积和没有终止条件的递归）后重试。")


class _SQLiteLimits:
    """SQLite: a progress handler aborts the VM at the deadline; a row holds at most ``MAX_COLUMNS``
    values of at most ``max_bytes`` each, and rows are fetched one at a time (from a local file
    that costs nothing), so no more than one row is in memory before it is measured.

    Everything is set on the pooled DBAPI connection and put back on exit, so
    the ingest that later borrows the same connection (and stores files of
    many megabytes) is not limited.
    """

    batch = 1
    MAX_COLUMNS = 64  # a budget question selects a dozen columns; SQLite's default is 2000

    def __init__(self, conn: Connection, budget: StatementBudget, deadline: Deadline) -> None:
        self.raw: sqlite3.Connection = conn.connection.dbapi_connection  # type: ignore[assignment]
        self.budget = budget
        self.deadline = deadline
        self.fired = False
        self.length = self.width = 0
        self.query_only = 0

    def _expired(self) -> bool:
        self.fired = time.monotonic() > self.deadline.at
        return self.fired

    def __enter__(self) -> _SQLiteLimits:
        self.query_only = self.raw.execute("PRAGMA query_only").fetchone()[0]
        self.raw.execute("PRAGMA query_only = ON")
        self.length = self.raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.budget.max_bytes)
        self.width = self.raw.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, self.MAX_COLUMNS)
        self.raw.set_progress_handler(self._expired, PROGRESS_STEPS)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.raw.set_progress_handler(None, 0)
        self.raw.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, self.width)
        self.raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.length)
        self.raw.execute(f"PRAGMA query_only = {int(self.query_only)}")

    def statement(self, sql: str) -> str:
        return sql

    def columns(self, names: list[str]) -> list[str]:
        return names

    def unpack(self, row: Any) -> tuple[Any, ...] | None:
        return tuple(row)

    def rearm(self) -> None:
        """Nothing to do: the handler compares against the absolute deadline."""

    def explain(self, exc: DBAPIError) -> str | None:
        if self.fired:
            return _too_slow(self.budget)
        if "string or blob too big" in str(exc.orig):
            return f"查询结果中有单个值超过 {self.budget.max_bytes:,} 字节的上限，已停止。"
        if "too many columns" in str(exc.orig):
            return f"查询结果超过 {self.MAX_COLUMNS} 列的上限，请只选需要的列。"
        return None


class _PostgresLimits:
    """PostgreSQL: a read-only transaction whose ``statement_timeout`` is the time left.

    ``SET LOCAL`` ends with the transaction, which ends when the connection
    goes back to the pool, so no other user of the connection inherits it.
    Re-armed before each fetch because each FETCH of a server-side cursor is a
    statement of its own with a fresh timeout.

    The server measures every row (``pg_column_size``, a byte count that does
    not render the row as text) and sends one larger than ``max_bytes`` as
    NULLs with a flag, so a value of hundreds of megabytes that a string
    aggregate builds in a second never crosses the socket.  The row is
    expanded from a LATERAL subquery, which keeps the statement's column
    names, types and order.
    """

    batch = 20
    SIZED = ("SELECT budget_out.*, budget_sized.too_big FROM "
             "(SELECT budget_row AS whole, pg_column_size(budget_row) > {cap} AS too_big "
             "FROM ({sql}\n) AS budget_row) AS budget_sized "  # the newline ends a trailing -- comment
             "LEFT JOIN LATERAL (SELECT (budget_sized.whole).*) AS budget_out ON NOT budget_sized.too_big")

    def __init__(self, conn: Connection, budget: StatementBudget, deadline: Deadline) -> None:
        self.conn = conn
        self.budget = budget
        self.deadline = deadline

    def __enter__(self) -> _PostgresLimits:
        self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        self.rearm()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Nothing to undo: the transaction's rollback drops the settings."""

    def statement(self, sql: str) -> str:
        return self.SIZED.format(cap=self.budget.max_bytes, sql=sql.strip().rstrip(";"))

    def columns(self, names: list[str]) -> list[str]:
        return names[:-1]

    def unpack(self, row: Any) -> tuple[Any, ...] | None:
        *values, too_big = row
        return None if too_big else tuple(values)

    def rearm(self) -> None:
        left_ms = int(self.deadline.left() * 1000)
        if left_ms <= 0:
            raise BudgetExceeded(_too_slow(self.budget))
        self.conn.exec_driver_sql(f"SET LOCAL statement_timeout = {left_ms}")

    def explain(self, exc: DBAPIError) -> str | None:
        if getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED:
            return _too_slow(self.budget)
        return None


LIMITS: dict[str, type[_SQLiteLimits] | type[_PostgresLimits]] = {
    "sqlite": _SQLiteLimits,
    "postgresql": _PostgresLimits,
}


def _size(value: Any) -> int:
    """Bytes a fetched value occupies, near enough to cap memory (numbers count as 8)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    return 8


def _fetch(result: CursorResult[Any], budget: StatementBudget, limits: _Limits) -> Bounded:
    """Rows until the result ends or a cap is reached; one row past the cap tells that there were more."""
    columns = limits.columns(list(result.keys()))
    rows: list[tuple[Any, ...]] = []
    size = 0
    too_large = f"结果超过 {budget.max_bytes:,} 字节的上限，只取了前 {{}} 行。"
    while True:
        limits.rearm()
        batch = result.fetchmany(limits.batch)
        if not batch:
            return Bounded(columns, rows)
        for fetched in batch:
            if len(rows) == budget.max_rows:
                return Bounded(columns, rows, f"结果超过 {budget.max_rows} 行，只取了前 {len(rows)} 行。")
            row = limits.unpack(fetched)
            if row is not None:
                size += sum(_size(value) for value in row)
            if row is None or size > budget.max_bytes:
                return Bounded(columns, rows, too_large.format(len(rows)))
            rows.append(row)


def run_bounded(engine: Engine, sql: str, budget: StatementBudget) -> Bounded:
    """Run one statement under ``budget``; ``BudgetExceeded`` (Chinese) when time or a value runs over.

    Other database errors propagate as SQLAlchemy errors.  ``sql`` reaches the
    driver as written (no parameter substitution), so ``LIKE '%…%'`` works.
    """
    limits_of = LIMITS.get(engine.dialect.name)
    if limits_of is None:
        raise BudgetExceeded(f"无法限制 {engine.dialect.name} 数据库上查询的运行时间，外部 SQL 不予执行。")
    if budget.seconds <= 0:
        raise BudgetExceeded("处理时间已经用完，查询没有执行。")
    deadline = Deadline(budget.seconds)
    with engine.connect() as conn, limits_of(conn, budget, deadline) as limits:
        try:
            # per statement: Connection.execution_options would also stream the SET LOCAL statements
            options = {"no_parameters": True, "yield_per": limits.batch}
            result = conn.exec_driver_sql(limits.statement(sql), execution_options=options)
            try:
                return _fetch(result, budget, limits)
            finally:
                # a half-read SQLite statement keeps its read lock until closed; a PostgreSQL cursor
                # whose CLOSE meets the expired statement_timeout ends with the rollback anyway
                with suppress(DBAPIError):
                    result.close()
        except DBAPIError as exc:
            reason = limits.explain(exc)
            if reason is None:
                raise
            raise BudgetExceeded(reason) from exc
