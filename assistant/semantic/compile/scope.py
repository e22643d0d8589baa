"""The rows a query ranges over, as SQLAlchemy: the key funds of the year asked, filtered.

Every filter type of the Query becomes one SQL condition here (the phrase it
says in Chinese lives beside its type in ``query.py``).  Amounts are taken on
the basis asked (catalog, else the form's figure when the catalog has none, and
the other way round), so a fund missing on one side still counts.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import aliased

from assistant.semantic.query import (
    FORM,
    AmountIs,
    BasesDiffer,
    Bound,
    ContactIs,
    Describes,
    FigureIs,
    Filter,
    FundIs,
    HasIndicator,
    InDepartments,
    InGroup,
    NameHas,
    Query,
    SeqIs,
)
from db import models as m
from db.records import PROGRAM_KEY, SPECIAL_FUNDS

DIFFERENCE = Decimal("0.05")  # catalog figures are written to 0.1: smaller gaps are rounding
COMPARE = {">": "__gt__", ">=": "__ge__", "<": "__lt__", "<=": "__le__", "=": "__eq__"}


# numbers a question may say (序号, 第N) beyond what SQL integers hold match nothing in any store
SQL_INT_LIMIT = 2**31

def compare(column, bound: Bound) -> ColumnElement[bool]:
    """``column op value`` for a bound."""
    return getattr(column, COMPARE[bound.op])(bound.value)


def amount(basis: str):
    """The amount column on a basis; a fund missing on that side falls back to the other."""
    if basis == FORM:
        return func.coalesce(m.Fund.table_amount, m.Fund.catalog_amount)
    return func.coalesce(m.Fund.catalog_amount, m.Fund.table_amount)


def primary_documents(kind: str, year: int | None) -> Select:
    """Primary documents (not other renditions) of a kind and year."""
    stmt = select(m.Document.id).where(m.Document.rendition_of_id.is_(None), m.Document.kind == kind)
    return stmt.where(m.Document.year == year) if year is not None else stmt


def fund_columns(basis: str) -> list:
    """What every fund row carries: both figures as written, their rows, the department."""
    return [
        m.Fund.id.label("fund_id"), m.Fund.name.label("name"), m.Fund.catalog_seq.label("seq"),
        m.Fund.department_id.label("department_id"), m.Department.name.label("department"),
        m.Fund.catalog_amount.label("catalog_amount"), m.Fund.catalog_amount_text.label("catalog_text"),
        m.Fund.table_amount.label("form_amount"), m.Fund.table_amount_text.label("form_text"),
        m.Fund.catalog_row_id.label("catalog_row_id"), m.Fund.table_row_id.label("form_row_id"),
        m.Fund.form_id.label("form_id"), amount(basis).label("amount"),
    ]


def funds(query: Query, columns: list | None = None) -> Select:
    """The key funds of the query's year with its filters and exclusions applied."""
    stmt = (
        select(*(columns or fund_columns(query.basis)))
        .join(m.Department, m.Fund.department_id == m.Department.id, isouter=True)
        .where(m.Fund.document_id.in_(primary_documents(SPECIAL_FUNDS, query.year)),
               m.Fund.program == PROGRAM_KEY)
    )
    named = [f for f in query.filters
             if isinstance(f, InDepartments) or (isinstance(f, InGroup) and not f.asked)]
    if named:  # departments and groups named together are one set: 交通局和镇街 means either
        stmt = stmt.where(m.Fund.department_id.in_(sorted({d for f in named for d in f.ids})))
    for f in query.filters:
        if f not in named:
            stmt = stmt.where(condition(f, query.basis))
    for f in query.exclusions:
        stmt = stmt.where(not_(condition(f, query.basis)))
    return stmt


def same_funds(ids: tuple[int, ...], year: int) -> Select:
    """The key funds of another year's compilation that are the given funds: same name, same
    department (each compilation has its own fund rows, so ids never carry across years)."""
    given = aliased(m.Fund)
    return (
        select(m.Fund.id, m.Fund.name)
        .join(given, and_(given.name == m.Fund.name,
                          given.department_id.is_not_distinct_from(m.Fund.department_id)))
        .where(given.id.in_(ids), m.Fund.document_id.in_(primary_documents(SPECIAL_FUNDS, year)),
               m.Fund.program == PROGRAM_KEY)
        .order_by(m.Fund.id)
    )


def condition(f: Filter, basis: str) -> ColumnElement[bool]:
    """The SQL condition of one filter on fund rows."""
    if isinstance(f, InDepartments | InGroup):
        return m.Fund.department_id.in_(f.ids)
    if isinstance(f, FundIs):
        return m.Fund.id.in_(f.ids) if f.ids else false()
    if isinstance(f, NameHas):
        return m.Fund.name.contains(f.word, autoescape=True)
    if isinstance(f, SeqIs):  # a number no catalog reaches matches nothing, and never overflows SQL
        return m.Fund.catalog_seq == f.seq if 0 < f.seq < SQL_INT_LIMIT else false()
    if isinstance(f, ContactIs):
        column = m.FundForm.contact if f.contact else m.FundForm.phone
        return m.Fund.id.in_(select(m.FundForm.fund_id).where(column == (f.contact or f.phone)))
    if isinstance(f, BasesDiffer):
        return and_(m.Fund.catalog_amount.is_not(None), m.Fund.table_amount.is_not(None),
                    func.abs(m.Fund.catalog_amount - m.Fund.table_amount) > DIFFERENCE)
    if isinstance(f, AmountIs):
        return compare(amount(basis), f.bound)
    if isinstance(f, HasIndicator):
        return exists(select(m.Indicator.id).where(m.Indicator.fund_id == m.Fund.id, indicator_condition(f)))
    if isinstance(f, Describes | FigureIs):
        return true()  # resolved to FundIs before compiling (search by meaning) / not about funds
    raise TypeError(f"未知的筛选条件：{f!r}")


def indicator_condition(f: HasIndicator) -> ColumnElement[bool]:
    """Conditions on an indicator row: name words, exact name, core flag, value and weight bounds."""
    parts: list[ColumnElement[bool]] = []
    if f.words:
        parts.append(or_(*(m.Indicator.name.contains(w, autoescape=True) for w in f.words)))
    if f.exact:
        parts.append(m.Indicator.name == f.exact)
    if f.core is not None:
        parts.append(m.Indicator.is_core.is_(f.core))
    if f.value is not None:
        parts.append(compare(m.Indicator.value_number, f.value))
    if f.weight is not None:
        parts.append(compare(m.Indicator.weight, f.weight))
    return and_(true(), *parts)
