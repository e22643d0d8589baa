"""Alembic's entry point: runs the revisions on the connection ``db.migrate`` hands over.

SQLite cannot alter most of a table in place, so its migrations run in batch
mode (copy into a new table, swap); PostgreSQL alters in place.
"""

from alembic import context

from db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
