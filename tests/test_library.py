"""A library of several years and departments side by side: nothing collides, everything has its year.

The documents are the samples with their years moved (2024 → 2023 or 2025,
the base years with them) or their department changed, as the office's real
library holds the 重点专项 compilation of each year and each department's
部门预算 of each year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from db import models as m
from db.engine import make_engine
from ingest.pipeline import ADDED, REPLACED, UNCHANGED, ingest_file, ingest_paths

_YEAR = re.compile(r"(?<!\d)20(2[2-5])(?!\d)")
OFFICE = "重庆市万盛经济技术开发区管理委员会办公室"
FINANCE = "重庆市万盛经济技术开发区财政局"


def _shift_years(text: str, by: int) -> str:
    return _YEAR.sub(lambda y: str(int(y.group(0)) + by), text)


def _other_department(text: str) -> str:
    return text.replace(OFFICE, FINANCE).replace("202-", "205-")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """资料/<year>/<document>.txt for two compilations and three department budgets."""
    folder = tmp_path_factory.mktemp("library") / "资料"
    funds = (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8")
    dept = (SAMPLES / DEPT_TXT).read_text(encoding="utf-8")
    files = {
        "2023/重点专项.txt": _shift_years(funds, -1),
        "2024/重点专项.txt": funds,
        "2024/办公室.txt": dept,
        "2025/办公室.txt": _shift_years(dept, +1),
        "2024/财政局.txt": _other_department(dept),
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def engine(library, tmp_path_factory) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('store')}/t.db")
    results = ingest_paths(engine, [library])
    assert [(r.identity, r.status) for r in results] == [
        ("2023/重点专项.txt", ADDED), ("2024/办公室.txt", ADDED), ("2024/财政局.txt", ADDED),
        ("2024/重点专项.txt", ADDED), ("2025/办公室.txt", ADDED)], [r.describe() for r in results]
    return engine


def test_every_document_answers_for_itself(engine):
    """No two documents share a content key, so none is taken for a rendition of another."""
    with Session(engine) as s:
        docs = s.execute(select(m.Document.identity, m.Document.kind, m.Document.year,
                                m.Document.rendition_of_id)).all()
    assert sorted((i, k, y) for i, k, y, _ in docs) == [
        ("2023/重点专项.txt", "special_funds", 2023), ("2024/办公室.txt", "dept_budget", 2024),
        ("2024/财政局.txt", "dept_budget", 2024), ("2024/重点专项.txt", "special_funds", 2024),
        ("2025/办公室.txt", "dept_budget", 2025)]
    assert all(r is None for *_, r in docs)


def test_departments_are_shared_across_years_and_not_duplicated(engine):
    with Session(engine) as s:
        codes = s.execute(select(m.Department.code, func.count()).group_by(m.Department.code)).all()
        by_doc = dict(s.execute(select(m.Document.identity, m.Department.name)
                                .join(m.Department, m.Document.department_id == m.Department.id)).all())
        office = s.scalars(select(m.Document.department_id).where(
            m.Document.identity.in_(["2024/办公室.txt", "2025/办公室.txt"]))).all()
    assert all(n == 1 for code, n in codes if code), codes
    assert by_doc == {"2024/办公室.txt": OFFICE, "2025/办公室.txt": OFFICE, "2024/财政局.txt": FINANCE}
    assert len(set(office)) == 1


def test_every_fund_line_and_fact_carries_its_year(engine):
    with Session(engine) as s:
        year = dict(s.execute(select(m.Document.id, m.Document.year)).all())
        funds = s.execute(select(m.Fund.document_id, m.Fund.year, func.count())
                          .group_by(m.Fund.document_id, m.Fund.year)).all()
        lines = s.execute(select(m.BudgetLine.document_id, m.BudgetLine.year).distinct()).all()
        facts = s.execute(select(m.StatedFact.document_id, m.StatedFact.year)).all()
        catalog = dict(s.execute(select(m.Fund.year, func.count()).where(m.Fund.catalog_row_id.is_not(None))
                                 .group_by(m.Fund.year)).all())
    assert all(y == year[d] for d, y, _ in funds)
    assert catalog == {2023: 85, 2024: 85}
    # a department's tables give this year's budget beside last year's
    assert {(year[d], y) for d, y in lines} == {(2024, 2024), (2024, 2023), (2025, 2025), (2025, 2024)}
    assert facts and all(y in (year[d], year[d] - 1) for d, y in facts)


def test_a_changed_department_budget_replaces_only_itself_in_one_transaction(engine, library):
    path = library / "2024" / "财政局.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("1,952.98", "1,962.98"), encoding="utf-8")
    others = {}
    with Session(engine) as s:
        for identity, doc_id in s.execute(select(m.Document.identity, m.Document.id)):
            others[identity] = s.scalar(select(func.count()).select_from(m.BudgetLine)
                                        .where(m.BudgetLine.document_id == doc_id))
    commits = []

    def committed(_connection) -> None:
        commits.append(1)

    event.listen(engine, "commit", committed)
    results = ingest_paths(engine, [library])
    event.remove(engine, "commit", committed)
    assert {r.identity: r.status for r in results} == {
        "2023/重点专项.txt": UNCHANGED, "2024/办公室.txt": UNCHANGED, "2024/财政局.txt": REPLACED,
        "2024/重点专项.txt": UNCHANGED, "2025/办公室.txt": UNCHANGED}
    assert len(commits) == 1, "the old version goes and the new one comes in one transaction"
    with Session(engine) as s:
        texts = s.scalars(select(m.BudgetLine.amount_text).join(m.Document)
                          .where(m.Document.identity == "2024/财政局.txt")).all()
        counts = {i: s.scalar(select(func.count()).select_from(m.BudgetLine).join(m.Document)
                              .where(m.Document.identity == i)) for i in others}
    assert "1,962.98" in texts and "1,952.98" not in texts
    assert counts == others
    assert ingest_file(engine, path, identity="2024/财政局.txt").status == UNCHANGED
