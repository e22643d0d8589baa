"""Ingest stays bounded: no file exhausts memory or hangs the run, and a killed run leaves no trace.

Each probe that once broke ingest is rebuilt here in tmp_path and ingested in
a subprocess between nothing and a good file, measuring the subprocess's peak
memory: the probe must be refused with a Chinese message naming the limit and
the setting that raises it, and the good file after it must still go in.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from big_files import long_text, number_cells, shared_strings_bomb
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES, assert_same, records, snapshot, table_counts
from sqlalchemy import text

from db.engine import make_engine
from ingest.pipeline import ADDED, FAILED, REPLACED, ingest_file, ingest_paths

ROOT = Path(__file__).resolve().parent.parent
MEMORY_MB = 400  # a bounded run: the interpreter, its libraries and one sample document fit well under it

# The peak is the process's own high-water mark (VmHWM).  getrusage's ru_maxrss would do on
# most systems, but Linux carries the parent's peak into a child across fork and exec, so a
# child of a large test process would report the test process's size instead of its own.
_INGEST = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from db.engine import make_engine
    from ingest.pipeline import ingest_paths
    results = ingest_paths(make_engine(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"results": [[r.path.name, r.status, r.message] for r in results], "peak_mb": peak}))
""")


def ingest_in_subprocess(store: Path, *paths: Path) -> tuple[list[list[str]], float]:
    """``ingest_paths`` in a fresh interpreter: (name, status, message) per file, and the peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", _INGEST, f"sqlite:///{store}", *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["results"], out["peak_mb"]


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good" / DEPT_TXT
    path.parent.mkdir()
    shutil.copy(SAMPLES / DEPT_TXT, path)
    return path


def refused_then_good(tmp_path: Path, probe: Path, good: Path, setting: str) -> float:
    """The probe fails naming ``setting``, the good file after it goes in; returns the peak memory."""
    results, peak = ingest_in_subprocess(tmp_path / "t.db", probe, good)
    (name, status, message), good_result = results
    assert (name, status) == (probe.name, FAILED), results
    assert "超过上限" in message and setting in message and "未导入" in message, message
    assert good_result[:2] == [good.name, ADDED], results
    assert peak < MEMORY_MB, f"peak memory {peak:.0f} MB"
    return peak


def test_a_shared_strings_bomb_is_refused_before_it_expands(tmp_path, good):
    """A 1 MB workbook whose one shared string expands to a gigabyte once took gigabytes and never ended."""
    bomb = shared_strings_bomb(tmp_path / "共享字符串.xlsx", expanded_mb=1000)
    assert bomb.stat().st_size < 2_000_000
    refused_then_good(tmp_path, bomb, good, "BUDGETQA_MAX_TEXT_MB")


def test_three_million_number_cells_are_refused_without_loading_them(tmp_path, good):
    """3 million number cells once took 2.3 GB and 148 s; they are counted, streamed, before loading."""
    cells = number_cells(tmp_path / "三百万个数.xlsx", rows=100_000, columns=30)
    refused_then_good(tmp_path, cells, good, "BUDGETQA_MAX_CELLS")


def test_a_50_mb_text_file_is_refused_and_the_next_file_still_goes_in(tmp_path, good):
    """A 50 MB text file once ran for more than ten minutes and the file after it was never read."""
    line = (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8")
    big = long_text(tmp_path / "五十兆.txt", megabytes=50, line=line)
    refused_then_good(tmp_path, big, good, "BUDGETQA_MAX_FILE_MB")


def _refusal(store, path: Path) -> str:
    (result,) = ingest_paths(store(), [path])
    assert result.status == FAILED, result.describe()
    return result.message


def test_every_limit_is_a_setting(store, tmp_path, monkeypatch):
    xlsx = SAMPLES / "wansheng_2024_admin_office_dept_budget.xlsx"
    monkeypatch.setenv("BUDGETQA_MAX_FILE_MB", "0.01")
    assert _refusal(store, SAMPLES / DEPT_TXT).startswith("文件大小 0.031 MB，超过上限 0.01 MB，未导入；"
                                                          "上限由环境变量 BUDGETQA_MAX_FILE_MB 设定")
    monkeypatch.delenv("BUDGETQA_MAX_FILE_MB")
    monkeypatch.setenv("BUDGETQA_MAX_CELLS", "100")
    assert "工作簿的单元格超过上限 100 个" in _refusal(store, xlsx)
    monkeypatch.delenv("BUDGETQA_MAX_CELLS")
    monkeypatch.setenv("BUDGETQA_MAX_TEXT_MB", "0.02")
    assert "文本大小 0.031 MB，超过上限 0.02 MB" in _refusal(store, SAMPLES / DEPT_TXT)
    assert "文件解压后共 0.18 MB，超过上限 0.1 MB" in _refusal(store, xlsx)
    monkeypatch.setenv("BUDGETQA_MAX_TEXT_MB", "0.001")
    pdf = SAMPLES / "wansheng_2024_admin_office_dept_budget.pdf"
    assert "文件展开后的文字超过上限 0.001 MB" in _refusal(store, pdf)
    monkeypatch.setenv("BUDGETQA_MAX_TEXT_MB", "很多")
    assert _refusal(store, SAMPLES / DEPT_TXT) == "环境变量 BUDGETQA_MAX_TEXT_MB 应为正数，当前为“很多”"


def test_a_shared_string_repeated_in_many_cells_counts_each_time(store, tmp_path, monkeypatch):
    """One 1 MB string shown in 100 cells is 100 MB of text, though the package expands to 1 MB."""
    monkeypatch.setenv("BUDGETQA_MAX_TEXT_MB", "2")
    message = _refusal(store, shared_strings_bomb(tmp_path / "重复.xlsx", expanded_mb=1))
    assert "文件展开后的文字超过上限 2 MB" in message


_KILLED = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sqlalchemy import event
    from db.engine import make_engine
    from ingest.pipeline import ingest_file

    engine = make_engine(sys.argv[1])

    @event.listens_for(engine, "before_cursor_execute")
    def pause(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO budget_lines"):  # deep inside the file's transaction
            print("writing", flush=True)
            time.sleep(600)

    ingest_file(engine, Path(sys.argv[2]), identity="办公室.txt")
""")


def test_an_ingest_killed_mid_file_leaves_the_store_as_it_was(tmp_path, good):
    url = f"sqlite:///{tmp_path / 't.db'}"
    engine = make_engine(url)
    assert ingest_file(engine, good, identity="办公室.txt").status == ADDED
    before = snapshot(engine)
    good.write_text(good.read_text(encoding="utf-8").replace("1,952.98", "1,962.98"), encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", _KILLED, url, str(good)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    engine.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    assert snapshot(engine) == before, "the killed replacement left something behind"
    # ingesting the file again gives what a clean ingest of it gives
    assert ingest_file(engine, good, identity="办公室.txt").status == REPLACED
    clean = make_engine(f"sqlite:///{tmp_path / 'clean.db'}")
    ingest_file(clean, good, identity="办公室.txt")
    got, want = records(engine), records(clean)
    for kind in want:
        assert_same(got[kind], want[kind], kind)
    after, fresh = table_counts(engine), table_counts(clean)
    assert (after.pop("stored_files"), after.pop("document_versions")) == (2, 2)
    assert (fresh.pop("stored_files"), fresh.pop("document_versions")) == (1, 1)
    assert after == fresh
