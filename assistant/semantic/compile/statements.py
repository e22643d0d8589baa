"""Query → SQL statements, with the arithmetic in SQL.

``compile_query`` returns named statements: ``rows`` (the rows shown and cited,
ordered and cut as asked), ``totals`` (COUNT/SUM/AVG over the whole scope),
``median`` (by window functions), and for a position question ``ranked`` (RANK
over the whole scope, filtered to the rows named).  Departments are funds
grouped by department, with HAVING for conditions on their totals or counts;
indicators are the indicator rows of the funds in scope.  The same statements
run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Select, func, select

from assistant.semantic.compile.figures import figure_statements
from assistant.semantic.compile.scope import SQL_INT_LIMIT, compare, funds, indicator_condition
from assistant.semantic.query import (
    ATTRIBUTES,
    AVG,
    CNT,
    CONTACTS,
    DEPARTMENTS,
    FIGURES,
    INDICATOR_COUNT,
    INDICATORS,
    MEDIAN,
    SUM,
    WEIGHT,
    FundIs,
    HasIndicator,
    InDepartments,
    Query,
)
from db import models as m


@dataclass
class Compiled:
    """The statements of one query part, by role."""

    statements: dict[str, Select] = field(default_factory=dict)


def compile_query(query: Query) -> Compiled:
    if query.over == FIGURES:
        return Compiled(figure_statements(query))
    if query.over == DEPARTMENTS:
        return _departments(query)
    if query.over == INDICATORS:
        return _indicators(query)
    if query.over == CONTACTS:
        return _contacts(query)
    return _funds(query)


def _contacts(query: Query) -> Compiled:
    """Contacts ranked by how many funds in scope name them on their forms."""
    scope = funds(query).subquery("scope")
    forms = (select(m.FundForm.contact, m.FundForm.phone, m.FundForm.fund_id, m.FundForm.contact_row_id,
                    scope.c.name, scope.c.department_id)
             .join(scope, scope.c.fund_id == m.FundForm.fund_id)
             .where(m.FundForm.contact != "").subquery("named"))
    grouped = (select(forms.c.contact, func.count(func.distinct(forms.c.fund_id)).label("count"))
               .group_by(forms.c.contact).subquery("by_contact"))
    out = Compiled()
    out.statements["rows"] = ranked_rows(grouped, grouped.c["count"], query.order, grouped.c.contact)
    out.statements["members"] = select(forms).order_by(forms.c.contact, forms.c.fund_id)
    return out


# ----- funds -------------------------------------------------------------------------------

def _funds(query: Query) -> Compiled:
    out = Compiled()
    ranking_scope = query
    if query.order is not None and query.order.position_of:
        ranking_scope = replace(query, filters=tuple(f for f in query.filters if not isinstance(f, FundIs)))
    scope = funds(ranking_scope).subquery("scope")
    order = query.order
    if order is not None and order.position_of:
        rank = func.rank().over(order_by=scope.c.amount.desc()).label("position")
        ranked = select(scope, rank, func.count().over().label("out_of")).subquery("ranked")
        named = [f for f in query.filters if isinstance(f, FundIs)]
        ids = named[0].ids if named else ()
        out.statements["ranked"] = select(ranked).where(ranked.c.fund_id.in_(ids))
        return out
    key = scope.c.amount
    if any(o.measure == INDICATOR_COUNT for o in query.outputs):
        # counted on the fund's own form: a form printed twice does not double its indicators
        counts = (select(m.Indicator.form_id, func.count().label("indicators"))
                  .group_by(m.Indicator.form_id).subquery("counts"))
        scope = (select(scope, func.coalesce(counts.c.indicators, 0).label("indicators"))
                 .join(counts, counts.c.form_id == scope.c.form_id, isouter=True).subquery("counted"))
        key = scope.c.indicators
    out.statements["rows"] = ranked_rows(scope, key, order, scope.c.seq)
    out.statements["totals"] = select(
        func.count().label("count"), func.sum(scope.c.amount).label("sum"),
        func.avg(scope.c.amount).label("avg"),
    ).select_from(scope)
    if any(o.agg == MEDIAN for o in query.outputs):
        out.statements["median"] = median(scope.c.amount)
    if any(o.measure in ATTRIBUTES for o in query.outputs):
        out.statements["forms"] = forms_of(scope)
    conditions = [indicator_condition(f) for f in query.filters if isinstance(f, HasIndicator)]
    if conditions:  # the indicator rows that made each fund qualify, cited beside its figures
        out.statements["evidence"] = (
            select(m.Indicator.fund_id, m.Indicator.source_row_id)
            .where(m.Indicator.fund_id.in_(select(scope.c.fund_id)), *conditions)
            .order_by(m.Indicator.id)
        )
    return out


def forms_of(scope) -> Select:
    """Every 绩效目标表 printed for the funds in scope (a fund may have two), with its rows."""
    f = m.FundForm
    return (
        select(f.fund_id, f.id.label("form_id"), f.seq, f.name.label("form_name"), f.dept_text, f.overview,
               f.goal, f.contact, f.phone, f.is_repeat, f.name_row_id, f.overview_row_id, f.goal_row_id,
               f.contact_row_id, f.phone_row_id, f.seq_row_id, f.budget_row_id, f.budget_text)
        .where(f.fund_id.in_(select(scope.c.fund_id)))
        .order_by(f.fund_id, f.id)
    )


def ranked_rows(source, key, order, tiebreak) -> Select:
    """The rows of ``source`` in the order asked.  The first N (N largest or smallest) keep every
    row tied with the N-th, so a tie at the top is shown, never hidden by an arbitrary pick."""
    if order is None:
        return select(source).order_by(key.desc(), tiebreak)
    direction = key.desc() if order.desc else key.asc()
    order = replace(order, limit=order.limit and min(order.limit, SQL_INT_LIMIT),
                    offset=min(order.offset, SQL_INT_LIMIT))
    if order.limit and not order.offset:
        rank = func.rank().over(order_by=direction).label("place")
        ranked = select(source, rank).subquery("ranked_rows")
        return select(ranked).where(ranked.c.place <= order.limit).order_by(ranked.c.place)
    rows = select(source).order_by(direction, tiebreak).offset(order.offset)
    return rows.limit(order.limit) if order.limit else rows


def median(column) -> Select:
    """The median by window functions: the middle value, or the mean of the two middle ones."""
    numbered = select(
        column.label("x"),
        func.row_number().over(order_by=column).label("rn"),
        func.count().over().label("n"),
    ).subquery("numbered")
    # in integers, as both databases divide: rows whose doubled number lies within n..n+2 are the
    # middle one (n odd) or the middle two (n even)
    doubled = numbered.c.rn * 2
    return (select(func.avg(numbered.c.x).label("median"))
            .where(doubled.between(numbered.c.n, numbered.c.n + 2)))


# ----- departments -------------------------------------------------------------------------

def _departments(query: Query) -> Compiled:
    out = Compiled()
    scope_query = query
    if query.order is not None and query.order.position_of:
        scope_query = replace(
            query, filters=tuple(f for f in query.filters if not isinstance(f, InDepartments)))
    base = funds(scope_query).subquery("scope")
    grouped = select(
        base.c.department_id, base.c.department,
        func.count().label("count"), func.sum(base.c.amount).label("sum"),
        func.avg(base.c.amount).label("avg"),
    ).group_by(base.c.department_id, base.c.department)
    for having in query.having:
        column = func.count() if having.measure == CNT else func.sum(base.c.amount)
        grouped = grouped.having(compare(column, having.bound))
    groups = grouped.subquery("groups")
    measure = _department_measure(query, groups)
    out.statements["totals"] = select(func.count().label("count")).select_from(groups)
    out.statements["members"] = select(base).order_by(base.c.amount.desc())
    order = query.order
    if order is not None and order.position_of:
        rank = func.rank().over(order_by=measure.desc()).label("position")
        ranked = select(groups, rank, func.count().over().label("out_of")).subquery("ranked")
        named = [d for f in query.filters if isinstance(f, InDepartments) for d in f.ids]
        out.statements["ranked"] = select(ranked).where(ranked.c.department_id.in_(named))
        return out
    out.statements["rows"] = ranked_rows(groups, measure, order, groups.c.department)
    if order is not None and order.limit:  # the whole ranking, for the table and the chart
        out.statements["ranking"] = ranked_rows(groups, measure, replace(order, limit=None, offset=0),
                                                groups.c.department)
    return out


def _department_measure(query: Query, groups):
    agg = next((o.agg for o in query.outputs if o.agg), SUM)
    if any(o.measure == "count" and o.agg is None for o in query.outputs):
        return groups.c.count
    return {AVG: groups.c.avg, CNT: groups.c.sum, SUM: groups.c.sum}.get(agg, groups.c.sum)


# ----- indicators --------------------------------------------------------------------------

def _indicators(query: Query) -> Compiled:
    out = Compiled()
    fund_query = replace(query, filters=tuple(f for f in query.filters if not isinstance(f, HasIndicator)))
    scope = funds(fund_query).subquery("scope")
    rows = (
        select(
            scope.c.fund_id, scope.c.name.label("fund"), scope.c.department,
            m.Indicator.id.label("indicator_id"), m.Indicator.name.label("indicator"),
            m.Indicator.nature, m.Indicator.value, m.Indicator.value_number, m.Indicator.unit,
            m.Indicator.weight, m.Indicator.weight_text, m.Indicator.is_core, m.Indicator.core_text,
            m.Indicator.realigned, m.Indicator.source_row_id.label("indicator_row_id"),
        )
        .join(m.Indicator, m.Indicator.fund_id == scope.c.fund_id)
        .where(*(indicator_condition(f) for f in query.filters if isinstance(f, HasIndicator)))
    )
    order = query.order
    measure = "weight" if any(o.measure == WEIGHT for o in query.outputs) else "value_number"
    if order is not None:
        listed = rows.subquery("listed")
        valued = select(listed).where(listed.c[measure].is_not(None)).subquery("valued")
        rows = ranked_rows(valued, valued.c[measure], order, valued.c.indicator_id)
    else:
        rows = rows.order_by(scope.c.seq, m.Indicator.ordinal)
    out.statements["rows"] = rows
    if any(o.agg == CNT for o in query.outputs):
        counted = rows.order_by(None).subquery("counted")
        out.statements["totals"] = select(func.count().label("count"),
                                          func.count(func.distinct(counted.c.fund_id)).label("funds"))
    return out
