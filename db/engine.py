"""Where the store lives: ``BUDGETQA_HOME`` (default ``./.budgetqa``) or ``BUDGETQA_DB_URL``."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from db.models import Base


def home() -> Path:
    """The folder for the SQLite file and the vector index; created on first use."""
    path = Path(os.environ.get("BUDGETQA_HOME", ".budgetqa")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    """Any SQLAlchemy URL from ``BUDGETQA_DB_URL``, else a SQLite file under the home folder."""
    return os.environ.get("BUDGETQA_DB_URL") or f"sqlite:///{home() / 'budget.db'}"


def make_engine(url: str | None = None) -> Engine:
    """An engine with the schema created; SQLite gets foreign keys on so deletes cascade."""
    engine = create_engine(url or db_url())
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn, _record) -> None:  # pragma: no cover - driver callback
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine
