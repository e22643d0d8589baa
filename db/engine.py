"""Where the store lives (``BUDGETQA_HOME`` or ``BUDGETQA_DB_URL``), and how it is opened.

SQLite connections run in WAL mode with a busy timeout: readers and the one
writer then never block each other (a long question does not make an ingest
fail with "database is locked"), and two writers queue instead of failing.
Foreign keys are switched on so deletes cascade.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from db.migrate import upgrade

BUSY_TIMEOUT_MS = 60_000


def home() -> Path:
    """The folder for the SQLite file and the vector index; created on first use."""
    path = Path(os.environ.get("BUDGETQA_HOME", ".budgetqa")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    """Any SQLAlchemy URL from ``BUDGETQA_DB_URL``, else a SQLite file under the home folder."""
    return os.environ.get("BUDGETQA_DB_URL") or f"sqlite:///{home() / 'budget.db'}"


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    dbapi_conn.execute("PRAGMA foreign_keys=ON")
    # persistent in the file; a no-op once set (in-memory databases keep "memory")
    dbapi_conn.execute("PRAGMA journal_mode=WAL")


def make_engine(url: str | None = None, migrate: bool = True) -> Engine:
    """An engine on the store, its schema created or upgraded to the newest revision (``db.migrate``).

    ``migrate=False`` opens the store as it is (``budgetqa upgrade`` reports what it changes).
    """
    engine = create_engine(url or db_url())
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    if migrate:
        upgrade(engine)
    return engine
