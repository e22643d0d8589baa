"""Document identity and versions: a file is not its bare name; a replaced version stays restorable.

Identity is the path relative to the folder ingested (see ``ingest.sources``);
replacement happens only under the same identity, in one transaction, and the
earlier version's bytes and history entry stay, so ``restore`` can bring it back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DEPT_TXT, assert_same, records, snapshot, table_counts
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from db import models as m
from db.citations import cite
from ingest.pipeline import ADDED, FAILED, REPLACED, UNCHANGED, ingest_file, ingest_paths, remove_file
from ingest.readers.errors import ReaderError
from ingest.sources import Source, identity_of
from ingest.versions import RESTORED, VersionError, history, preview, resolve, restore, restore_preview

MEMO = "关于会议室使用的通知\n\n即日起预约会议室请提前一天登记。\n"
MEMO_B = "关于车辆使用的通知\n\n公务用车须提前两天申请。\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _identities(engine) -> dict[str, str]:
    with Session(engine) as s:
        return dict(s.execute(select(m.Document.identity, m.Document.file_name)).all())


def _edit(path: Path, old: str, new: str, line: int | None = None) -> None:
    """Replace text in a copy of a sample (only on the given 1-based line, when one is given)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, text in enumerate(lines):
        if line is None or i == line - 1:
            lines[i] = text.replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def dept(samples, tmp_path) -> Path:
    """A copy of the department budget export to edit."""
    path = tmp_path / "in" / DEPT_TXT
    path.parent.mkdir()
    shutil.copy(samples / DEPT_TXT, path)
    return path


def test_files_named_alike_in_two_folders_are_two_documents(store, tmp_path):
    """Keyed by bare name, b/报告.txt used to replace a/报告.txt (新增, then 已替换)."""
    folder = tmp_path / "资料"
    _write(folder / "a" / "报告.txt", MEMO)
    _write(folder / "b" / "报告.txt", MEMO_B)
    engine = store()
    results = ingest_paths(engine, [folder])
    assert [(r.identity, r.status) for r in results] == [("a/报告.txt", ADDED), ("b/报告.txt", ADDED)]
    assert _identities(engine) == {"a/报告.txt": "报告.txt", "b/报告.txt": "报告.txt"}
    with Session(engine) as s:
        rows = s.scalars(select(m.SourceRow.id).order_by(m.SourceRow.id)).all()
        # citations keep the base name: it is what readers and the scoring tools match on
        assert {c.source for c in cite(s, rows)} == {"报告.txt"}
    # a change to one replaces that one only
    before_a = snapshot(engine)["source_rows"][:2]
    _write(folder / "b" / "报告.txt", MEMO_B.replace("两天", "三天"))
    results = ingest_paths(engine, [folder])
    assert [(r.identity, r.status) for r in results] == [("a/报告.txt", UNCHANGED), ("b/报告.txt", REPLACED)]
    assert snapshot(engine)["source_rows"][:2] == before_a
    assert len(_identities(engine)) == 2


def test_the_identity_rule(tmp_path, monkeypatch):
    folder = tmp_path / "资料"
    assert identity_of(folder / "2024" / "卫健局.txt", folder) == "2024/卫健局.txt"
    monkeypatch.chdir(tmp_path)
    assert identity_of(Path("./资料/x/../2024/卫健局.txt")) == "资料/2024/卫健局.txt"
    assert identity_of(tmp_path / "资料" / "卫健局.txt") == "资料/卫健局.txt"
    # outside the current folder (an upload in a temporary folder): the name
    monkeypatch.chdir(folder.parent.parent)
    assert identity_of(tmp_path.parent / "other" / "卫健局.txt") == "other/卫健局.txt"
    monkeypatch.chdir(folder.parent)
    assert identity_of(Path("../elsewhere/卫健局.txt")) == "卫健局.txt"


def test_a_replaced_version_stays_in_the_history_with_its_bytes(store, dept, monkeypatch):
    engine = store()
    monkeypatch.setenv("BUDGETQA_USER", "张三")
    first = ingest_file(engine, dept, identity="办公室.txt")
    _edit(dept, "44.8万元", "54.8万元", line=71)
    second = ingest_file(engine, dept, identity="办公室.txt", who="李四")
    assert (first.status, second.status) == (ADDED, REPLACED)
    versions = history(engine, "办公室.txt")
    assert [(v.status, v.status_name, v.ingested_by) for v in versions] == [
        ("current", "当前", "李四"), ("superseded", "已被替换", "张三")]
    assert all(v.restorable and v.file_name == DEPT_TXT and v.identity == "办公室.txt" for v in versions)
    with Session(engine) as s:
        assert s.scalar(select(m.Document.sha256)) == versions[0].sha256
        assert set(s.scalars(select(m.StoredFile.sha256))) == {v.sha256 for v in versions}
    assert history(engine, "别的.txt") == []


