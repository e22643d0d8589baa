"""The SQL guard and the provenance trace, statement by statement, in both dialects.

Each table row is a statement the LLM (or any outside caller) could send and
what the guard must do with it: refuse it with a Chinese reason that says
why, or pass it re-rendered.  The provenance rows say which output columns
may supply citations.
"""

from __future__ import annotations

import pytest

from assistant.provenance import Origin, origins
from assistant.sqlguard import MAX_NESTING, MAX_SQL_CHARS, SQLRejected, check

DIALECTS = ["sqlite", "postgres"]

# Statements that write, change the schema or the session, or hide a second statement.
WRITES = [
    "DELETE FROM funds",
    "UPDATE funds SET catalog_amount = 0",
    "INSERT INTO departments (name) VALUES ('x')",
    "INSERT INTO departments SELECT * FROM departments",
    "INSERT OR REPLACE INTO departments (id, name) VALUES (1, 'x')",
    "INSERT INTO departments (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = 'y'",
    "REPLACE INTO departments (id, name) VALUES (1, 'x')",
    "DROP TABLE funds",
    "DROP INDEX ix_funds_document_id",
    "CREATE TABLE x AS SELECT * FROM funds",
    "CREATE TEMP TABLE x (a INT)",
    "CREATE VIEW v AS SELECT 1",
    "CREATE TRIGGER t AFTER INSERT ON funds BEGIN DELETE FROM funds; END",
    "ALTER TABLE funds ADD COLUMN x INT",
    "ALTER TABLE funds RENAME TO f2",
    "TRUNCATE TABLE funds",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA writable_schema = 1",
    "ATTACH DATABASE 'other.db' AS other",
    "DETACH DATABASE other",
    "VACUUM INTO '/tmp/copy.db'",
    "VACUUM",
    "SELECT * INTO copy FROM funds",
    "WITH gone AS (DELETE FROM funds RETURNING *) SELECT * FROM gone",
    "WITH t AS (SELECT 1) DELETE FROM funds",
    "WITH t AS (UPDATE funds SET name = 'x' RETURNING id) SELECT * FROM t",
    "SELECT 1; DELETE FROM funds",
    "SELECT 1; SELECT 2",
    "SELECT 1;/* hidden */DROP TABLE funds",
    "BEGIN; DELETE FROM funds; COMMIT",
    "COMMIT",
    "SET statement_timeout = 0",
    "COPY funds TO '/tmp/x.csv'",
    "GRANT ALL ON funds TO PUBLIC",
    "ANALYZE funds",
    "SELECT * FROM funds FOR UPDATE",
    "EXPLAIN ANALYZE DELETE FROM funds",
    "CALL proc()",
]

# Functions outside the allow-list: files, sleeping, huge allocations, addresses, other servers, state.
FUNCTIONS = [
    ("SELECT zeroblob(200000000)", "ZEROBLOB"),
    ("SELECT hex(randomblob(100000000))", "HEX、RANDOMBLOB"),
    ("SELECT fts3_tokenizer('simple')", "FTS3_TOKENIZER"),
    ("SELECT load_extension('/tmp/evil.so')", "LOAD_EXTENSION"),
    ("SELECT readfile('/etc/passwd')", "READFILE"),
    ("SELECT writefile('/tmp/x', 'y')", "WRITEFILE"),
    ("SELECT pg_sleep(100)", "PG_SLEEP"),
    ("SELECT pg_read_file('/etc/passwd')", "PG_READ_FILE"),
    ("SELECT * FROM pg_ls_dir('/')", "PG_LS_DIR"),
    ("SELECT lo_import('/etc/passwd')", "LO_IMPORT"),
    ("SELECT * FROM dblink('host=x', 'SELECT 1') AS t(a int)", "DBLINK"),
    ("SELECT current_setting('data_directory')", "CURRENT_SETTING"),
    ("SELECT set_config('statement_timeout', '0', false)", "SET_CONFIG"),
    ("SELECT query_to_xml('DELETE FROM funds', true, true, '')", "QUERY_TO_XML"),
    ("SELECT pg_terminate_backend(1)", "PG_TERMINATE_BACKEND"),
    ("SELECT COUNT(*) FROM generate_series(1, 1000000000)", "GENERATE_SERIES"),
    ("SELECT repeat('x', 1000000000)", "REPEAT"),
    ("SELECT lpad('x', 1000000000)", "LPAD"),
    ("SELECT printf('%.*c', 1000000000, 'x')", "PRINTF"),
    ("SELECT name FROM funds WHERE name = sqlite_version()", "SQLITE_VERSION"),
]

