"""Rule 3: one department written in different ways.

Ingest keys departments by their budget code and records every spelling it
saw, with the row.  Two kinds of difference are reported: spellings of the name
itself (a stray space, “（本级）”, 局 for 委) across all primary documents, and
how a form writes its 主管部门 cell around the name (a leftover “如：” prefix, no
code, or a code that is not its catalog entry's) — the latter inside each
document, since the name spellings already cover the name part.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from assistant.checks.common import (
    DEPARTMENT,
    INFO,
    WARNING,
    DocumentSet,
    Finding,
    describe_difference,
    form_label,
)
from db import models as m
from db.writing import split_department

_SPELLINGS, _PREFIX, _NO_CODE, _OTHER_CODE = (
    "同一部门多种写法", "主管部门前多出文字", "主管部门未写编码", "主管部门编码与所属条目不同",
)


def _spellings(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Departments with more than one spelling; the most used one is the reference."""
    rows = session.execute(
        select(m.Department.code, m.Department.name, m.DepartmentName.name,
               m.DepartmentName.source_row_id)
        .join(m.DepartmentName, m.DepartmentName.department_id == m.Department.id)
        .join(m.SourceRow, m.SourceRow.id == m.DepartmentName.source_row_id)
        .where(m.SourceRow.document_id.in_(docs.primary_ids))
        .order_by(m.Department.id, m.DepartmentName.source_row_id)
    ).all()
    seen: dict[tuple[str | None, str], dict[str, list[int]]] = defaultdict(dict)
    for code, canonical, spelling, row_id in rows:
        seen[(code, canonical)].setdefault(spelling, []).append(row_id)
    for (code, canonical), spellings in seen.items():
        if len(spellings) < 2:
            continue
        counts = Counter({s: len(ids) for s, ids in spellings.items()})
        reference = max(spellings, key=lambda s: (counts[s], s == canonical))
        others = [s for s in spellings if s != reference]
        variants = "；".join(
            f"“{s}”（{counts[s]}处，{describe_difference(reference, s)}）" for s in others
        )
        yield Finding(
            DEPARTMENT, WARNING,
            f"部门{code or ''}通常写作“{reference}”（{counts[reference]}处），另有写法：{variants}",
            figures={"code": code, "spellings": dict(counts)},
            row_ids=[spellings[reference][0]] + [i for s in others for i in spellings[s]],
            group=_SPELLINGS,
        )


def _department_row(session: Session, form: m.FundForm) -> int | None:
    """The row the form's 主管部门 cell is on: where ingest recorded its spelling, within the form."""
    own = [i for i in (form.seq_row_id, form.name_row_id, form.budget_row_id,
                       form.overview_row_id, form.goal_row_id) if i is not None]
    if form.department_id is None or not own:
        return form.name_row_id
    found = session.scalar(
        select(m.DepartmentName.source_row_id)
        .where(m.DepartmentName.department_id == form.department_id,
               m.DepartmentName.source_row_id.between(min(own), max(own)))
        .order_by(m.DepartmentName.source_row_id)
        .limit(1)
    )
    return found or form.name_row_id


def _form_cells(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """How each form writes its 主管部门 compared with the department of its fund."""
    owner = aliased(m.Department)
    rows = session.execute(
        select(m.FundForm, owner)
        .join(m.Fund, m.FundForm.fund_id == m.Fund.id)
        .join(owner, m.Fund.department_id == owner.id)
        .where(m.FundForm.document_id.in_(docs.all_ids))
        .order_by(m.FundForm.document_id, m.FundForm.id)
    ).all()
    for form, dept in rows:
        text = form.dept_text.strip()
        code, _ = split_department(text)
        prefix = text[: text.find(code)].strip() if code else ""
        label = f"绩效目标表{form_label(form.seq, form.name)}的主管部门“{text}”"
        if code is None and dept.code:
            problem = (INFO, f"{label}没有写部门编码（同一部门编码为{dept.code}）", _NO_CODE)
        elif prefix:
            problem = (WARNING, f"{label}在编码前多出“{prefix}”", _PREFIX)
        elif code is not None and dept.code and code != dept.code:
            problem = (WARNING, f"{label}的编码{code}与所属条目的部门编码{dept.code}不同", _OTHER_CODE)
        else:
            continue
        severity, message, group = problem
        yield Finding(
            DEPARTMENT, severity, message,
            figures={"dept_text": text, "code": dept.code, "name": dept.name},
            row_ids=[_department_row(session, form)],
            document_id=form.document_id,
            group=group,
        )


def check(session: Session, docs: DocumentSet) -> Iterator[Finding]:
    """Spellings across primary documents, then 主管部门 cells form by form."""
    yield from _spellings(session, docs)
    yield from _form_cells(session, docs)