def test_preview_says_what_would_change_and_writes_nothing(store, dept):
    engine = store()
    ingest_file(engine, dept, identity="办公室.txt")
    before = snapshot(engine)
    same = preview(engine, dept, "办公室.txt")
    assert same.unchanged and not same.replaces and not same.changes
    assert "完全相同" in same.describe()
    _edit(dept, "44.8万元", "54.8万元", line=71)
    _edit(dept, "676.22", "686.22", line=182)
    found = preview(engine, dept, "办公室.txt")
    assert snapshot(engine) == before
    assert found.replaces and found.current is not None and found.current.status == "current"
    assert found.counts["预算行"] == (349, 349) and found.counts["原文行"][0] == found.counts["原文行"][1]
    kinds = {(c.kind, c.old, c.new) for c in found.changes}
    assert ("预算行", "676.22", "686.22") in kinds
    assert any(c.kind == "叙述数字" and "44.8" in c.old and "54.8" in c.new for c in found.changes)
    assert {c.kind for c in found.changes} == {"预算行", "叙述数字"}
    assert all(c.old != c.new for c in found.changes)
    line = next(c for c in found.changes if c.kind == "预算行")
    assert "2010301" in line.name and "行政运行" in line.name and "2024年" in line.name
    text = found.describe()
    assert text.startswith("办公室.txt：将替换当前版本") and "676.22 → 686.22" in text
    # a document the store does not have yet
    fresh = preview(engine, dept, "另一个.txt")
    assert fresh.current is None and not fresh.replaces and fresh.counts["预算行"] == (0, 349)
    assert snapshot(engine) == before


def test_preview_refuses_what_ingest_refuses(store, tmp_path):
    with pytest.raises(ReaderError, match="文件为空"):
        preview(store(), _write(tmp_path / "空.txt", "\n"), "空.txt")


def test_restore_brings_an_earlier_version_back(store, dept):
    engine = store()
    ingest_file(engine, dept, identity="办公室.txt", who="张三")
    original = records(engine)
    _edit(dept, "44.8万元", "54.8万元", line=71)
    ingest_file(engine, dept, identity="办公室.txt", who="李四")
    old = history(engine, "办公室.txt")[1]
    dept.unlink()  # the bytes come from the store, not from the disk
    result = restore(engine, "办公室.txt", old.sha256[:8], who="王五")
    assert (result.status, result.identity) == (RESTORED, "办公室.txt"), result.describe()
    got = records(engine)
    for kind in original:
        assert_same(got[kind], original[kind], kind)
    versions = history(engine, "办公室.txt")
    now = versions[0]
    assert (now.status, now.ingested_by, now.sha256) == ("current", "王五", old.sha256)
    assert [v.status for v in versions] == ["current", "superseded", "superseded"]
    assert restore(engine, "办公室.txt", old.sha256).status == UNCHANGED
    with pytest.raises(VersionError, match="没有哈希以“ffff”开头的版本"):
        restore(engine, "办公室.txt", "ffff")


def test_restore_preview_says_what_going_back_changes_and_writes_nothing(store, dept):
    engine = store()
    ingest_file(engine, dept, identity="办公室.txt")
    _edit(dept, "44.8万元", "54.8万元", line=71)
    ingest_file(engine, dept, identity="办公室.txt")
    current, old = history(engine, "办公室.txt")
    before = snapshot(engine)
    found = restore_preview(engine, "办公室.txt", old.sha256[:8])
    assert snapshot(engine) == before
    assert found.replaces and found.current == current
    assert (found.sha256, found.file_name) == (old.sha256, DEPT_TXT)
    assert [(c.kind, "54.8" in c.old, "44.8" in c.new) for c in found.changes] == [("叙述数字", True, True)]
    assert restore_preview(engine, "办公室.txt", current.sha256).unchanged
    with pytest.raises(VersionError, match="没有哈希以“ffff”开头的版本"):
        restore_preview(engine, "办公室.txt", "ffff")
    with Session(engine) as s, s.begin():
        s.query(m.StoredFile).delete()
    with pytest.raises(VersionError, match="没有保存原文件"):
        restore_preview(engine, "办公室.txt", old.sha256)


