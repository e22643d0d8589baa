"""The SQL schema: tables an analyst would recognise, every fact linked to its source row.

Portable SQLAlchemy types only (no SQLite-specific features), so the same models
run on PostgreSQL.  Amounts are ``Numeric`` with their unit and year next to
them, and the text the source wrote is kept beside each amount.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

AMOUNT = Numeric(18, 4)


def _row_fk() -> ForeignKey:
    """A link to the source row a fact came from; it goes when its document goes.  Every such
    column is indexed: removing a replaced document's rows must find the facts that point at
    them without scanning every fact of the library."""
    return ForeignKey("source_rows.id", ondelete="CASCADE")


class Base(DeclarativeBase):
    """Declarative base for all budget tables."""


class Document(Base):
    """The current version of one ingested file.

    A document is known by its ``identity``, the file's path relative to the
    folder it was ingested from (see ``ingest.sources``): two files named alike
    in two folders are two documents.  ``file_name`` is the base name users and
    citations see.  Earlier versions are listed in ``document_versions``.
    ``rendition_of_id`` points at the primary copy of the same content.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("identity", name="uq_documents_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(1024))
    file_name: Mapped[str] = mapped_column(String(512))
    fmt: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16), default="万元")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # documents with the same content_key are renditions of one document (txt, pdf, docx…);
    # only the primary one (rendition_of_id NULL) is answered from, the others stay citable
    content_key: Mapped[str] = mapped_column(String(64), index=True)
    rendition_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    ingested_at: Mapped[datetime] = mapped_column(DateTime)

    rows: Mapped[list[SourceRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class StoredFile(Base):
    """The bytes of every ingested file, keyed by their SHA-256.

    Kept in the store itself (not beside it) so that a PostgreSQL store carries
    them too: the source viewer opens the original page a citation points at,
    and earlier versions of a replaced document can be restored.
    """

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentVersion(Base):
    """Every version ever ingested under an identity, for history and restore (bytes in ``stored_files``).

    ``status`` is ``current`` for the version the store answers from,
    ``superseded`` once a newer one replaced it, and ``removed`` once the
    document left the store.  ``ingested_by`` is empty for versions ingested
    before the history was kept.
    """

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(1024), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(512))
    fmt: Mapped[str] = mapped_column(String(16))
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    ingested_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))


class SourceRow(Base):
    """A paragraph or table row exactly as the file has it: the unit of citation."""

    __tablename__ = "source_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    block: Mapped[str] = mapped_column(String(16))  # paragraph / heading / table_row
    table_no: Mapped[int | None] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    sheet: Mapped[str | None] = mapped_column(String(128))
    row: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # original text of the row
    cells: Mapped[str | None] = mapped_column(Text)  # JSON list of cleaned cells

    document: Mapped[Document] = relationship(back_populates="rows")


class Department(Base):
    """A department (主管部门), keyed by its budget code where the source gives one."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(Text)


class DepartmentName(Base):
    """Every spelling of a department seen in the data, with where it was seen."""

    __tablename__ = "department_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    source_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)


class Fund(Base):
    """A fund or project: the catalog figure and the 绩效目标表 figure kept separately."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    program: Mapped[str] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    catalog_seq: Mapped[int | None] = mapped_column(Integer)
    catalog_name: Mapped[str | None] = mapped_column(Text)
    catalog_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    catalog_amount_text: Mapped[str | None] = mapped_column(String(64))
    catalog_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    form_id: Mapped[int | None] = mapped_column(
        ForeignKey("fund_forms.id", ondelete="SET NULL", use_alter=True)
    )
    table_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    table_amount_text: Mapped[str | None] = mapped_column(String(64))
    table_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)


class FundForm(Base):
    """One 绩效目标表 as printed, with the row of every field it states."""

    __tablename__ = "fund_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"))
    program: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    dept_text: Mapped[str] = mapped_column(Text)
    budget: Mapped[Decimal | None] = mapped_column(AMOUNT)
    budget_text: Mapped[str] = mapped_column(String(64))
    overview: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(128), index=True)
    phone: Mapped[str] = mapped_column(String(64))
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    name_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    budget_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    overview_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    goal_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    contact_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    phone_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)
    seq_row_id: Mapped[int | None] = mapped_column(_row_fk(), index=True)


class Indicator(Base):
    """One 绩效指标 row of a form."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("fund_forms.id", ondelete="CASCADE"), index=True
    )
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    nature: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    # the value as a number when it is one (95 of "≥ 95 %"), so SQL can compare targets
    value_number: Mapped[Decimal | None] = mapped_column(AMOUNT)
    unit: Mapped[str] = mapped_column(String(64))
    weight: Mapped[Decimal | None] = mapped_column(AMOUNT)
    weight_text: Mapped[str] = mapped_column(String(32))
    is_core: Mapped[bool | None] = mapped_column(Boolean)
    core_text: Mapped[str] = mapped_column(String(32))
    realigned: Mapped[bool] = mapped_column(Boolean, default=False)
    source_row_id: Mapped[int] = mapped_column(_row_fk(), index=True)


class BudgetLine(Base):
    """One amount of a 部门预算 standard table (table, subject code, year, column)."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    table_no: Mapped[int] = mapped_column(Integer)
    table_title: Mapped[str] = mapped_column(Text)
    classification: Mapped[str | None] = mapped_column(String(32))
    subject_code: Mapped[str | None] = mapped_column(String(32), index=True)
    subject_name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    amount_text: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    source_row_id: Mapped[int] = mapped_column(_row_fk(), index=True)


class StatedFact(Base):
    """A figure stated in a narrative paragraph, with its change against a base year."""

    __tablename__ = "stated_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    topic: Mapped[str] = mapped_column(Text)
    item: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    amount_text: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    change: Mapped[str | None] = mapped_column(String(8))
    change_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    change_text: Mapped[str] = mapped_column(String(64))
    base_year: Mapped[int | None] = mapped_column(Integer)
    source_row_id: Mapped[int] = mapped_column(_row_fk(), index=True)


class Anomaly(Base):
    """An inconsistency noticed at ingest (re-aligned row, misplaced weight, ...)."""

    __tablename__ = "anomalies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class AnomalyRow(Base):
    """Links an anomaly to each source row it concerns."""

    __tablename__ = "anomaly_rows"

    anomaly_id: Mapped[int] = mapped_column(
        ForeignKey("anomalies.id", ondelete="CASCADE"), primary_key=True
    )
    source_row_id: Mapped[int] = mapped_column(_row_fk(), primary_key=True, index=True)


class TaughtWord(Base):
    """A wording staff taught the assistant: ``alias`` is to be read as ``target`` (a name the store
    knows or a lexicon word).  Kept in the store so every user of it gets it at once; who and when
    say where it came from, and it can be listed and removed."""

    __tablename__ = "taught_words"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), unique=True)
    target: Mapped[str] = mapped_column(Text)
    taught_by: Mapped[str] = mapped_column(String(128))
    taught_at: Mapped[datetime] = mapped_column(DateTime)
