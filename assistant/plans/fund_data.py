"""Fund rows as plans need them: both budget bases, department, source rows — one query shape.

Rankings, totals, counts and shares are all computed by SQL over these rows
(GROUP BY / ORDER BY on the catalog basis or the 绩效目标表 basis), so every
plan states its basis and both figures stay visible when they disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from assistant.sqlrun import Runner
from db import models as m
from db.records import PROGRAM_KEY

CATALOG, TABLE = "catalog", "table"
BASIS_NAME = {CATALOG: "专项资金目录", TABLE: "绩效目标表"}
_PRIMARY = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))


def basis_amount(basis: str):
    """The amount column of a basis; a fund missing on one side falls back to the other."""
    if basis == TABLE:
        return func.coalesce(m.Fund.table_amount, m.Fund.catalog_amount)
    return func.coalesce(m.Fund.catalog_amount, m.Fund.table_amount)


def key_funds(any_program: bool = False) -> Select:
    """Key special funds of primary documents (any fund with ``any_program``), with department."""
    stmt = (
        select(
            m.Fund.id,
            m.Fund.name,
            m.Fund.catalog_seq,
            m.Fund.catalog_amount,
            m.Fund.catalog_amount_text,
            m.Fund.table_amount,
            m.Fund.table_amount_text,
            m.Fund.catalog_row_id,
            m.Fund.table_row_id,
            m.Fund.form_id,
            m.Fund.department_id,
            m.Department.name.label("department"),
            m.Department.code.label("department_code"),
        )
        .join(m.Department, m.Fund.department_id == m.Department.id, isouter=True)
        .where(m.Fund.document_id.in_(_PRIMARY))
    )
    return stmt if any_program else stmt.where(m.Fund.program == PROGRAM_KEY)


def department_totals(department_ids: set[int] | None = None) -> Select:
    """Per department: number of funds and totals on both bases, largest catalog total first."""
    stmt = (
        select(
            m.Department.id.label("department_id"),
            m.Department.name.label("department"),
            m.Department.code.label("department_code"),
            func.count(m.Fund.id).label("funds"),
            func.sum(basis_amount(CATALOG)).label("catalog_total"),
            func.sum(basis_amount(TABLE)).label("table_total"),
        )
        .join(m.Department, m.Fund.department_id == m.Department.id)
        .where(m.Fund.document_id.in_(_PRIMARY), m.Fund.program == PROGRAM_KEY)
        .group_by(m.Department.id, m.Department.name, m.Department.code)
        .order_by(func.sum(basis_amount(CATALOG)).desc(), m.Department.code)
    )
    if department_ids:
        stmt = stmt.where(m.Department.id.in_(department_ids))
    return stmt


def grand_total(department_ids: set[int] | None = None) -> Select:
    """All key funds (of some departments only, when given): count and totals on both bases."""
    stmt = select(
        func.count(m.Fund.id).label("funds"),
        func.sum(basis_amount(CATALOG)).label("catalog_total"),
        func.sum(basis_amount(TABLE)).label("table_total"),
    ).where(m.Fund.document_id.in_(_PRIMARY), m.Fund.program == PROGRAM_KEY)
    return stmt.where(m.Fund.department_id.in_(department_ids)) if department_ids else stmt


def threshold_clause(op: str, value: Decimal, basis: str):
    """A comparison on a basis amount (超过 / 以上 / 以下 / 正好 …)."""
    col = basis_amount(basis)
    return {
        ">": col > value, ">=": col >= value, "<": col < value, "<=": col <= value,
        "=": col == value,
    }[op]


def departments_with_n_funds(
    n: int, at_least: bool = False, department_ids: set[int] | None = None
) -> Select:
    """Departments that have exactly ``n`` key funds (``n`` or more with ``at_least``), within some."""
    inner = department_totals(department_ids).subquery()
    matches = inner.c.funds >= n if at_least else inner.c.funds == n
    return select(inner).where(matches).order_by(inner.c.department_code)


def count_where(*clauses) -> Select:
    """How many key funds satisfy the clauses."""
    return select(func.count(m.Fund.id)).where(
        m.Fund.document_id.in_(_PRIMARY), m.Fund.program == PROGRAM_KEY, *clauses
    )


def disagree() -> Any:
    """Funds whose catalog and form figures differ (compared as written, beyond rounding)."""
    return case((and_(m.Fund.catalog_amount.is_not(None), m.Fund.table_amount.is_not(None),
                      func.abs(m.Fund.catalog_amount - m.Fund.table_amount) > Decimal("0.05")), 1),
                else_=0)


@dataclass
class FundRow:
    """One fund with both figures, as plans present it."""

    id: int
    name: str
    department: str
    catalog_seq: int | None
    catalog_amount: Decimal | None
    catalog_text: str | None
    table_amount: Decimal | None
    table_text: str | None
    catalog_row_id: int | None
    table_row_id: int | None
    form_id: int | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> FundRow:
        return cls(row["id"], row["name"], row["department"] or "", row["catalog_seq"],
                   row["catalog_amount"], row["catalog_amount_text"], row["table_amount"],
                   row["table_amount_text"], row["catalog_row_id"], row["table_row_id"],
                   row["form_id"])

    def amount(self, basis: str) -> Decimal | None:
        first, second = ((self.table_amount, self.catalog_amount) if basis == TABLE
                         else (self.catalog_amount, self.table_amount))
        return first if first is not None else second

    def text(self, basis: str) -> str:
        first, second = ((self.table_text, self.catalog_text) if basis == TABLE
                         else (self.catalog_text, self.table_text))
        return (first if first else second) or "—"

    def differs(self) -> bool:
        """Catalog and form disagree beyond the rounding of the coarser figure."""
        if self.catalog_amount is None or self.table_amount is None:
            return False
        return abs(self.catalog_amount - self.table_amount) > Decimal("0.05")

    def rows(self) -> list[int | None]:
        return [self.catalog_row_id, self.table_row_id]


def fetch_funds(runner: Runner, *clauses, order=None, any_program: bool = False) -> list[FundRow]:
    """Key funds matching the clauses, largest catalog figure first unless told otherwise."""
    stmt = key_funds(any_program).where(*clauses).order_by(
        *(order if order is not None else [basis_amount(CATALOG).desc(), m.Fund.catalog_seq])
    )
    return [FundRow.of(r) for r in runner.rows(stmt)]
