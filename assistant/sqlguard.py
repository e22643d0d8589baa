"""The SQL guard: what a statement from outside the program may be, decided before anything runs.

The rule engine compiles its own statements; anything else (the LLM's tool
calls, any future SQL endpoint) passes ``check`` first, and then runs through
``assistant.sqlgate`` under a time and size budget.  ``check`` allows exactly
one read-only query over the budget tables, looking through the whole tree
rather than the first keyword, so a write hidden in a CTE or a second
statement is refused.  Beyond that:

- nesting is measured on sqlglot's tokens (an iterative scan) before the
  recursive parser sees the text, and a ``RecursionError`` anywhere in the
  checks is a refusal, not a crash;
- only ordinary aggregate, window, string, date and math functions are allowed:
  SQLite and PostgreSQL both ship functions that read files, sleep, allocate
  gigabytes or leak addresses (``readfile``, ``pg_sleep``, ``zeroblob``,
  ``fts3_tokenizer``), and a list of what is *allowed* cannot miss one;
- only the tables the schema prompt documents can be read: not the engine's
  catalogs (``sqlite_master``, ``pg_catalog``), not the stored file bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from db import models as m

# Statement kinds a read-only question never needs; found anywhere in the tree, not only at
# the top, because PostgreSQL runs e.g. ``WITH d AS (DELETE ... RETURNING *) SELECT ...``.
FORBIDDEN = (
    exp.DML, exp.DDL, exp.Drop, exp.Alter, exp.TruncateTable, exp.Command, exp.Pragma, exp.Attach,
    exp.Detach, exp.Into, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Use, exp.Copy,
    exp.LoadData, exp.Analyze, exp.Grant, exp.Revoke, exp.Kill, exp.Lock,
)
SQLGLOT_DIALECTS = {"postgresql": "postgres"}

MAX_SQL_CHARS = 10_000  # a budget question's query is a few hundred characters
MAX_NESTING = 24  # parentheses and CASE … END inside each other; real queries stay under 10

# The tables a question may read, as prompts/schema.md documents them for the model.  Not the
# original file bytes (megabytes per row, no figures) nor the version history (who ingested what).
QUERYABLE_TABLES = frozenset(t.__tablename__ for t in (
    m.Document, m.SourceRow, m.Department, m.DepartmentName, m.Fund, m.FundForm, m.Indicator,
    m.BudgetLine, m.StatedFact, m.Anomaly, m.AnomalyRow,
))
SCHEMAS = frozenset({"", "main", "public"})

# Functions by sqlglot's canonical name (``exp.Func.sql_name()``; the written name for functions
# sqlglot does not model).  Some SQL syntax is modelled as a function too: AND, CASE, CAST, EXISTS.
ALLOWED_FUNCTIONS = frozenset({
    # syntax
    "AND", "OR", "CASE", "IF", "CAST", "TRY_CAST", "EXISTS", "EXTRACT", "COLLATE",
    # aggregates
    "COUNT", "SUM", "AVG", "MIN", "MAX", "TOTAL", "GROUP_CONCAT", "STRING_AGG",
    # window functions
    "ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE", "LAG", "LEAD",
    "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE",
    # conditional
    "COALESCE", "NULLIF", "GREATEST", "LEAST",
    # math
    "ABS", "ROUND", "CEIL", "FLOOR", "TRUNC", "POWER", "SQRT", "SIGN", "MOD", "EXP", "LN", "LOG",
    # strings (no REPEAT, LPAD, PRINTF: they turn a short statement into a huge value)
    "LENGTH", "LOWER", "UPPER", "TRIM", "SUBSTRING", "REPLACE", "STR_POSITION", "CONCAT", "CONCAT_WS",
    "LEFT", "RIGHT",
    # dates
    "DATE", "TIME", "DATETIME", "TIME_TO_STR", "STRFTIME", "JULIANDAY", "CURRENT_DATE",
    "CURRENT_TIMESTAMP", "NOW", "DATE_PART", "DATE_TRUNC", "TIMESTAMP_TRUNC", "TO_CHAR",
})


class SQLRejected(Exception):
    """The statement may not run; the message is the Chinese reason, written for the model to fix it."""


@dataclass(frozen=True)
class CheckedSQL:
    """A statement that passed the guard: the parsed query and its text as sqlglot renders it.

    The rendered text is what runs, so the database executes exactly the
    statement that was checked: a driver that accepts several statements in
    one string (psycopg does) is never handed one the parser did not see.
    """

    tree: exp.Query
    text: str


def nesting(sql: str, dialect: str) -> int:
    """How deeply parentheses and CASE … END nest, from the tokens alone (no recursion)."""
    depth = deepest = 0
    for token in sqlglot.tokenize(sql, read=dialect):
        if token.token_type in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type in (TokenType.R_PAREN, TokenType.END):
            depth -= 1
    return deepest


def function_name(node: exp.Func) -> str:
    """A function's name as the allow-list spells it."""
    return node.name.upper() if isinstance(node, exp.Anonymous) else node.sql_name()


