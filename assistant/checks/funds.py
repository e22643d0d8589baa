"""Catalog versus forms: amounts, names, missing and repeated forms, printed 序号.

A compilation states each fund twice, once in the 专项资金目录 and once on its
绩效目标表.  Ingest links them by department and name (never by the printed
序号), keeps both figures, and marks a second form for the same entry as a
repeat; these rules report where the two statements of one fund disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

from assistant.checks.common import (
    AMOUNT,
    COVERAGE,
    ERROR,
    NAME,
    SEQ,
    WARNING,
    DocumentSet,
    Finding,
    amount,
    decimals,
    describe_difference,
    form_label,
    half_unit,
)
from db import models as m

_NO_FORM, _REPEAT, _NOT_IN_CATALOG = "目录条目没有绩效目标表", "绩效目标表重复", "绩效目标表不在目录中"


def _catalog_funds(session: Session, doc_ids: list[int]) -> list[Row]:
    """Every catalog entry with its (first, non-repeated) form, or ``None`` when it has none."""
    form = aliased(m.FundForm)
    return list(
        session.execute(
            select(m.Fund, form)
            .outerjoin(form, m.Fund.form_id == form.id)
            .where(m.Fund.document_id.in_(doc_ids), m.Fund.catalog_row_id.is_not(None))
            .order_by(m.Fund.document_id, m.Fund.catalog_seq, m.Fund.id)
        ).all()
    )


def _amounts(fund: m.Fund, form: m.FundForm | None) -> Finding | None:
    """Rule 1: the two figures differ by more than the coarser one's rounding."""
    if form is None or fund.catalog_amount is None or fund.table_amount is None:
        return None
    cat_text, table_text = fund.catalog_amount_text or "", fund.table_amount_text or ""
    places = min(decimals(cat_text), decimals(table_text))
    tolerance = half_unit(places)
    diff = fund.catalog_amount - fund.table_amount
    if abs(diff) <= tolerance:
        return None
    shown = amount(diff, max(decimals(cat_text), decimals(table_text)))
    return Finding(
        AMOUNT, ERROR,
        f"{form_label(fund.catalog_seq, fund.catalog_name or fund.name)}：目录 {cat_text} {fund.unit}，"
        f"绩效目标表 {table_text} {fund.unit}，相差 {shown} {fund.unit}",
        figures={"catalog_amount": cat_text, "table_amount": table_text, "difference": shown,
                 "tolerance": str(tolerance), "unit": fund.unit},
        row_ids=[fund.catalog_row_id, fund.table_row_id],
        document_id=fund.document_id,
    )


def _names(fund: m.Fund, form: m.FundForm | None) -> Finding | None:
    """Rule 2: the form names the fund differently from the catalog."""
    if form is None or fund.catalog_name is None or form.name == fund.catalog_name:
        return None
    return Finding(
        NAME, WARNING,
        f"目录{form_label(fund.catalog_seq, fund.catalog_name)}，绩效目标表写作“{form.name}”"
        f"（{describe_difference(fund.catalog_name, form.name)}）",
        figures={"catalog_name": fund.catalog_name, "form_name": form.name},
        row_ids=[fund.catalog_row_id, form.name_row_id],
        document_id=fund.document_id,
    )


def _seq(fund: m.Fund, form: m.FundForm | None) -> Finding | None:
    """Rule 5: the 序号 printed above the form is not the entry's catalog 序号."""
    if form is None or fund.catalog_seq is None or form.seq == fund.catalog_seq:
        return None
    printed = f"印的序号是{form.seq}" if form.seq is not None else "没有印序号"
    return Finding(
        SEQ, WARNING,
        f"绩效目标表“{form.name}”{printed}，"
        f"目录中对应条目{form_label(fund.catalog_seq, fund.catalog_name or fund.name)}",
        figures={"form_seq": form.seq, "catalog_seq": fund.catalog_seq},
        row_ids=[form.seq_row_id, form.name_row_id, fund.catalog_row_id],
        document_id=fund.document_id,
    )


