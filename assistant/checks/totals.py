"""Rules 9 and 10: stated totals against their details, and subtotals inside budget tables.

Rule 9: the 编表说明 states the total of all key funds in whole 万元; it is
compared with the sum of the catalog figures and with the sum of the form
figures.  A difference within half a unit of the coarser precision is rounding:
it is kept in the JSON as 一致（在四舍五入范围内） with severity ``info`` and the
text report lists it as consistent, not as a problem.

Rule 10: in each 部门预算 table, year and column, a subject code's amount must
equal the sum of its sub-codes (the codes that extend it by two digits), and
the 合计 row the sum of the top-level codes.  The disclosures themselves say
that 四舍五入 leaves small differences, so a difference of at most 0.01 is
reported as ``info`` (四舍五入差异) and anything larger as an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from assistant.checks.common import (
    ERROR,
    INFO,
    STATED_TOTAL,
    SUBTOTAL,
    DocumentSet,
    Finding,
    amount,
    decimals,
    half_unit,
)
from db import models as m
from db.writing import label

# the item the 重点专项 recogniser gives the 编表说明's 涉及预算资金 total
STATED_TOTAL_ITEM = "重点专项预算资金合计"
CONSISTENT = "一致（在四舍五入范围内）"
ROUNDING_GAP = Decimal("0.01")
_TOTAL_LABELS = {"合计", "总计"}
_TOTAL = ""  # the 合计 row's key among subject codes (codes are never empty)


def _sum(
    session: Session,
    document_id: int,
    column: InstrumentedAttribute[Decimal | None],
    text_column: InstrumentedAttribute[str | None],
    *where: ColumnElement[bool],
) -> tuple[Decimal, int, int]:
    """Sum, count and the most decimals written of one amount column of a document's funds."""
    conditions = (m.Fund.document_id == document_id, column.is_not(None), *where)
    total, count = session.execute(select(func.sum(column), func.count(column)).where(*conditions)).one()
    places = max((decimals(t) for t in session.scalars(select(text_column).where(*conditions))),
                 default=0)
    return Decimal(total or 0), count, places


def _compare(fact: m.StatedFact, what: str, total: Decimal, places: int, note: str,
             figures: dict[str, Any]) -> Finding:
    """One stated-total comparison, consistent (info) or not (error)."""
    diff = total - (fact.amount or Decimal(0))
    tolerance = half_unit(min(decimals(fact.amount_text), places))
    consistent = abs(diff) <= tolerance
    verdict = CONSISTENT if consistent else "不一致"
    return Finding(
        STATED_TOTAL, INFO if consistent else ERROR,
        f"说明中的总额 {fact.amount_text} {fact.unit}，{what}合计 {amount(total, places)} {fact.unit}，"
        f"相差 {amount(diff, places)} {fact.unit}：{verdict}{note}",
        figures={"stated": fact.amount_text, "detail_sum": amount(total, places),
                 "difference": amount(diff, places), "tolerance": str(tolerance),
                 "conclusion": verdict, **figures},
        row_ids=[fact.source_row_id],
        document_id=fact.document_id,
    )


