"""An ingest while another process reads the SQLite store neither fails nor disturbs the reader.

Without WAL, a reader's shared lock kept the writer from committing until the
busy timeout ran out: "database is locked", and the file was not ingested.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES

from db.engine import make_engine
from ingest.pipeline import ADDED, ingest_file

ROOT = Path(__file__).resolve().parent.parent

_READER = textwrap.dedent("""
    import sys
    from db.engine import make_engine

    with make_engine(sys.argv[1]).connect() as conn:
        rows = conn.exec_driver_sql("SELECT text FROM source_rows")  # a long read, one row at a time
        rows.fetchone()
        print("reading", flush=True)
        sys.stdin.readline()  # until the writer is done
        print(1 + len(rows.fetchall()), flush=True)
""")


def test_an_ingest_during_a_long_read_in_another_process_goes_in(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    engine = make_engine(url)
    assert ingest_file(engine, SAMPLES / DEPT_TXT).status == ADDED
    with engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM source_rows").scalar()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    reader = subprocess.Popen([sys.executable, "-c", _READER, url], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reader.stdout.readline().strip() == "reading", reader.stderr.read()
        result = ingest_file(engine, SAMPLES / FUNDS_TXT)
        assert result.status == ADDED, result.describe()
        out, err = reader.communicate("\n", timeout=120)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    assert int(out.strip()) == before, "the reader sees the store as it was when its read began"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM source_rows").scalar() > before