def _refuse_writes(statement: exp.Expression) -> None:
    if not isinstance(statement, exp.Query) or statement.find(*FORBIDDEN) is not None:
        raise SQLRejected(
            "已拒绝：只允许只读的 SELECT 查询，"
            "INSERT、UPDATE、DELETE、建表改表、PRAGMA、ATTACH、加锁等语句一律不执行。"
        )


def _refuse_tables(statement: exp.Expression) -> None:
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a function in FROM: the function check decides
        name = table.name
        if table.catalog or table.db not in SCHEMAS or (name not in QUERYABLE_TABLES and name not in ctes):
            raise SQLRejected(
                f"已拒绝：不能查询 {table.sql()}。只能查询预算库的表："
                f"{'、'.join(sorted(QUERYABLE_TABLES))}（见 describe_schema）。"
            )


def _written(node: exp.Func, dialect: str) -> str:
    """A function's name as the caller's dialect writes it (sqlglot's own name can differ)."""
    return node.sql(dialect=dialect).split("(", 1)[0].strip().upper() or function_name(node)


def _refuse_functions(statement: exp.Expression, dialect: str) -> None:
    refused = dict.fromkeys(_written(node, dialect) for node in statement.find_all(exp.Func)
                            if function_name(node) not in ALLOWED_FUNCTIONS)
    if refused:
        raise SQLRejected(
            f"已拒绝：不允许使用函数 {'、'.join(refused)}。只能用常见的聚合、窗口、字符串、日期和数学函数"
            "（如 SUM、COUNT、ROUND、SUBSTR、REPLACE、COALESCE、ROW_NUMBER）。"
        )


def check(sql: str, dialect: str) -> CheckedSQL:
    """``sql`` as one checked read-only query; ``SQLRejected`` with a Chinese reason otherwise."""
    if len(sql) > MAX_SQL_CHARS:
        raise SQLRejected(f"已拒绝：语句长 {len(sql):,} 个字符，超过上限 {MAX_SQL_CHARS:,}，请简化后重试。")
    try:
        depth = nesting(sql, dialect)
        if depth > MAX_NESTING:
            raise SQLRejected(f"已拒绝：括号或 CASE 嵌套 {depth} 层，超过上限 {MAX_NESTING} 层，请简化。")
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
        if len(statements) != 1:
            raise SQLRejected(f"一次只能执行一条 SELECT 语句，收到 {len(statements)} 条。")
        statement = statements[0]
        _refuse_writes(statement)
        _refuse_tables(statement)
        _refuse_functions(statement, dialect)
        return CheckedSQL(statement, statement.sql(dialect=dialect))  # type: ignore[arg-type]
    except sqlglot.errors.SqlglotError as exc:
        raise SQLRejected(f"SQL 无法解析，请修正后重试：{exc}") from exc
    except RecursionError as exc:  # a chain of NOT or operators too long for the parser
        raise SQLRejected("已拒绝：语句嵌套过深，无法检查，请简化后重试。") from exc