# Tables outside the store's budget tables: the engines' catalogs and the original file bytes.
TABLES = [
    "SELECT * FROM sqlite_master",
    "SELECT sql FROM sqlite_schema",
    "SELECT * FROM pg_catalog.pg_user",
    "SELECT * FROM pg_stat_activity",
    "SELECT * FROM information_schema.tables",
    "SELECT data FROM stored_files",
    "SELECT ingested_by FROM document_versions",
    "SELECT * FROM other.funds",
]

PASSING = [
    "SELECT name, catalog_amount_text, catalog_row_id FROM funds WHERE name LIKE '%农业%'",
    "WITH t AS (SELECT name FROM funds) SELECT * FROM t",
    "SELECT name FROM funds UNION SELECT name FROM fund_forms",
    "SELECT COUNT(*) FROM (SELECT 1 FROM funds) AS x;",
    "SELECT d.name, ROUND(SUM(f.catalog_amount), 2) AS total, COUNT(DISTINCT f.id) FROM funds AS f "
    "JOIN departments AS d ON d.id = f.department_id GROUP BY d.name HAVING COUNT(*) > 1 "
    "ORDER BY total DESC LIMIT 5 OFFSET 1",
    "SELECT name, RANK() OVER (ORDER BY catalog_amount DESC) AS r, "
    "SUM(catalog_amount) OVER (PARTITION BY department_id) AS s FROM funds",
    "SELECT CASE WHEN catalog_amount > 1000 THEN '大' ELSE '小' END, CAST(catalog_amount AS INTEGER), "
    "COALESCE(table_amount, catalog_amount), NULLIF(catalog_amount, 0) FROM funds",
    "SELECT LENGTH(name), UPPER(name), TRIM(name), SUBSTR(name, 1, 2), REPLACE(name, '专项', ''), "
    "ABS(catalog_amount), FLOOR(catalog_amount), name || '（' || unit || '）' FROM funds",
    'SELECT "column", amount_text, source_row_id FROM budget_lines WHERE year BETWEEN 2023 AND 2024',
    "SELECT source_rows.id AS source_row_id, text FROM source_rows WHERE text LIKE '%联系人%'",
    "SELECT name FROM funds WHERE EXISTS (SELECT 1 FROM indicators AS i WHERE i.fund_id = funds.id) "
    "AND department_id IN (SELECT id FROM departments WHERE name LIKE '%局%')",
    "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10) SELECT SUM(k) FROM n",
    "SELECT name FROM funds WHERE name = 'a; DROP TABLE funds' -- DELETE FROM funds",
    "SELECT '((((((((((((((((((((((((((((((((((' AS text_is_not_nesting",
    "SELECT " + "(" * 10 + "1" + ")" * 10,
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", WRITES)
def test_writes_and_hidden_statements_are_refused(sql: str, dialect: str) -> None:
    with pytest.raises(SQLRejected, match=r"^(已拒绝：只允许只读的 SELECT|一次只能执行一条|SQL 无法解析)"):
        check(sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "name"), FUNCTIONS)
