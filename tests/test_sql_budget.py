"""The statement budget and the SQL gate on real SQLite and a real PostgreSQL server.

Runaway statements (a triple cartesian product, a recursion without end) are
stopped by the database at the deadline; results stop at the row and byte
caps; the limits are put back so the next user of a pooled connection (an
ingest) is not limited; and the gate ties the guard, the trace of row ids and
the budget together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from conftest import FUNDS_TXT, SAMPLES, snapshot
from pg_server import postgres_url
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.provenance import Origin
from assistant.sqlgate import SQLGate
from assistant.sqlguard import SQLRejected
from db.budget import BudgetExceeded, StatementBudget, run_bounded
from db.engine import make_engine
from db.settings import SettingError
from ingest.pipeline import ingest_paths

CARTESIAN = "SELECT COUNT(*) FROM source_rows a, source_rows b, source_rows c"
RECURSIVE = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"
FUND_SQL = ("SELECT name, catalog_amount_text, catalog_row_id, table_row_id, 1 AS fake_row_id "
            "FROM funds WHERE name = '农业生产发展专项'")
ONE_SECOND = StatementBudget(seconds=1)


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('budget')}/t.db")
    assert not any(r.failed for r in ingest_paths(engine, [SAMPLES / FUNDS_TXT]))
    return engine


@pytest.fixture(scope="module")
def pg() -> Iterator[Engine]:
    with postgres_url() as url:
        engine = make_engine(url)
        assert not any(r.failed for r in ingest_paths(engine, [SAMPLES / FUNDS_TXT]))
        yield engine
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Engine:
    """The same sample store on each database."""
    return request.getfixturevalue("lite" if request.param == "sqlite" else "pg")


def single_connection(engine: Engine) -> Engine:
    """An engine on the same database whose pool holds one connection, so each use reuses it."""
    return create_engine(engine.url, pool_size=1, max_overflow=0)


@pytest.mark.parametrize("sql", [CARTESIAN, RECURSIVE], ids=["cartesian", "recursive-cte"])
def test_runaway_statements_are_stopped_at_the_deadline(store: Engine, sql: str) -> None:
    with pytest.raises(BudgetExceeded, match=r"^查询超过 1 秒的时间上限，已停止。请缩小范围"):
        run_bounded(store, sql, ONE_SECOND)


def test_the_limits_are_put_back_on_the_pooled_sqlite_connection(lite: Engine) -> None:
    engine = single_connection(lite)
    with pytest.raises(BudgetExceeded):
        run_bounded(engine, CARTESIAN, ONE_SECOND)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == 1_000_000_000  # SQLite's default again
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 0
        # the progress handler is gone: its deadline has passed, yet a scan of every row runs to the end
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM source_rows a, source_rows b WHERE a.id = b.id "
                                    "AND a.text LIKE '%专项%'").scalar() > 100
    engine.dispose()


def test_the_limits_end_with_the_postgres_transaction(pg: Engine) -> None:
    engine = single_connection(pg)
    with pytest.raises(BudgetExceeded):
        run_bounded(engine, CARTESIAN, ONE_SECOND)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"
    engine.dispose()


def test_rows_stop_at_the_row_cap(store: Engine) -> None:
    result = run_bounded(store, "SELECT id FROM source_rows ORDER BY id", StatementBudget(max_rows=5))
    assert len(result.rows) == 5 and result.columns == ["id"]
    assert result.cut == "结果超过 5 行，只取了前 5 行。"


def test_rows_stop_at_the_byte_cap(store: Engine) -> None:
    result = run_bounded(store, "SELECT text FROM source_rows ORDER BY id", StatementBudget(max_bytes=2_000))
    assert result.rows and sum(len(r[0].encode()) for r in result.rows) <= 2_000
    assert result.cut == f"结果超过 2,000 字节的上限，只取了前 {len(result.rows)} 行。"


def test_a_small_result_is_whole(store: Engine) -> None:
    result = run_bounded(store, "SELECT COUNT(*) AS n FROM funds", StatementBudget())
    assert result.cut == "" and result.columns == ["n"] and result.rows[0][0] > 80


def test_sqlite_refuses_to_build_a_value_larger_than_the_byte_cap(lite: Engine) -> None:
    with pytest.raises(BudgetExceeded, match=r"^查询结果中有单个值超过 1,000 字节的上限"):
        run_bounded(lite, "SELECT group_concat(text, '') FROM source_rows", StatementBudget(max_bytes=1_000))


def test_postgres_results_stop_at_the_byte_cap_even_for_a_single_value(pg: Engine) -> None:
    result = run_bounded(pg, "SELECT string_agg(text, '') FROM source_rows", StatementBudget(max_bytes=1_000))
    assert result.rows == [] and "字节的上限" in result.cut


@pytest.mark.parametrize("sql", [
    "SELECT name, catalog_amount, catalog_amount_text FROM funds ORDER BY catalog_amount DESC, id LIMIT 8",
    "SELECT 1 AS a, 2 AS a, NULL AS empty, 'x' AS a -- a trailing comment",
    "SELECT department_id, COUNT(*) AS n, SUM(catalog_amount) AS total FROM funds "
    "GROUP BY department_id ORDER BY n DESC, department_id",
])
def test_a_bounded_result_is_the_statement_s_own_result(store: Engine, sql: str) -> None:
    """Names, order, types and NULLs survive the budget (PostgreSQL measures rows in a wrapper)."""
    with store.connect() as conn:
        plain = conn.exec_driver_sql(sql)
        want = (list(plain.keys()), [tuple(r) for r in plain])
    result = run_bounded(store, sql, StatementBudget())
    assert (result.columns, result.rows) == want and result.cut == ""


def test_a_value_doubled_by_recursion_never_reaches_the_process(store: Engine) -> None:
    doubling = ("WITH RECURSIVE r(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM r "
                "WHERE length(s) < 300000000) SELECT length(s) AS n, s FROM r")
    budget = StatementBudget(max_bytes=10_000)
    if store.dialect.name == "sqlite":  # SQLite refuses to build the value at all
        with pytest.raises(BudgetExceeded, match="单个值超过 10,000 字节的上限"):
            run_bounded(store, doubling, budget)
        return
    result = run_bounded(store, doubling, budget)  # PostgreSQL builds it, measures it, sends NULLs
    assert [n for n, _ in result.rows] == [2 ** i for i in range(len(result.rows))]
    assert result.cut == f"结果超过 10,000 字节的上限，只取了前 {len(result.rows)} 行。"


def test_sqlite_results_are_at_most_64_columns_wide(lite: Engine) -> None:
    with pytest.raises(BudgetExceeded, match="超过 64 列的上限"):
        run_bounded(lite, "SELECT " + ", ".join(["text"] * 65) + " FROM source_rows", StatementBudget())


# a write each database would run if the budget did not make the connection read-only
# (a PostgreSQL cursor only holds queries, so there the write is a function that writes)
WRITES = {"sqlite": "DELETE FROM funds", "postgresql": "SELECT nextval('funds_id_seq')"}


def test_the_database_itself_refuses_writes_under_the_budget(store: Engine) -> None:
    before = snapshot(store)
    with pytest.raises(SQLAlchemyError, match=r"attempt to write a readonly database|read-only transaction"):
        run_bounded(store, WRITES[store.dialect.name], StatementBudget())
    assert snapshot(store) == before


def test_the_budget_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETQA_SQL_TIMEOUT", "0.5")
    monkeypatch.setenv("BUDGETQA_SQL_MAX_ROWS", "20")
    monkeypatch.setenv("BUDGETQA_SQL_MAX_BYTES", "4096")
    assert StatementBudget.from_env() == StatementBudget(seconds=0.5, max_rows=20, max_bytes=4096)
    assert StatementBudget.from_env().within(0.2).seconds == 0.2
    monkeypatch.setenv("BUDGETQA_SQL_MAX_ROWS", "2.5")
    with pytest.raises(SettingError, match=r"环境变量 BUDGETQA_SQL_MAX_ROWS 应为正整数，现为“2\.5”"):
        StatementBudget.from_env()
    monkeypatch.setenv("BUDGETQA_SQL_MAX_ROWS", "")
    monkeypatch.setenv("BUDGETQA_SQL_TIMEOUT", "-1")
    with pytest.raises(SettingError, match="BUDGETQA_SQL_TIMEOUT 应为正数"):
        StatementBudget.from_env()


def test_the_gate_checks_traces_and_runs(store: Engine) -> None:
    gate = SQLGate(store, StatementBudget(seconds=1))
    result = gate.run(FUND_SQL)
    assert result.origins == [Origin.DATA, Origin.DATA, Origin.ROW_ID, Origin.ROW_ID, Origin.CONSTANT]
    [row] = result.rows
    assert row[:2] == ("农业生产发展专项", "5,763.0")
    assert result.row_ids(row) == [row[2], row[3]] and result.data(row) == ["农业生产发展专项", "5,763.0"]
    with store.connect() as conn:
        texts = conn.execute(text("SELECT text FROM source_rows WHERE id IN (:a, :b)"),
                             {"a": row[2], "b": row[3]}).scalars().all()
    assert all("5763" in t.replace(",", "").replace(".0", "") for t in texts)


def test_the_gate_refuses_before_running_and_stops_what_runs_too_long(store: Engine) -> None:
    gate = SQLGate(store, StatementBudget(seconds=5))
    with pytest.raises(SQLRejected, match="不允许使用函数"):
        gate.run("SELECT pg_sleep(10)")
    with pytest.raises(BudgetExceeded, match=r"超过 0.5 秒"):  # the caller's time left is shorter
        gate.run(CARTESIAN, seconds=0.5)
