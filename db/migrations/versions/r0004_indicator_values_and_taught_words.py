"""Indicator targets as numbers for comparing in SQL, and the words staff teach.

Revision ID: 0004
Revises: 0003
Create Date: 2024-05-04

``indicators.value_number`` is filled from the stored text of each target with
the same rule ingest uses (``db.writing.parse_amount``), so a store upgraded
from an earlier revision answers indicator bounds like a fresh one.  Migrations
go forward only: to go back, restore the store's backup.
"""

import sqlalchemy as sa
from alembic import op

from db.writing import parse_amount

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("value_number", sa.Numeric(precision=18, scale=4), nullable=True))
    bind = op.get_bind()
    indicators = sa.table("indicators", sa.column("id", sa.Integer), sa.column("value", sa.Text),
                          sa.column("value_number", sa.Numeric(18, 4)))
    for row_id, value in bind.execute(sa.select(indicators.c.id, indicators.c.value)).all():
        number = parse_amount(value)
        if number is not None:
            bind.execute(indicators.update().where(indicators.c.id == row_id).values(value_number=number))
    op.create_table(
        "taught_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("taught_by", sa.String(length=128), nullable=False),
        sa.Column("taught_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alias"),
    )
