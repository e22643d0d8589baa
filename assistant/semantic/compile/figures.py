"""Department-budget figures as SQL: the table lines and narrative items of the keys asked, for the
departments and years asked (the base year of a change included)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select, union_all

from assistant.semantic.compile.scope import primary_documents
from assistant.semantic.query import FigureIs, FigureKey, InDepartments, Query
from db import models as m
from db.records import DEPT_BUDGET


def figure_statements(query: Query) -> dict[str, Select]:
    keys = [k for f in query.filters if isinstance(f, FigureIs) for k in f.keys]
    depts = [d for f in query.filters if isinstance(f, InDepartments) for d in f.ids]
    years = set(query.years or ((query.year,) if query.year else ()))
    if query.derived is not None and query.derived.base_year:
        years.add(query.derived.base_year)
    docs = primary_documents(DEPT_BUDGET, None).where(m.Document.department_id.in_(depts))
    out: dict[str, Select] = {}
    lines = [k for k in keys if k.source == "line"]
    if any(o.measure == "subjects" for o in query.outputs):
        lines = _subjects_of(lines)
    if lines:
        out["lines"] = (
            select(m.BudgetLine.id.label("line_id"), m.BudgetLine.table_no, m.BudgetLine.table_title,
                   m.BudgetLine.subject_code.label("code"), m.BudgetLine.subject_name.label("subject"),
                   m.BudgetLine.column, m.BudgetLine.year, m.BudgetLine.amount, m.BudgetLine.amount_text,
                   m.BudgetLine.source_row_id, m.Document.department_id, m.Document.file_name)
            .join(m.Document, m.BudgetLine.document_id == m.Document.id)
            .where(m.BudgetLine.document_id.in_(docs), or_(*(_line(k) for k in lines)),
                   m.BudgetLine.year.in_(years) if years else True)
            .order_by(m.Document.department_id, m.BudgetLine.table_no, m.BudgetLine.id)
        )
    facts = [k for k in keys if k.source == "fact"]
    if facts:
        out["facts"] = (
            select(m.StatedFact.id.label("fact_id"), m.StatedFact.topic, m.StatedFact.item, m.StatedFact.year,
                   m.StatedFact.amount, m.StatedFact.amount_text, m.StatedFact.unit, m.StatedFact.change,
                   m.StatedFact.change_amount, m.StatedFact.change_text, m.StatedFact.base_year,
                   m.StatedFact.source_row_id, m.Document.department_id, m.Document.file_name)
            .join(m.Document, m.StatedFact.document_id == m.Document.id)
            .where(m.StatedFact.document_id.in_(docs),
                   or_(*(and_(m.StatedFact.topic == k.topic, m.StatedFact.item == k.item) for k in facts)))
            .order_by(m.Document.department_id, m.StatedFact.id)
        )
    return out


def _subjects_of(keys: list[FigureKey]) -> list[FigureKey]:
    """用在什么科目: every coded subject in the same table and column as the figures asked."""
    return [FigureKey("line", k.table_no, None, "", k.column) for k in keys]


def _line(key: FigureKey):
    if not key.subject:  # a whole column: every coded subject in it
        return and_(m.BudgetLine.table_no == key.table_no, m.BudgetLine.column == key.column,
                    m.BudgetLine.subject_code.is_not(None))
    code = m.BudgetLine.subject_code == key.code if key.code else m.BudgetLine.subject_code.is_(None)
    return and_(m.BudgetLine.table_no == key.table_no, code, m.BudgetLine.subject_name == key.subject,
                m.BudgetLine.column == key.column)


def sum_of(line_ids: list[int], fact_ids: list[int]) -> Select:
    """The total of chosen figures, added up by SQL."""
    parts = []
    if line_ids:
        parts.append(select(m.BudgetLine.amount.label("amount")).where(m.BudgetLine.id.in_(line_ids)))
    if fact_ids:
        parts.append(select(m.StatedFact.amount.label("amount")).where(m.StatedFact.id.in_(fact_ids)))
    both = union_all(*parts).subquery("chosen") if len(parts) > 1 else parts[0].subquery("chosen")
    return select(func.sum(both.c.amount).label("sum"))


def _line_columns():
    return (m.BudgetLine.id.label("line_id"), m.BudgetLine.table_no, m.BudgetLine.table_title,
            m.BudgetLine.subject_code.label("code"), m.BudgetLine.subject_name.label("subject"),
            m.BudgetLine.column, m.BudgetLine.year, m.BudgetLine.amount, m.BudgetLine.amount_text,
            m.BudgetLine.source_row_id, m.Document.department_id, m.Document.file_name)


def _same_table(parent: dict) -> list:
    document = select(m.BudgetLine.document_id).where(m.BudgetLine.id == parent["line_id"]).scalar_subquery()
    return [m.BudgetLine.document_id == document, m.BudgetLine.table_no == parent["table_no"],
            m.BudgetLine.subject_code.is_not(None)]


def _below(parent: dict) -> list:
    code = parent.get("code") or ""
    if not code:
        return []
    return [m.BudgetLine.subject_code.startswith(code), func.length(m.BudgetLine.subject_code) > len(code)]


def child_level(parent: dict, leaves: bool = False) -> Select:
    """The length of the codes right below a line (the next level); for a table's total line with
    ``leaves``, of its most detailed subjects (哪个科目最多 means an item, not a class)."""
    length = func.length(m.BudgetLine.subject_code)
    return select((func.max(length) if leaves else func.min(length)).label("level")).where(
        *_same_table(parent), *_below(parent))


def children_of(parent: dict, level: int) -> Select:
    """The subjects under a table line at a level, in the same table, column and year (the whole
    table for a total line), largest first."""
    return (select(*_line_columns()).join(m.Document, m.BudgetLine.document_id == m.Document.id)
            .where(*_same_table(parent), *_below(parent), m.BudgetLine.column == parent["column"],
                   m.BudgetLine.year == parent["year"], func.length(m.BudgetLine.subject_code) == level)
            .order_by(m.BudgetLine.amount.desc(), m.BudgetLine.id))


def parts_of_fact(parent: dict) -> Select:
    """The other figures the narrative gives under the same heading (the items of 三公经费)."""
    return (select(m.StatedFact.id.label("fact_id"), m.StatedFact.topic, m.StatedFact.item, m.StatedFact.year,
                   m.StatedFact.amount, m.StatedFact.amount_text, m.StatedFact.unit, m.StatedFact.change,
                   m.StatedFact.change_amount, m.StatedFact.change_text, m.StatedFact.base_year,
                   m.StatedFact.source_row_id, m.Document.department_id, m.Document.file_name)
            .join(m.Document, m.StatedFact.document_id == m.Document.id)
            .where(m.StatedFact.document_id == select(m.StatedFact.document_id)
                   .where(m.StatedFact.id == parent["fact_id"]).scalar_subquery(),
                   m.StatedFact.topic == parent["topic"], m.StatedFact.id != parent["fact_id"],
                   m.StatedFact.year == parent["year"], m.StatedFact.amount.is_not(None))
            .order_by(m.StatedFact.id))


def changes_of(parent: dict, level: int, base_year: int) -> Select:
    """Each subject under a line with its figure in the parent's year and in the base year, and the
    difference, computed by SQL (the prior-year column of the same table)."""
    now = children_of(parent, level).subquery("now")
    before = (select(m.BudgetLine.subject_code, func.max(m.BudgetLine.amount).label("before"),
                     func.max(m.BudgetLine.source_row_id).label("before_row_id"))
              .where(*_same_table(parent), m.BudgetLine.year == base_year)
              .group_by(m.BudgetLine.subject_code).subquery("before"))
    change = (now.c.amount - before.c.before).label("change")
    return select(now, before.c.before, before.c.before_row_id, change).join(
        before, before.c.subject_code == now.c.code)


def ranked_figures(line_ids: list[int], fact_ids: list[int], desc: bool) -> Select:
    """The chosen figure of each department, ordered by SQL (a ranking of departments)."""
    parts = []
    if line_ids:
        parts.append(select(m.BudgetLine.id.label("row_id"), m.Document.department_id, m.BudgetLine.amount,
                            m.BudgetLine.amount_text, m.BudgetLine.source_row_id)
                     .join(m.Document, m.BudgetLine.document_id == m.Document.id)
                     .where(m.BudgetLine.id.in_(line_ids)))
    if fact_ids:
        parts.append(select(m.StatedFact.id.label("row_id"), m.Document.department_id, m.StatedFact.amount,
                            m.StatedFact.amount_text, m.StatedFact.source_row_id)
                     .join(m.Document, m.StatedFact.document_id == m.Document.id)
                     .where(m.StatedFact.id.in_(fact_ids)))
    both = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("chosen")
    return select(both).order_by(both.c.amount.desc() if desc else both.c.amount.asc(), both.c.department_id)
