"""Indexes on every link to a source row, and on the forms' contact person.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Replacing one document of a library deletes its source rows; each delete looks
for the facts that point at the row (ON DELETE CASCADE / SET NULL), which without
an index scans every fund, form, indicator, budget line and stated fact of every
year.  Funds are also looked up by their form's contact person.  Migrations go
forward only: to go back, restore the store's backup.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXED = {
    "department_names": ("source_row_id",),
    "funds": ("catalog_row_id", "table_row_id"),
    "fund_forms": ("name_row_id", "budget_row_id", "overview_row_id", "goal_row_id", "contact_row_id",
                   "phone_row_id", "seq_row_id", "contact"),
    "indicators": ("source_row_id",),
    "budget_lines": ("source_row_id",),
    "stated_facts": ("source_row_id",),
    "anomaly_rows": ("source_row_id",),
}


def upgrade() -> None:
    for table, columns in INDEXED.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])