def _no_form(fund: m.Fund, form: m.FundForm | None) -> Finding | None:
    """Rule 4a: a catalog entry that no form was linked to."""
    if form is not None:
        return None
    figure = f"（{fund.catalog_amount_text} {fund.unit}）" if fund.catalog_amount_text else ""
    return Finding(
        COVERAGE, ERROR,
        f"目录{form_label(fund.catalog_seq, fund.catalog_name or fund.name)}{figure}没有对应的绩效目标表",
        figures={"catalog_seq": fund.catalog_seq, "catalog_amount": fund.catalog_amount_text},
        row_ids=[fund.catalog_row_id],
        document_id=fund.document_id,
        group=_NO_FORM,
    )


def _repeats(session: Session, doc_ids: list[int]) -> Iterator[Finding]:
    """Rule 4b: forms marked as repeating an entry that already has its form.

    The message names the entry repeated, its first form, and the catalog entry
    that the repeat's printed 序号 points at, which is usually the one left
    without a form.
    """
    first = aliased(m.FundForm)
    at_seq = aliased(m.Fund)
    rows = session.execute(
        select(m.FundForm, m.Fund, first, at_seq)
        .join(m.Fund, m.FundForm.fund_id == m.Fund.id)
        .outerjoin(first, m.Fund.form_id == first.id)
        .outerjoin(
            at_seq,
            (at_seq.document_id == m.FundForm.document_id) & (at_seq.catalog_seq == m.FundForm.seq),
        )
        .where(m.FundForm.document_id.in_(doc_ids), m.FundForm.is_repeat.is_(True))
        .order_by(m.FundForm.document_id, m.FundForm.id)
    ).all()
    for form, fund, original, printed in rows:
        target = (f"目录{form_label(fund.catalog_seq, fund.catalog_name)}" if fund.catalog_name
                  else f"“{fund.name}”")
        message = f"绩效目标表{form_label(form.seq, form.name)}与{target}重复"
        if original is not None:
            message += f"，该条目已有绩效目标表{form_label(original.seq, original.name)}"
        if printed is not None and printed.id != fund.id:
            message += f"；目录序号{form.seq}是“{printed.catalog_name}”"
        yield Finding(
            COVERAGE, ERROR, message,
            figures={"form_seq": form.seq, "repeats_catalog_seq": fund.catalog_seq,
                     "catalog_at_printed_seq": printed.catalog_name if printed else None},
            row_ids=[form.seq_row_id, form.name_row_id, original.name_row_id if original else None,
                     fund.catalog_row_id, printed.catalog_row_id if printed else None],
            document_id=form.document_id,
            group=_REPEAT,
        )


def _not_in_catalog(session: Session, doc_ids: list[int]) -> Iterator[Finding]:
    """Rule 4c: forms of a document that has a catalog but no entry for them."""
    with_catalog = select(m.Fund.document_id).where(m.Fund.catalog_row_id.is_not(None))
    rows = session.scalars(
        select(m.FundForm)
        .join(m.Fund, m.FundForm.fund_id == m.Fund.id)
        .where(
            m.FundForm.document_id.in_(doc_ids),
            m.FundForm.document_id.in_(with_catalog),
            m.Fund.catalog_row_id.is_(None),
        )
        .order_by(m.FundForm.document_id, m.FundForm.id)
    ).all()
    for form in rows:
        yield Finding(
            COVERAGE, ERROR, f"绩效目标表{form_label(form.seq, form.name)}在目录中没有对应条目",
            figures={"form_seq": form.seq, "form_name": form.name},
            row_ids=[form.seq_row_id, form.name_row_id],
            document_id=form.document_id,
            group=_NOT_IN_CATALOG,
        )


def check(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Rules 1, 2, 4 and 5 over every document (renditions fold into their primary)."""
    for fund, form in _catalog_funds(session, docs.all_ids):
        for rule in (_amounts, _names, _no_form, _seq):
            if (finding := rule(fund, form)) is not None:
                yield finding
    yield from _repeats(session, docs.all_ids)
    yield from _not_in_catalog(session, docs.all_ids)
