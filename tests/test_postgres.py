"""The store on a real PostgreSQL server: same records, same answers, same idempotent re-ingest.

The schema promises nothing SQLite-only; this is where that is checked.  The
server is a throwaway cluster (tests/pg_server.py); without PostgreSQL
installed the module fails rather than skips, because CI installs it.
"""

from __future__ import annotations

import json

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES, assert_same, provenance_problems, records, snapshot
from pg_server import postgres_url
from sqlalchemy import Engine

from assistant.agent import Toolbox
from assistant.service import Assistant, Conversation
from db.engine import make_engine
from ingest.pipeline import ingest_paths

QUESTIONS = [
    "哪个部门的专项预算最多？",
    "卫健局有几个专项，合计多少？",
    "林业资源管理专项今年预算多少？",
    "超过1000万元的专项有几个？",
    "残疾事业服务专项的核心指标有哪些？",
    "办公室三公经费比去年少了多少？",
    "卫生健康支出（210）23年和今年各多少？",
    "差旅费一共多少？",
]


@pytest.fixture(scope="module")
def pg() -> Engine:
    with postgres_url() as url:
        engine = make_engine(url)
        results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
        assert not any(r.failed for r in results), [r.describe() for r in results]
        yield engine
        engine.dispose()


@pytest.fixture(scope="module")
def lite(tmp_path_factory) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('lite')}/t.db")
    ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
    return engine


def test_same_records_as_sqlite(pg, lite):
    got, want = records(pg), records(lite)
    for kind in want:
        assert_same(got[kind], want[kind], kind)
    assert not provenance_problems(pg)


def test_reingest_changes_nothing(pg):
    before = snapshot(pg)
    results = ingest_paths(pg, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
    assert not any(r.failed for r in results)
    assert snapshot(pg) == before


def test_same_answers_as_sqlite(pg, lite):
    on_pg, on_lite = Assistant(pg), Assistant(lite)
    for q in QUESTIONS:
        a, b = on_pg.ask(q, Conversation()), on_lite.ask(q, Conversation())
        assert a.understood, q
        assert a.text == b.text, q
        assert _cited(a) == _cited(b), q


def _cited(answer) -> list[dict]:
    """An answer's citations, less the ingest time (each store ingested the files at its own time)."""
    return [{k: v for k, v in c.to_json().items() if k != "ingested_at"} for c in answer.citations]


def test_llm_sql_tool_is_read_only_on_postgres(pg):
    box = Toolbox(pg, None)
    out = json.loads(box.sql_query("SELECT count(*) AS n FROM indicators"))
    assert out["rows"][0]["n"] > 500
    with pytest.raises(Exception, match=r"只读|SELECT|不允许|只能"):
        box.sql_query("DELETE FROM indicators")
    assert json.loads(box.sql_query("SELECT count(*) AS n FROM indicators"))["rows"] == out["rows"]