def _stated_totals(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rule 9: each stated total against the catalog sum and the form sum of its document."""
    facts = session.scalars(
        select(m.StatedFact)
        .where(m.StatedFact.document_id.in_(docs.all_ids), m.StatedFact.item == STATED_TOTAL_ITEM,
               m.StatedFact.amount.is_not(None))
        .order_by(m.StatedFact.id)
    ).all()
    for fact in facts:
        doc = fact.document_id
        catalog, n_catalog, cat_places = _sum(session, doc, m.Fund.catalog_amount,
                                              m.Fund.catalog_amount_text)
        forms, n_forms, form_places = _sum(session, doc, m.Fund.table_amount, m.Fund.table_amount_text)
        # entries without a form explain much of a gap between the form sum and the total
        unformed, n_unformed, _ = _sum(session, doc, m.Fund.catalog_amount,
                                       m.Fund.catalog_amount_text, m.Fund.form_id.is_(None))
        yield _compare(fact, f"目录{n_catalog}项", catalog, cat_places, "",
                       {"items": n_catalog})
        gap = (f"（目录中{n_unformed}项没有绩效目标表，其目录金额合计 "
               f"{amount(unformed, cat_places)} {fact.unit}）" if n_unformed else "")
        yield _compare(fact, f"绩效目标表{n_forms}张", forms, form_places, gap,
                       {"items": n_forms, "entries_without_form": n_unformed,
                        "catalog_sum_without_form": amount(unformed, cat_places)})


def _hierarchy(codes: set[str]) -> dict[str, list[str]]:
    """Each code's sub-codes (two more digits); the 合计 key's are the top-level codes."""
    tree = {c: sorted(k for k in codes if len(k) == len(c) + 2 and k.startswith(c)) for c in codes}
    tree[_TOTAL] = sorted(c for c in codes if not any(p != c and c.startswith(p) for p in codes))
    return tree


def _subtotal(doc_id: int, parent: str, kids: list[str],
              by_code: dict[str, m.BudgetLine]) -> Finding | None:
    """One parent (or 合计) against its children in one table column; ``None`` when they agree."""
    present = [by_code[k] for k in kids if k in by_code]
    head = by_code.get(parent)
    if head is None and not present:
        return None
    lines = [head] if head is not None else []
    stated = head.amount if head is not None else Decimal(0)
    total = sum((line.amount for line in present), Decimal(0))
    diff = stated - total
    if diff == 0:
        return None
    sample = head or present[0]
    places = max(decimals(line.amount_text) for line in lines + present)
    rounding = abs(diff) <= ROUNDING_GAP
    what = (f"{parent} {head.subject_name if head else ''}".strip() if parent != _TOTAL
            else "合计行")
    kids_label = "下级科目" if parent != _TOTAL else "各类科目"
    return Finding(
        SUBTOTAL, INFO if rounding else ERROR,
        f"表{sample.table_no}“{sample.table_title}”{sample.year}年“{sample.column}”列："
        f"{what} {head.amount_text if head else '（空）'}，{kids_label}（{'、'.join(kids)}）合计 "
        f"{amount(total, places)}，相差 {amount(diff, places)}" + ("（四舍五入差异）" if rounding else ""),
        figures={"table_no": sample.table_no, "year": sample.year, "column": sample.column,
                 "subject_code": parent or None, "stated": head.amount_text if head else None,
                 "children_sum": amount(total, places), "difference": amount(diff, places)},
        row_ids=[line.source_row_id for line in lines + present],
        document_id=doc_id,
        group="四舍五入差异" if rounding else "合计不符",
    )


def _subtotals(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rule 10 over every 部门预算 table that has subject codes."""
    tables: dict[tuple[int, int], list[m.BudgetLine]] = defaultdict(list)
    for line in session.scalars(
        select(m.BudgetLine).where(m.BudgetLine.document_id.in_(docs.all_ids))
        .order_by(m.BudgetLine.document_id, m.BudgetLine.table_no, m.BudgetLine.id)
    ):
        tables[(line.document_id, line.table_no)].append(line)
    for (doc_id, _), lines in tables.items():
        codes = {line.subject_code for line in lines if line.subject_code}
        if not codes:
            continue
        tree = _hierarchy(codes)
        columns: dict[tuple[int, str], dict[str, m.BudgetLine]] = defaultdict(dict)
        for line in lines:
            key = line.subject_code or (_TOTAL if label(line.subject_name) in _TOTAL_LABELS else None)
            if key is not None:
                columns[(line.year, line.column)].setdefault(key, line)
        for by_code in columns.values():
            for parent in [*sorted(codes), _TOTAL]:
                if tree[parent] and (finding := _subtotal(doc_id, parent, tree[parent], by_code)):
                    yield finding


def check(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rules 9 and 10 over every document."""
    yield from _stated_totals(session, docs)
    yield from _subtotals(session, docs)
