"""Bad files: each fails alone with a Chinese reason naming it, leaves nothing behind, stops nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DEPT_TXT, snapshot, table_counts
from sqlalchemy import select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

import db.store
from db import models as m
from db.citations import cite
from ingest.pipeline import ADDED, FAILED, SKIPPED, FileResult, ingest_paths

_MEMO = (
    "关于调整食堂采购安排的备忘录\n"
    "\n"
    "请各科室于3月15日前报送下季度需求，逾期按上季度数量安排。\n"
    "\n"
    "品名\t数量\t单价（元）\n"
    "大米\t20\t5.5\n"
    "食用油\t8\t62.0\n"
)


@pytest.fixture
def good(samples, tmp_path) -> Path:
    """A valid file to ingest in the same run as the bad one."""
    path = tmp_path / "good" / DEPT_TXT
    path.parent.mkdir()
    shutil.copy(samples / DEPT_TXT, path)
    return path


def fails_alone(store, bad: Path, good: Path, reason: str) -> FileResult:
    """Ingest ``bad`` between two good files in one run: only it fails, and it leaves no trace."""
    engine = store()
    other = good.with_name("copy_" + good.name)
    shutil.copy(good, other)
    ingest_paths(engine, [good])
    before = snapshot(engine)
    results = ingest_paths(engine, [bad])
    assert [r.status for r in results] == [FAILED]
    assert snapshot(engine) == before, "a failed file must leave nothing in the store"
    docs = table_counts(engine)["documents"]
    results = ingest_paths(engine, [bad, other])
    assert [r.status for r in results] == [FAILED, ADDED]
    assert table_counts(engine)["documents"] == docs + 1
    text = results[0].describe()
    assert text.startswith(f"{bad.name}：失败"), text
    assert reason in text, text
    assert "Traceback" not in text
    return results[0]


def test_empty_file(store, good, tmp_path):
    bad = tmp_path / "空白.txt"
    bad.write_bytes(b"")
    fails_alone(store, bad, good, "文件为空")


def test_blank_text_file(store, good, tmp_path):
    bad = tmp_path / "空行.txt"
    bad.write_text("\n  \n\t\n", encoding="utf-8")
    fails_alone(store, bad, good, "文件为空")


def test_binary_file_named_pdf(store, good, tmp_path):
    bad = tmp_path / "预算.pdf"
    bad.write_bytes(bytes(range(256)) * 64)
    fails_alone(store, bad, good, "不是有效的 PDF 文件")


def test_truncated_xlsx(store, good, samples, tmp_path):
    bad = tmp_path / "截断.xlsx"
    bad.write_bytes((samples / "wansheng_2024_admin_office_dept_budget.xlsx").read_bytes()[:3000])
    fails_alone(store, bad, good, "Excel 文件已损坏或不完整")


@pytest.mark.parametrize("suffix", [".csv", ".doc"])
def test_unsupported_extension(store, good, tmp_path, suffix):
    bad = tmp_path / f"预算{suffix}"
    bad.write_text("科目,金额\n办公费,23.10\n", encoding="utf-8")
    fails_alone(store, bad, good, f"不支持的文件类型“{suffix}”")


def test_missing_file(store, good, tmp_path):
    fails_alone(store, tmp_path / "不存在.txt", good, "文件不存在")


def test_unsupported_file_inside_a_folder_is_skipped(store, good):
    (good.parent / "说明.csv").write_text("a,b\n", encoding="utf-8")
    results = ingest_paths(store(), [good.parent])
    assert {r.path.name: r.status for r in results} == {DEPT_TXT: ADDED, "说明.csv": SKIPPED}
    assert not any(r.failed for r in results)


def test_folder_given_by_a_relative_path_through_its_parent(store, good, monkeypatch):
    """"../shared/data" starts with a dot; only hidden entries below the folder are skipped."""
    (good.parent / ".草稿.txt").write_text("不导入", encoding="utf-8")
    inner = good.parent / "sub"
    inner.mkdir()
    monkeypatch.chdir(inner)
    results = ingest_paths(store(), [Path("..")])
    assert {r.path.name: r.status for r in results} == {DEPT_TXT: ADDED}


def test_unknown_layout_lands_as_generic_rows_that_can_be_cited(store, tmp_path):
    memo = tmp_path / "备忘录.txt"
    memo.write_text(_MEMO, encoding="utf-8")
    engine = store()
    (result,) = ingest_paths(engine, [memo])
    assert (result.status, result.kind) == (ADDED, "generic")
    assert "未识别" in result.describe()
    counts = table_counts(engine)
    assert counts["documents"] == 1
    assert counts["funds"] == counts["budget_lines"] == counts["stated_facts"] == 0
    lines = _MEMO.splitlines()
    with Session(engine) as s:
        doc = s.scalars(select(m.Document)).one()
        assert (doc.kind, doc.title) == ("generic", "关于调整食堂采购安排的备忘录")
        ids = s.scalars(select(m.SourceRow.id).order_by(m.SourceRow.ordinal)).all()
        citations = cite(s, ids)
    assert len(citations) == sum(1 for line in lines if line.strip()) == 5
    for c in citations:
        assert c.source == "备忘录.txt"
        assert c.text == lines[c.line - 1]
    assert citations[-1].text == "食用油\t8\t62.0"


def test_a_database_error_fails_only_that_file(store, good, monkeypatch):
    """A store error (e.g. PostgreSQL rejecting a value) is one file's failure, not the run's."""
    bad = good.with_name("first_" + good.name)
    shutil.copy(good, bad)
    real = db.store._Writer.lines_and_facts

    def flaky(self, doc, dept_id):
        if self.document.file_name == bad.name:
            raise DataError("INSERT INTO budget_lines …", {}, Exception("value too long"))
        return real(self, doc, dept_id)

    monkeypatch.setattr(db.store._Writer, "lines_and_facts", flaky)
    result = fails_alone(store, bad, good, "写入数据库失败")
    assert "value too long" in result.message and "INSERT" not in result.message
