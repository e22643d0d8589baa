"""Schema migrations: the revisions build the models' schema, and stores made before them are upgraded.

A store from before migrations is built here the way the old code left it: the
baseline revision's tables (the schema of commit a4ec468), filled by SQL with
the rows of an ingested sample, and no ``alembic_version`` table.  Opening it
must recognise it, upgrade it, keep every row, and serve stats and citations,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import DEPT_TXT, SAMPLES, assert_same, records, table_counts
from pg_server import postgres_url
from sqlalchemy import Engine, MetaData, create_engine, select, text
from sqlalchemy.orm import Session

import cli
from db import models as m
from db.citations import cite
from db.engine import make_engine
from db.migrate import _config, current, head, upgrade
from ingest.pipeline import REPLACED, UNCHANGED, ingest_file
from ingest.versions import history


def schema_differences(engine: Engine) -> list:
    """What Alembic's autogenerate finds between the database and the models (nothing, when in step)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), m.Base.metadata)


def test_a_new_store_is_created_at_the_newest_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as conn:
        assert current(conn) == head()
    assert schema_differences(engine) == []
    assert upgrade(engine) == (head(), head())


def test_the_revisions_build_the_schema_of_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'revisions.db'}")
    with engine.connect() as conn:
        command.upgrade(_config(conn), "head")
        conn.commit()
    assert schema_differences(engine) == []


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Engine:
    """The department budget ingested by the current code: the rows an older store holds."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sample')}/t.db")
    ingest_file(engine, SAMPLES / DEPT_TXT)
    return engine


def legacy_store(url: str, sample: Engine, revision: str) -> None:
    """A store as ``create_all`` made it at ``revision``, holding the sample's rows, never under Alembic."""
    target = create_engine(url)
    with target.connect() as conn:
        command.upgrade(_config(conn), revision)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.commit()
    old = MetaData()
    old.reflect(target)
    postgres = target.dialect.name == "postgresql"
    with sample.connect() as source, target.begin() as conn:
        if postgres:  # the two tables that refer to each other load in any order
            conn.execute(text("SET session_replication_role = replica"))
        for table in m.Base.metadata.sorted_tables:
            if table.name not in old.tables:
                continue
            into = old.tables[table.name]
            rows = [dict(r._mapping) for r in source.execute(select(*(table.c[c.name] for c in into.c)))]
            if rows:
                conn.execute(into.insert(), rows)
            if postgres and "id" in into.c:  # as if the rows had been numbered by the database
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{into.name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {into.name}))"))
    target.dispose()


def check_upgraded(url: str, sample: Engine, revision: str, folder: Path, monkeypatch, capsys) -> None:
    """Opening the old store upgrades it; every row is still there and the app reads it."""
    engine = make_engine(url)
    with engine.connect() as conn:
        assert current(conn) == head()
    assert schema_differences(engine) == []
    want, got = records(sample), records(engine)
    for kind in want:
        assert_same(got[kind], want[kind], kind)
    expected = table_counts(sample)
    counts = table_counts(engine)
    assert counts.pop("stored_files") == (0 if revision == "0001" else expected["stored_files"])
    expected.pop("stored_files")
    assert counts == expected
    with Session(engine) as s:
        doc = s.scalars(select(m.Document)).one()
        assert doc.identity == doc.file_name == DEPT_TXT
        (version,) = s.scalars(select(m.DocumentVersion)).all()
        assert (version.identity, version.sha256, version.status, version.ingested_by) == (
            DEPT_TXT, doc.sha256, "current", "")
        row = s.scalar(select(m.BudgetLine.source_row_id).where(m.BudgetLine.amount_text == "676.22"))
        (citation,) = cite(s, [row])
    assert citation.source == DEPT_TXT and "676.22" in citation.text and citation.version == doc.sha256
    monkeypatch.setenv("BUDGETQA_DB_URL", url)
    assert cli.main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["tables"]["budget_lines"] == expected["budget_lines"]
    assert [d["file_name"] for d in stats["documents"]] == [DEPT_TXT]
    # the upgraded store knows its document and takes a new version of it
    assert ingest_file(engine, SAMPLES / DEPT_TXT, identity=DEPT_TXT).status == UNCHANGED
    changed = folder / DEPT_TXT
    changed.write_text((SAMPLES / DEPT_TXT).read_text(encoding="utf-8").replace("676.22", "686.22"),
                       encoding="utf-8")
    assert ingest_file(engine, changed).status == REPLACED
    assert [v.status for v in history(engine, DEPT_TXT)] == ["current", "superseded"]


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_a_sqlite_store_from_before_migrations_is_upgraded(tmp_path, sample, revision, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    legacy_store(url, sample, revision)
    check_upgraded(url, sample, revision, tmp_path, monkeypatch, capsys)


def test_a_postgres_store_from_before_migrations_is_upgraded(tmp_path, sample, monkeypatch, capsys):
    with postgres_url() as url:
        legacy_store(url, sample, "0001")
        check_upgraded(url, sample, "0001", tmp_path, monkeypatch, capsys)


def test_the_upgrade_command(tmp_path, sample, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    legacy_store(url, sample, "0001")
    monkeypatch.setenv("BUDGETQA_DB_URL", url)
    assert cli.main(["upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"数据库结构已从版本 0001 升级到 {head()}，原有数据保留。"
    assert cli.main(["upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"数据库结构已是最新版本（{head()}），无需升级。"
    monkeypatch.setenv("BUDGETQA_DB_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert cli.main(["upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"已新建数据库，结构版本 {head()}。"
    assert table_counts(make_engine(url))["budget_lines"] == table_counts(sample)["budget_lines"]
