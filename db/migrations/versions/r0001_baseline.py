"""The schema of stores made before migrations existed (created by ``create_all``, commit a4ec468).

Revision ID: 0001
Revises:
Create Date: 2024-05-01

Existing stores without an ``alembic_version`` table are recognised by
``db.migrate`` and stamped with this revision rather than created by it.
Migrations go forward only: to go back, restore the store"s backup.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_departments_code", "departments", ["code"])
    op.create_table("documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=False),
        sa.Column("fmt", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("rendition_of_id", sa.Integer(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["rendition_of_id"], ["documents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_name")
    )
    op.create_index("ix_documents_content_key", "documents", ["content_key"])
    op.create_table("anomalies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_anomalies_document_id", "anomalies", ["document_id"])
    op.create_table("source_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("block", sa.String(length=16), nullable=False),
        sa.Column("table_no", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("sheet", sa.String(length=128), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_source_rows_document_id", "source_rows", ["document_id"])
    op.create_table("anomaly_rows",
        sa.Column("anomaly_id", sa.Integer(), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["anomaly_id"], ["anomalies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("anomaly_id", "source_row_id")
    )
    op.create_table("budget_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("table_no", sa.Integer(), nullable=False),
        sa.Column("table_title", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=True),
        sa.Column("subject_code", sa.String(length=32), nullable=True),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("column", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("amount_text", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_budget_lines_document_id", "budget_lines", ["document_id"])
    op.create_index("ix_budget_lines_subject_code", "budget_lines", ["subject_code"])
    op.create_table("department_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_department_names_department_id", "department_names", ["department_id"])
    op.create_table("funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("catalog_seq", sa.Integer(), nullable=True),
        sa.Column("catalog_name", sa.Text(), nullable=True),
        sa.Column("catalog_amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("catalog_amount_text", sa.String(length=64), nullable=True),
        sa.Column("catalog_row_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=True),
        sa.Column("table_amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("table_amount_text", sa.String(length=64), nullable=True),
        sa.Column("table_row_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["catalog_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["form_id"], ["fund_forms.id"], ondelete="SET NULL", use_alter=True),
        sa.ForeignKeyConstraint(["table_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_funds_document_id", "funds", ["document_id"])
    op.create_table("stated_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("amount_text", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=True),
        sa.Column("change_amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("change_text", sa.String(length=64), nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=True),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_stated_facts_document_id", "stated_facts", ["document_id"])
    op.create_table("fund_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=True),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("dept_text", sa.Text(), nullable=False),
        sa.Column("budget", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("budget_text", sa.String(length=64), nullable=False),
        sa.Column("overview", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("is_repeat", sa.Boolean(), nullable=False),
        sa.Column("name_row_id", sa.Integer(), nullable=True),
        sa.Column("budget_row_id", sa.Integer(), nullable=True),
        sa.Column("overview_row_id", sa.Integer(), nullable=True),
        sa.Column("goal_row_id", sa.Integer(), nullable=True),
        sa.Column("contact_row_id", sa.Integer(), nullable=True),
        sa.Column("phone_row_id", sa.Integer(), nullable=True),
        sa.Column("seq_row_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["budget_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["name_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["overview_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["phone_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["seq_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_fund_forms_document_id", "fund_forms", ["document_id"])
    op.create_table("indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nature", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("weight_text", sa.String(length=32), nullable=False),
        sa.Column("is_core", sa.Boolean(), nullable=True),
        sa.Column("core_text", sa.String(length=32), nullable=False),
        sa.Column("realigned", sa.Boolean(), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["fund_forms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_row_id"], ["source_rows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_indicators_form_id", "indicators", ["form_id"])
    if op.get_context().dialect.supports_alter:
        # funds and fund_forms refer to each other: where tables can be altered, the
        # second reference is added once both exist (SQLite keeps it in funds' definition)
        op.create_foreign_key(None, "funds", "fund_forms", ["form_id"], ["id"], ondelete="SET NULL")
