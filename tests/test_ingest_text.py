"""The two .txt exports: counts checked against the raw text, provenance, re-ingest, encodings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import (
    DEPT_TXT,
    FUNDS_TXT,
    assert_same,
    provenance_problems,
    records,
    snapshot,
    table_counts,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import db.store
from db import models as m
from db.originals import original_bytes
from ingest.pipeline import ADDED, REPLACED, UNCHANGED, ingest_file
from ingest.recognisers import dept_budget
from ingest.recognisers.dispatch import recognise

_TAG = re.compile(r"<[^>]+>")


def raw_lines(path: Path) -> list[str]:
    """The file's lines as an editor numbers them (the exports use \\n line ends)."""
    return path.read_text(encoding="utf-8").split("\n")


def raw_cells(line: str) -> list[str]:
    """Tab-separated cells without markup or spaces: an independent, naive reading."""
    return [re.sub(r"\s", "", _TAG.sub("", c)) for c in line.split("\t")]


def raw_catalog(path: Path) -> dict[int, tuple[str, str, str]]:
    """序号 → (name, department code, amount) from catalog lines: 序号, name, "code-dept", amount."""
    out = {}
    for line in raw_lines(path):
        cells = raw_cells(line)
        if len(cells) == 4 and cells[0].isdigit() and re.match(r"\d{3}-", cells[2]):
            out[int(cells[0])] = (cells[1], cells[2].split("-")[0], cells[3])
    return out


def raw_indicator_lines(path: Path) -> list[list[int]]:
    """Per indicator header (a line with a 指标名称 cell), the line numbers up to the next blank line."""
    groups: list[list[int]] = []
    inside = False
    for number, line in enumerate(raw_lines(path), start=1):
        if "指标名称" in raw_cells(line):
            groups.append([])
            inside = True
        elif not line.strip():
            inside = False
        elif inside:
            groups[-1].append(number)
    return groups


@pytest.fixture
def funds_store(ingested):
    return ingested(FUNDS_TXT)[0]


@pytest.fixture
def dept_store(ingested):
    return ingested(DEPT_TXT)[0]


def test_catalog_has_85_entries_as_in_the_raw_text(funds_store, samples):
    raw = raw_catalog(samples / FUNDS_TXT)
    assert sorted(raw) == list(range(1, 86))
    with Session(funds_store) as s:
        stored = {
            f.catalog_seq: (f.catalog_name, code, f.catalog_amount_text)
            for f, code in s.execute(
                select(m.Fund, m.Department.code)
                .join(m.Department, m.Fund.department_id == m.Department.id)
                .where(m.Fund.catalog_row_id.is_not(None))
            ).all()
        }
    assert stored == raw


def test_85_forms_and_two_repeat_an_already_linked_fund(funds_store, samples):
    printed = sum(1 for line in raw_lines(samples / FUNDS_TXT) if raw_cells(line)[0] == "项目名称")
    assert printed == 85
    with Session(funds_store) as s:
        assert s.scalar(select(func.count(m.FundForm.id))) == 85
        repeats = s.execute(
            select(m.FundForm.seq, m.FundForm.name).where(m.FundForm.is_repeat)
        ).all()
        assert sorted(repeats) == [(50, "交通设施建设专项"), (69, "农业农村基础设施建设专项")]
        # a repeat adds no fund: 85 catalog entries, 85 funds, each form on one of them
        assert s.scalar(select(func.count(m.Fund.id))) == 85
        assert s.scalar(select(func.count()).where(m.FundForm.fund_id.is_(None))) == 0
        # the repeated funds keep the figure of their own form, not of the repeat
        first = s.scalars(select(m.Fund).where(m.Fund.catalog_seq == 48)).one()
        assert first.table_amount_text == s.scalar(
            select(m.FundForm.budget_text).where(m.FundForm.seq == 48)
        )


