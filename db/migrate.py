"""Bring any store to the schema of the models, with Alembic (revisions in ``db/migrations``).

Three kinds of store meet this code:

- an empty database: the tables are created from the models and stamped as the
  newest revision (the same schema the revisions build, as a test checks);
- a store made before migrations existed, by ``create_all``: it has tables but no
  ``alembic_version``; it is stamped with the revision its tables match (the
  baseline, or the one that added ``stored_files``) and then upgraded;
- a store under Alembic: upgraded when a newer revision exists.

On SQLite, foreign-key enforcement is switched off while revisions run: batch
mode rebuilds a table by copying it and dropping the original, and with
enforcement on, that drop would cascade to every row that refers to it.  The
keys are checked once the revisions are done.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect

from db.models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE, STORED_FILES = "0001", "0002"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The newest revision."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision a store is stamped with; ``None`` when it is not under Alembic (yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def _legacy_revision(connection: Connection) -> str | None:
    """For a store made by ``create_all`` before migrations: the revision its tables match; else ``None``."""
    tables = set(inspect(connection).get_table_names())
    if "documents" not in tables:
        return None
    return STORED_FILES if "stored_files" in tables else BASELINE


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the store's schema; returns the revision before (``None``: new store) and after."""
    with engine.connect() as connection:
        if current(connection) == head():
            return head(), head()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, where SQLite honours it
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            before = _migrate(connection)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"数据库升级后外键不一致：{broken[:5]}")
        except BaseException:
            connection.rollback()  # so that the pragma below applies to the pooled connection again
            raise
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    return before, head()


def _fresh_models() -> MetaData:
    """A new copy of the models' tables for creating a store.  Once SQLAlchemy has added the
    funds ↔ forms reference with ALTER on one database (PostgreSQL), it marks that constraint
    done and would leave it out of the next database's CREATE TABLE in the same process (SQLite,
    where it must be inline); a copy carries no such mark."""
    fresh = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(fresh)
    return fresh


def _migrate(connection: Connection) -> str | None:
    """Stamp or create as needed, then run the revisions; returns the revision found before."""
    config = _config(connection)
    before = current(connection)
    if before is None:
        before = _legacy_revision(connection)
        if before is None:
            _fresh_models().create_all(connection)
            command.stamp(config, "head")
            connection.commit()
            return None
        command.stamp(config, before)
    command.upgrade(config, "head")
    connection.commit()
    return before
