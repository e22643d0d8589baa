"""The original bytes of every ingested file, keyed by their SHA-256 (commit 566e635).

Revision ID: 0002
Revises: 0001
Create Date: 2024-05-02

Migrations go forward only: to go back, restore the store's backup.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
