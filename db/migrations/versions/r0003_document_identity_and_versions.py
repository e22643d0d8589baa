"""Documents known by their identity (path relative to the folder ingested), and their version history.

Revision ID: 0003
Revises: 0002
Create Date: 2024-05-03

Existing documents keep their file name as identity (that is what identified
them until now) and each gets one ``current`` version entry, with nobody
recorded as having ingested it.  Migrations go forward only: to go back,
restore the store's backup.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite keeps the old unique constraint on file_name unnamed; batch mode names
# what it reflects by this convention, so the constraint can be dropped by name
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _file_name_unique() -> str:
    """The name the database gave the old unique constraint on ``documents.file_name``."""
    found = sa.inspect(op.get_bind()).get_unique_constraints("documents")
    name = next((u["name"] for u in found if u["column_names"] == ["file_name"]), None)
    return name or "uq_documents_file_name"


def upgrade() -> None:
    old_unique = _file_name_unique()
    with op.batch_alter_table("documents", naming_convention=_NAMING) as batch:
        batch.add_column(sa.Column("identity", sa.String(length=1024), nullable=True))
    op.execute("UPDATE documents SET identity = file_name")
    with op.batch_alter_table("documents", naming_convention=_NAMING) as batch:
        batch.alter_column("identity", existing_type=sa.String(length=1024), nullable=False)
        batch.drop_constraint(old_unique, type_="unique")
        batch.create_unique_constraint("uq_documents_identity", ["identity"])
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=False),
        sa.Column("fmt", sa.String(length=16), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("ingested_by", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_document_versions_identity", "document_versions", ["identity"])
    op.execute(
        "INSERT INTO document_versions"
        " (identity, sha256, size, file_name, fmt, ingested_at, ingested_by, status)"
        " SELECT identity, sha256, size, file_name, fmt, ingested_at, '', 'current' FROM documents"
    )