@pytest.mark.parametrize("file_name", [FUNDS_TXT, DEPT_TXT])
def test_every_indicator_row_of_the_raw_text_is_stored(ingested, samples, file_name):
    engine = ingested(file_name)[0]
    groups = raw_indicator_lines(samples / file_name)
    with Session(engine) as s:
        rows = s.execute(
            select(m.FundForm.id, m.SourceRow.line)
            .join(m.Indicator, m.Indicator.form_id == m.FundForm.id)
            .join(m.SourceRow, m.Indicator.source_row_id == m.SourceRow.id)
        ).all()
    per_form: dict[int, list[int]] = {}
    for form_id, line in rows:
        per_form.setdefault(form_id, []).append(line)
    stored = sorted(sorted(lines) for lines in per_form.values())
    assert sum(map(len, groups)) == len(rows)
    # same rows, grouped under the same forms (the empty 表十五 form has no rows and no form)
    assert stored == sorted(g for g in groups if g)


def test_department_document_has_all_16_standard_tables(dept_store, samples, cached_reads):
    doc = recognise(cached_reads(samples / DEPT_TXT), DEPT_TXT)
    standard = [name for _, name, _ in sorted(dept_budget.STANDARD_TABLES, key=lambda t: t[0])]
    assert doc.kind == "dept_budget"
    assert doc.tables_found == standard
    with Session(dept_store) as s:
        tables = set(s.scalars(select(m.BudgetLine.table_no).distinct()))
        forms = sorted(s.execute(select(m.FundForm.program, m.FundForm.name)).all())
    # 表十二 (国有资本经营) and 表十三 (政府采购) print no amounts: "本表无数据"
    assert tables == set(range(1, 12))
    # 表十四 整体; 表十五 is empty ("本部门无一级重点项目"); 表十六 holds two project forms
    assert forms == [
        ("部门整体", "重庆市万盛经济技术开发区管理委员会办公室"),
        ("部门项目", "政务业务专项"),
        ("部门项目", "政务信息建设"),
    ]


@pytest.mark.parametrize("file_name", [FUNDS_TXT, DEPT_TXT])
def test_every_fact_links_to_the_source_line_it_was_read_from(ingested, samples, file_name):
    engine, result = ingested(file_name)
    assert result.status == ADDED, result.describe()
    assert provenance_problems(engine) == []
    lines = raw_lines(samples / file_name)
    with Session(engine) as s:
        rows = s.execute(
            select(m.Document.file_name, m.Document.fmt, m.SourceRow.line, m.SourceRow.text)
            .join(m.Document, m.SourceRow.document_id == m.Document.id)
        ).all()
    assert rows
    for name, fmt, line, text in rows:
        assert (name, fmt) == (file_name, "txt")
        assert line is not None and lines[line - 1] == text


def test_line_numbers_count_newlines_as_editors_do(store, tmp_path):
    """Windows line ends and a page break (form feed) from an export must not shift line numbers."""
    lines = ["关于报送需求的通知", "", "请各科室按时报送。", "\f第二页：逾期按上季度数量安排。",
             "品名\t数量", "大米\t20"]
    path = tmp_path / "通知.txt"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    engine = store()
    assert ingest_file(engine, path).status == ADDED
    with Session(engine) as s:
        stored = dict(s.execute(select(m.SourceRow.line, m.SourceRow.text)).all())
    assert stored == {n: text for n, text in enumerate(lines, start=1) if text.strip()}


def test_ingesting_the_same_file_twice_changes_nothing(store, samples):
    engine = store()
    assert ingest_file(engine, samples / DEPT_TXT).status == ADDED
    before = snapshot(engine)
    again = ingest_file(engine, samples / DEPT_TXT)
    assert again.status == UNCHANGED
    assert again.kind == "dept_budget"
    assert snapshot(engine) == before


def _stored_catalog_amounts(engine) -> dict[int, str]:
    with Session(engine) as s:
        return dict(
            s.execute(select(m.Fund.catalog_seq, m.Fund.catalog_amount_text)
                      .where(m.Fund.catalog_seq.is_not(None))).all()
        )


def _edit_first_catalog_amount(path: Path, new: str) -> str:
    """Change 序号 1's catalog amount in a copy; returns the old amount text."""
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith("1\t"))
    cells = lines[i].split("\t")
    old, cells[-1] = cells[-1], new
    lines[i] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return old


