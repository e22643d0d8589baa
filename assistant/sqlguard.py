"""The SQL guard: the one gate for every statement that comes from outside the program.

The rule engine compiles its own statements; anything else (the LLM's tool
calls, any future SQL endpoint) passes through ``read_only_sql`` first.  It
parses with sqlglot and allows exactly one read-only query, looking through the
whole tree rather than the first keyword, so a write hidden in a CTE or a
second statement is refused.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Statement kinds a read-only question never needs; found anywhere in the tree, not only at
# the top, because PostgreSQL runs e.g. ``WITH d AS (DELETE ... RETURNING *) SELECT ...``.
FORBIDDEN = (
    exp.DML, exp.DDL, exp.Drop, exp.Alter, exp.TruncateTable, exp.Command, exp.Pragma, exp.Attach,
    exp.Detach, exp.Into, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Use, exp.Copy,
    exp.LoadData, exp.Analyze, exp.Grant, exp.Revoke, exp.Kill,
)
SQLGLOT_DIALECTS = {"postgresql": "postgres"}


class SQLRejected(Exception):
    """The statement is not a single read-only query; the message is the Chinese reason."""


def read_only_sql(sql: str, dialect: str) -> str:
    """The single SELECT in ``sql``, re-rendered by sqlglot; ``SQLRejected`` (a Chinese reason) otherwise.

    The re-rendered text is what runs, so the database executes exactly the
    statement that was checked: a driver that accepts several statements in one
    string (psycopg does) is never handed one the parser did not see.
    """
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise SQLRejected(f"SQL 无法解析，请修正后重试：{exc}") from exc
    if len(statements) != 1:
        raise SQLRejected(f"一次只能执行一条 SELECT 语句，收到 {len(statements)} 条。")
    statement = statements[0]
    if not isinstance(statement, exp.Query) or statement.find(*FORBIDDEN) is not None:
        raise SQLRejected(
            "已拒绝：只允许只读的 SELECT 查询，"
            "INSERT、UPDATE、DELETE、建表改表、PRAGMA、ATTACH 等语句一律不执行。"
        )
    return statement.sql(dialect=dialect)