def test_a_removed_document_stays_listed_and_can_come_back(store, tmp_path):
    engine = store()
    memo = _write(tmp_path / "通知.txt", MEMO)
    ingest_file(engine, memo)
    assert remove_file(engine, "通知.txt")
    assert table_counts(engine)["documents"] == 0
    (version,) = history(engine, "通知.txt")
    assert version.status == "removed"
    assert restore(engine, "通知.txt", version.sha256).status == RESTORED
    assert [v.status for v in history(engine, "通知.txt")] == ["current", "removed"]


def test_a_version_kept_without_its_bytes_cannot_be_restored(store, tmp_path):
    """Stores from before original bytes were kept list their versions but cannot restore them."""
    engine = store()
    ingest_file(engine, _write(tmp_path / "通知.txt", MEMO))
    with Session(engine) as s, s.begin():
        s.query(m.StoredFile).delete()
    (version,) = history(engine, "通知.txt")
    assert not version.restorable
    result = restore(engine, "通知.txt", version.sha256)
    assert result.status == FAILED and "没有保存原文件" in result.message


def test_a_caller_can_name_the_identity_and_the_operator(store, tmp_path):
    """The page ingests an upload from a temporary folder under the name the user gave it."""
    engine = store()
    upload = _write(tmp_path / "gradio" / "a1b2" / "通知.txt", MEMO)
    (result,) = ingest_paths(engine, [Source(upload, "通知.txt")], who="页面用户")
    assert (result.identity, result.status) == ("通知.txt", ADDED)
    assert [(v.identity, v.ingested_by) for v in history(engine, "通知.txt")] == [("通知.txt", "页面用户")]


def test_resolve_finds_the_identity_a_user_means(store, tmp_path, monkeypatch):
    engine = store()
    folder = tmp_path / "资料"
    _write(folder / "a" / "报告.txt", MEMO)
    _write(folder / "b" / "报告.txt", MEMO_B)
    ingest_paths(engine, [folder])
    monkeypatch.chdir(tmp_path)
    assert resolve(engine, "a/报告.txt") == "a/报告.txt"
    assert resolve(engine, "资料/b/报告.txt") == "b/报告.txt"
    with pytest.raises(VersionError, match=r"a/报告\.txt、b/报告\.txt"):
        resolve(engine, "报告.txt")


def test_citations_say_which_version_they_come_from(store, tmp_path):
    engine = store()
    memo = _write(tmp_path / "通知.txt", MEMO)
    ingest_file(engine, memo)
    with Session(engine) as s:
        doc = s.scalars(select(m.Document)).one()
        (first, *_) = cite(s, s.scalars(select(m.SourceRow.id)).all())
    assert first.version == doc.sha256
    assert first.ingested_at == doc.ingested_at.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert first.to_json()["ingested_at"] == first.ingested_at


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """The command line's default store (and index) in a temporary folder."""
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BUDGETQA_USER", "张三")
    for name in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def test_versions_and_restore_commands(home, tmp_path, capsys):
    folder = tmp_path / "资料"
    memo = _write(folder / "a" / "通知.txt", MEMO)
    assert cli.main(["ingest", str(folder)]) == 0
    _write(memo, MEMO.replace("一天", "两天"))
    assert cli.main(["ingest", str(folder)]) == 0
    capsys.readouterr()
    assert cli.main(["versions"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("a/通知.txt（2 个版本）")
    lines = out.splitlines()[1:]
    assert lines[0].split()[0] == "当前" and lines[1].split()[0] == "已被替换"
    assert all("张三" in line and "通知.txt" in line for line in lines)
    old = lines[1].split()[1]
    assert cli.main(["restore", str(memo), old]) == 0
    assert capsys.readouterr().out.strip().startswith("a/通知.txt：已恢复")
    assert memo.read_text(encoding="utf-8") != MEMO, "restoring does not touch the file on disk"
    with Session(cli.make_engine()) as s:
        assert "一天" in "".join(s.scalars(select(m.SourceRow.text)))
    assert cli.main(["restore", "a/通知.txt", "0000"]) == 1
    assert "没有哈希以“0000”开头的版本" in capsys.readouterr().err
    assert cli.main(["versions", "没有.txt"]) == 1
    assert "库中没有这个文档的版本记录" in capsys.readouterr().err
