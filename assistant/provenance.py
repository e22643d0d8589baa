"""Where each output column of a checked query comes from: source-row ids, keys, data or constants.

A citation must point at the row a figure was read from, so only a column
that *is* a real id of ``source_rows`` may supply one: ``source_rows.id`` or a
column the schema declares as a foreign key to it (``catalog_row_id``,
``source_row_id`` …).  Names prove nothing — ``SELECT 1 AS fake_row_id`` is a
constant — so each output column is traced with sqlglot through aliases,
derived tables, CTEs and set operations down to the table columns it reads.
MIN, MAX and COALESCE return one of their arguments, so a row id stays a row
id through them; any other expression makes a new value.
"""

from __future__ import annotations

import logging
from enum import Enum

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from db import models as m

log = logging.getLogger(__name__)


class Origin(Enum):
    """What the values of one output column are."""

    ROW_ID = "row_id"  # real ids of source_rows: the rows the other values were read from
    KEY = "key"  # another id or foreign key: identifies, states no figure
    DATA = "data"  # read or computed from stored data: may back a figure
    CONSTANT = "constant"  # written into the statement itself: backs nothing


def _columns() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """(table, column) pairs that are source-row ids, and those that are other keys."""
    source_id = m.SourceRow.__table__.c.id
    row_ids, keys = {("source_rows", "id")}, set()
    for table in m.Base.metadata.tables.values():
        for column in table.columns:
            if any(fk.column is source_id for fk in column.foreign_keys):
                row_ids.add((table.name, column.name))
            elif column.primary_key or column.foreign_keys:
                keys.add((table.name, column.name))
    return frozenset(row_ids), frozenset(keys) - row_ids


ROW_ID_COLUMNS, KEY_COLUMNS = _columns()
SCHEMA = {t.name: {c.name: "TEXT" for c in t.columns} for t in m.Base.metadata.tables.values()}
VALUE_PRESERVING = (exp.Min, exp.Max, exp.Coalesce)
MAX_DEPTH = 64  # scopes followed for one column; a recursive CTE must not loop the trace


def _merge(origins: list[Origin]) -> Origin:
    """The origin of a value that is one of several: the same origin, or just data."""
    return origins[0] if len(set(origins)) == 1 else Origin.DATA


def _select_origins(scope: Scope, depth: int) -> list[Origin]:
    """Origins of a scope's output columns; a set operation's column is all its branches agree on."""
    if scope.set_operation_scopes:
        branches = [_select_origins(s, depth + 1) for s in scope.set_operation_scopes]
        return [_merge(list(column)) for column in zip(*branches, strict=False)]
    return [_origin(select.unalias(), scope, depth) for select in scope.expression.selects]


def _named(scope: Scope, name: str) -> int | None:
    """The position of output column ``name`` of a derived table or CTE (the first branch names it)."""
    while scope.set_operation_scopes:
        scope = scope.set_operation_scopes[0]
    names = [select.alias_or_name for select in scope.expression.selects]
    return names.index(name) if name in names else None


def _column_origin(column: exp.Column, scope: Scope, depth: int) -> Origin:
    source = scope.sources.get(column.table)
    if isinstance(source, exp.Table):
        pair = (source.name, column.name)
        return (Origin.ROW_ID if pair in ROW_ID_COLUMNS else Origin.KEY if pair in KEY_COLUMNS
                else Origin.DATA)
    if isinstance(source, Scope) and depth < MAX_DEPTH:
        position = _named(source, column.name)
        if position is not None:
            return _select_origins(source, depth + 1)[position]
    return Origin.DATA  # an outer reference or a name the trace cannot follow: not a row id


def _origin(node: exp.Expression, scope: Scope, depth: int) -> Origin:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        return _column_origin(node, scope, depth)
    if isinstance(node, VALUE_PRESERVING):
        args = [a for a in (node.this, *node.expressions) if isinstance(a, exp.Expression)]
        if args and all(_origin(a, scope, depth) is Origin.ROW_ID for a in args):
            return Origin.ROW_ID
    if node.find(exp.Column, exp.AggFunc) is None:
        return Origin.CONSTANT
    return Origin.DATA


def origins(tree: exp.Query, dialect: str) -> list[Origin] | None:
    """Per output column of ``tree``, where its values come from; ``None`` when it cannot be traced.

    ``SELECT *`` is expanded from the store's schema, so the list lines up
    with the columns the database returns.
    """
    try:
        qualified = qualify(tree.copy(), schema=SCHEMA, dialect=dialect, quote_identifiers=False,
                            validate_qualify_columns=False)
        root = build_scope(qualified)
        return None if root is None else _select_origins(root, 0)
    except (SqlglotError, RecursionError, ValueError, KeyError) as exc:
        log.info("无法分析查询各列的来源：%s", exc)
        return None
