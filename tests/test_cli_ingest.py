"""``budgetqa ingest`` exit status and messages, ``budgetqa stats --json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEPT_TXT
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cli
from db import models as m
from db.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
MEMO = "通知.txt"
PER_DOCUMENT = {
    "source_rows": m.SourceRow,
    "funds": m.Fund,
    "fund_forms": m.FundForm,
    "budget_lines": m.BudgetLine,
    "stated_facts": m.StatedFact,
    "anomalies": m.Anomaly,
}


_MEMO = "关于会议室使用的通知\n\n即日起预约会议室请提前一天登记。\n"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """BUDGETQA_HOME in a temporary folder, so the CLI's default store (and index) is a fresh one."""
    path = tmp_path / "home"
    monkeypatch.setenv("BUDGETQA_HOME", str(path))
    for name in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def folder(samples, tmp_path) -> Path:
    """The department budget export and a short memo in a folder of their own."""
    path = tmp_path / "in"
    path.mkdir()
    shutil.copy(samples / DEPT_TXT, path / DEPT_TXT)
    (path / MEMO).write_text(_MEMO, encoding="utf-8")
    return path


def documents(home: Path) -> list[str]:
    with Session(make_engine(f"sqlite:///{home / 'budget.db'}")) as s:
        return sorted(s.scalars(select(m.Document.file_name)))


def test_exit_status_is_0_when_every_file_goes_in(home, folder, capsys):
    assert cli.main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{DEPT_TXT}：新增（部门预算）" in out
    assert f"{MEMO}：新增（未识别（通用行））" in out
    assert "共 2 个文件，失败 0 个。" in out
    assert documents(home) == sorted([DEPT_TXT, MEMO])
    # the same run again: nothing new, still success
    assert cli.main(["ingest", str(folder)]) == 0
    assert capsys.readouterr().out.count("：未变化") == 2


def test_unsupported_file_in_a_folder_is_skipped_not_failed(home, folder, capsys):
    (folder / "附件.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert cli.main(["ingest", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "附件.doc：跳过。不支持的文件类型" in captured.out
    assert "共 3 个文件，失败 0 个。" in captured.out
    assert documents(home) == sorted([DEPT_TXT, MEMO])


def test_exit_status_is_1_when_a_file_fails_and_the_others_still_go_in(home, folder, tmp_path):
    (tmp_path / "空.txt").write_bytes(b"")
    env = dict(os.environ)  # as set by the home fixture
    done = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", str(tmp_path / "空.txt"), str(folder / MEMO),
         str(tmp_path / "缺失.pdf")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "空.txt：失败。文件为空" in done.stderr
    assert "缺失.pdf：失败。文件不存在" in done.stderr
    assert f"{MEMO}：新增" in done.stdout
    assert "共 3 个文件，失败 2 个。" in done.stdout
    assert documents(home) == [MEMO]


def test_stats_json_gives_rows_per_table_and_per_document(home, folder, capsys):
    cli.main(["ingest", str(folder)])
    capsys.readouterr()
    assert cli.main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    engine = make_engine()
    with Session(engine) as s:
        assert data["tables"] == {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in m.Base.metadata.sorted_tables
        }
        assert data["tables"]["documents"] == 2
        by_name = {d["file_name"]: d for d in data["documents"]}
        assert set(by_name) == {DEPT_TXT, MEMO}
        for doc in s.scalars(select(m.Document)):
            entry = by_name[doc.file_name]
            assert (entry["format"], entry["kind"], entry["rendition_of"]) == (
                "txt", doc.kind, None)
            for name, model in PER_DOCUMENT.items():
                want = s.scalar(select(func.count()).select_from(model)
                                .where(model.document_id == doc.id))
                assert entry["counts"][name] == want, (doc.file_name, name)
    # per-document counts add up to the table totals
    for name in [*PER_DOCUMENT, "indicators"]:
        assert sum(d["counts"][name] for d in data["documents"]) == data["tables"][name], name
    assert by_name[DEPT_TXT]["counts"]["budget_lines"] > 0
    assert by_name[MEMO]["kind"] == "generic" and by_name[MEMO]["counts"]["source_rows"] == 2


def test_file_names_cannot_drive_the_terminal(home, tmp_path, capsys):
    """Escape codes and control characters in a file name are printed escaped, never acted on;
    a name in GBK bytes (unpacked from a Chinese Windows archive) is read as GBK."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "红\x1b[31m字\r.txt").write_text(_MEMO, encoding="utf-8")
    with open(os.fsencode(folder) + b"/" + "报告".encode("gbk") + b".txt", "wb") as f:
        f.write(_MEMO.replace("一天", "两天").encode())
    assert cli.main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert "红\\x1b[31m字\\r.txt：新增" in out
    assert "报告.txt：新增" in out
    assert documents(home) == sorted(["红\x1b[31m字\r.txt", "报告.txt"])
    assert cli.main(["stats"]) == 0  # the store's listing prints the stored name escaped too
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "红\\x1b[31m字\\r.txt" in out