def test_a_changed_file_replaces_the_earlier_version(store, samples, tmp_path):
    engine = store()
    copy = tmp_path / FUNDS_TXT
    shutil.copy(samples / FUNDS_TXT, copy)
    assert ingest_file(engine, copy).status == ADDED
    counts = table_counts(engine)
    old = _edit_first_catalog_amount(copy, "9,876.5")
    result = ingest_file(engine, copy)
    assert result.status == REPLACED
    amounts = _stored_catalog_amounts(engine)
    assert amounts[1] == "9,876.5" and old != "9,876.5"
    with Session(engine) as s:
        assert s.scalar(select(func.count(m.Document.id))) == 1
        texts = s.scalars(select(m.SourceRow.text).where(m.SourceRow.text.like("1\t%"))).all()
    assert texts == ["1\t社区组织经费保障\t101-重庆市綦江区人民政府万盛街道办事处\t9,876.5"]
    # the earlier version's bytes and history entry stay (for restoring it); everything else is replaced
    after = table_counts(engine)
    assert after.pop("stored_files") == counts.pop("stored_files") + 1
    assert after.pop("document_versions") == counts.pop("document_versions") + 1
    assert after == counts
    with Session(engine) as s:
        statuses = s.execute(select(m.DocumentVersion.status, m.DocumentVersion.sha256)
                             .order_by(m.DocumentVersion.id)).all()
        current = s.scalar(select(m.Document.sha256))
    assert [status for status, _ in statuses] == ["superseded", "current"]
    assert statuses[1][1] == current != statuses[0][1]


def test_a_failed_replacement_leaves_the_earlier_version_intact(store, samples, tmp_path,
                                                                  monkeypatch):
    engine = store()
    copy = tmp_path / FUNDS_TXT
    shutil.copy(samples / FUNDS_TXT, copy)
    ingest_file(engine, copy)
    before = snapshot(engine)
    _edit_first_catalog_amount(copy, "9,876.5")
    deleted = []
    real_delete = db.store.delete_document

    def spy_delete(session, doc):
        real_delete(session, doc)
        deleted.append(doc.file_name)

    def broken_funds(self, doc):
        raise ValueError("simulated failure after the old version was deleted")

    monkeypatch.setattr("ingest.pipeline.delete_document", spy_delete)
    monkeypatch.setattr(db.store._Writer, "funds", broken_funds)
    result = ingest_file(engine, copy)
    assert deleted == [FUNDS_TXT], "the failure must come after the old version was deleted"
    assert result.failed
    assert FUNDS_TXT in result.describe() and "simulated failure" in result.describe()
    assert snapshot(engine) == before
    assert _stored_catalog_amounts(engine)[1] == "502.0"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@pytest.mark.parametrize("file_name", [FUNDS_TXT, DEPT_TXT])
def test_bom_and_gb18030_exports_give_the_same_records(ingested, store, samples, tmp_path,
                                                       encoding, file_name):
    text = (samples / file_name).read_text(encoding="utf-8")
    copy = tmp_path / file_name
    copy.write_bytes(text.encode(encoding))
    assert copy.read_bytes() != (samples / file_name).read_bytes()
    engine = store()
    assert ingest_file(engine, copy).status == ADDED
    want = records(ingested(file_name)[0])
    got = records(engine)
    for kind in want:
        assert_same(got[kind], want[kind], kind)
    assert table_counts(engine) == table_counts(ingested(file_name)[0])
    with Session(engine) as s:
        rows = s.execute(select(m.SourceRow.line, m.SourceRow.text)).all()
    lines = text.split("\n")
    assert all(lines[line - 1] == row_text for line, row_text in rows)


def test_the_original_bytes_are_kept_for_the_source_viewer(store, samples) -> None:
    engine = store()
    path = samples / DEPT_TXT
    assert ingest_file(engine, path).status == "新增"
    with Session(engine) as session:
        doc_id = session.scalar(select(m.Document.id))
        assert original_bytes(session, doc_id) == ("txt", path.read_bytes())
        assert original_bytes(session, doc_id + 1) is None