def test_functions_outside_the_allow_list_are_refused_by_name(sql: str, name: str, dialect: str) -> None:
    with pytest.raises(SQLRejected, match=rf"^已拒绝：不允许使用函数 {name}。"):
        check(sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", TABLES)
def test_only_the_budget_tables_can_be_read(sql: str, dialect: str) -> None:
    with pytest.raises(SQLRejected, match=r"^已拒绝：不能查询 .*只能查询预算库的表"):
        check(sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "reason"), [
    pytest.param("SELECT " + "(SELECT " * 3000 + "1" + ")" * 3000, "超过上限", id="3000-deep-select"),
    pytest.param("SELECT " + "(SELECT " * 200 + "1" + ")" * 200, f"嵌套 200 层，超过上限 {MAX_NESTING} 层",
                 id="200-deep-select"),
    pytest.param("SELECT " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1),
                 f"嵌套 {MAX_NESTING + 1} 层", id="parentheses"),
    pytest.param("SELECT " + "CASE WHEN 1 THEN " * 40 + "1" + " END" * 40, "嵌套 40 层", id="case"),
    pytest.param("SELECT " + "NOT " * 2000 + "1", "嵌套过深", id="not-chain"),
    pytest.param("SELECT 1 WHERE 1 IN (" + ",".join(["1"] * 6000) + ")", f"超过上限 {MAX_SQL_CHARS:,}",
                 id="length"),
])
def test_deep_or_long_statements_are_refused_without_a_traceback(sql: str, reason: str, dialect: str) -> None:
    with pytest.raises(SQLRejected, match=rf"^已拒绝：.*{reason}"):
        check(sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", PASSING)
def test_read_only_queries_pass_re_rendered(sql: str, dialect: str) -> None:
    checked = check(sql, dialect)
    assert checked.text.upper().startswith(("WITH", "SELECT"))
    assert check(checked.text, dialect).text == checked.text  # what runs passes the guard itself


def test_the_table_has_the_promised_size() -> None:
    assert len(WRITES) >= 29 and len(WRITES) + len(FUNCTIONS) + len(TABLES) + len(PASSING) >= 40


R, K, D, C = Origin.ROW_ID, Origin.KEY, Origin.DATA, Origin.CONSTANT


@pytest.mark.parametrize(("sql", "want"), [
    ("SELECT name, catalog_amount_text, catalog_row_id, table_row_id FROM funds", [D, D, R, R]),
    ("SELECT f.name, f.catalog_row_id AS x, 1 AS fake_row_id, 42 AS source_row_id FROM funds AS f",
     [D, R, C, C]),
    ("SELECT sr.id AS source_row_id, sr.text FROM source_rows AS sr", [R, D]),
    ("SELECT id, fund_id, source_row_id FROM indicators", [K, K, R]),
    ("SELECT catalog_amount AS catalog_row_id FROM funds", [D]),
    ("SELECT t.r AS catalog_row_id FROM (SELECT catalog_amount AS r FROM funds) AS t", [D]),
    ("WITH funds AS (SELECT 1 AS catalog_row_id) SELECT catalog_row_id FROM funds", [C]),
    ("WITH t AS (SELECT catalog_row_id AS c, name FROM funds) SELECT t.c AS catalog_row_id, name FROM t",
     [R, D]),
    ("SELECT catalog_row_id FROM funds UNION SELECT table_row_id FROM funds", [R]),
    ("SELECT catalog_row_id FROM funds UNION SELECT 5", [D]),
    ("SELECT COALESCE(catalog_row_id, table_row_id), MIN(catalog_row_id), catalog_row_id + 0 FROM funds",
     [R, R, D]),
    ("SELECT SUM(catalog_amount) AS total, COUNT(*) AS n, 9999 AS made_up FROM funds", [D, D, C]),
    ("SELECT name, SUM(catalog_amount) OVER () AS total, catalog_row_id FROM funds", [D, D, R]),
])
def test_only_real_source_row_columns_count_as_row_ids(sql: str, want: list[Origin]) -> None:
    for dialect in DIALECTS:
        assert origins(check(sql, dialect).tree, dialect) == want


def test_star_is_expanded_from_the_schema_in_column_order() -> None:
    traced = origins(check("SELECT * FROM funds", "sqlite").tree, "sqlite")
    assert traced is not None and len(traced) == 16
    assert [i for i, o in enumerate(traced) if o is Origin.ROW_ID] == [11, 15]  # catalog_row_id, table_row_id
