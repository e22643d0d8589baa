"""Write one document's blocks and records into the SQL store, inside the caller's transaction.

Every block row becomes a ``source_rows`` row first; every record then points
at the source row it came from (records hold the very ``Row`` objects the
reader made, so the link is by object identity, never by re-finding text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db import models as m
from db import records as r
from db.blocks import Block, Paragraph, Row
from db.originals import keep_original
from db.version_log import record_current

# Which rendition of the same content answers: text exports keep every line number.
FORMAT_RANK = {"txt": 0, "md": 0, "docx": 1, "pdf": 2, "xlsx": 3}
_BATCH = 5000  # rows per INSERT: bounds the statement and its parameters for very long documents


@dataclass(frozen=True)
class FileFacts:
    """What the store needs to know about the file itself.

    The bytes stay on disk: they are hashed by streaming, and read once more
    only when they are stored (``db.originals.keep_original``), so a file is
    never held in memory while it is being parsed.
    """

    identity: str
    name: str
    fmt: str
    sha256: str
    size: int
    path: Path

    @classmethod
    def of(cls, path: Path, identity: str, name: str | None = None) -> FileFacts:
        """Hash the file; ``name`` is the base name shown to users (by default the path's)."""
        with path.open("rb") as f:
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
            size = f.tell()
        return cls(identity, name or path.name, path.suffix.lower().lstrip("."), sha256, size, path)


def content_key(doc: r.DocumentRecords, facts: FileFacts) -> str:
    """Same key for renditions of one document: the recognised content, not the bytes."""
    if doc.kind == r.SPECIAL_FUNDS:
        basis = "|".join(sorted(e.name for e in doc.catalog) or sorted(f.name for f in doc.forms))
    elif doc.kind == r.DEPT_BUDGET:
        basis = f"{doc.dept_code}|{doc.dept_name}"
    else:
        basis = facts.sha256
    return hashlib.sha256(f"{doc.kind}|{doc.year}|{basis}".encode()).hexdigest()


def find_document(session: Session, identity: str) -> m.Document | None:
    """The stored (current) document of an identity, if any."""
    return session.scalar(select(m.Document).where(m.Document.identity == identity))


def delete_document(session: Session, doc: m.Document) -> None:
    """Remove a document; the schema's ON DELETE CASCADE removes everything recognised from it."""
    key = doc.content_key
    session.execute(delete(m.Document).where(m.Document.id == doc.id))
    named = select(m.DepartmentName.department_id)
    used = select(m.Document.department_id).where(m.Document.department_id.is_not(None))
    session.execute(
        delete(m.Department).where(m.Department.id.not_in(named), m.Department.id.not_in(used))
    )
    session.expire_all()
    elect_primary(session, key)


def elect_primary(session: Session, key: str) -> None:
    """Among renditions of one content, the best format answers; the others point at it."""
    docs = session.scalars(select(m.Document).where(m.Document.content_key == key)).all()
    if not docs:
        return
    primary = min(docs, key=lambda d: (FORMAT_RANK.get(d.fmt, 9), d.id))
    for d in docs:
        d.rendition_of_id = None if d is primary else primary.id
    session.flush()


class _Writer:
    """Writes one document's rows and records, keeping the map from reader rows to source-row ids.

    Core inserts (with RETURNING where ids are needed) rather than ORM objects: a
    document has thousands of rows, and per-object bookkeeping plus a flush before
    every department lookup made writing one compilation cost seconds.
    """

    def __init__(self, session: Session, document: m.Document) -> None:
        self.session = session
        self.document = document
        self.document_id = document.id
        self.rows: dict[int, int] = {}  # id() of a reader's Row -> source_rows.id
        self.by_code: dict[str, int] = {}
        self.indicators: list[dict[str, Any]] = []

    def insert(self, model: type[m.Base], values: list[dict[str, Any]]) -> list[int]:
        """Insert rows; their ids in the order given."""
        table = model.__table__
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(self.session.scalars(stmt, values)) if values else []

    def source_rows(self, blocks: list[Block]) -> None:
        """Every row of every block, inserted a batch at a time so a long document never has all
        its insert parameters in memory at once."""
        rows: list[Row] = []
        values: list[dict[str, Any]] = []
        for ordinal, (row, kind, table_no) in enumerate(_numbered_rows(blocks), start=1):
            loc = row.loc
            rows.append(row)
            values.append(dict(
                document_id=self.document_id, ordinal=ordinal, block=kind, table_no=table_no,
                line=loc.line, page=loc.page, sheet=loc.sheet, row=loc.row, text=row.raw,
                cells=json.dumps(row.cells, ensure_ascii=False) if kind == "table_row" else None,
            ))
            if len(values) == _BATCH:
                self._map_rows(rows, values)
        self._map_rows(rows, values)

    def _map_rows(self, rows: list[Row], values: list[dict[str, Any]]) -> None:
        """Insert a batch of source rows, remember their ids, and empty the batch."""
        self.rows.update(zip(map(id, rows), self.insert(m.SourceRow, values), strict=True))
        rows.clear()
        values.clear()

    def row_id(self, row: Row | None) -> int | None:
        return self.rows[id(row)] if row is not None else None

    def department(self, code: str | None, name: str | None, row: Row | None) -> int | None:
        """Find or create a department by code (else exact name) and record this spelling."""
        if not code and not name:
            return None
        dept_id = self.by_code.get(code) if code else None
        if dept_id is None:
            stmt = select(m.Department.id)
            if code:
                stmt = stmt.where(m.Department.code == code)
            else:
                stmt = stmt.where(
                    m.Department.id.in_(
                        select(m.DepartmentName.department_id).where(m.DepartmentName.name == name)
                    )
                    | (m.Department.name == name)
                )
            dept_id = self.session.scalars(stmt).first()
            if dept_id is None:
                dept_id = self.insert(m.Department, [dict(code=code, name=name or code or "")])[0]
            if code:
                self.by_code[code] = dept_id
        if name:
            self.session.execute(insert(m.DepartmentName.__table__).values(
                department_id=dept_id, name=name, source_row_id=self.row_id(row)))
        return dept_id

    def form(self, form: r.FundForm, fund_id: int, repeat: bool) -> tuple[int, int | None]:
        """Insert a form (its indicators are queued for one insert); returns its id and budget row."""
        rows = form.rows
        dept_id = self.department(form.dept_code, form.dept_name, rows.get("主管部门") or
                                  rows.get("项目名称"))
        budget_row_id = self.row_id(rows.get("budget"))
        (form_id,) = self.insert(m.FundForm, [dict(
            document_id=self.document_id, fund_id=fund_id, program=form.program, seq=form.seq,
            name=form.name, department_id=dept_id, dept_text=form.dept_text, budget=form.budget,
            budget_text=form.budget_text, overview=form.overview, goal=form.goal,
            contact=form.contact, phone=form.phone, is_repeat=repeat,
            name_row_id=self.row_id(rows.get("项目名称")),
            budget_row_id=budget_row_id,
            overview_row_id=self.row_id(rows.get("项目概况")),
            goal_row_id=self.row_id(rows.get("当年绩效目标")),
            contact_row_id=self.row_id(rows.get("contact")),
            phone_row_id=self.row_id(rows.get("phone")),
            seq_row_id=self.row_id(rows.get("seq")),
        )])
        self.indicators.extend(
            dict(form_id=form_id, fund_id=fund_id, ordinal=i.ordinal, name=i.name,
                 nature=i.nature, value=i.value, value_number=i.value_number, unit=i.unit,
                 weight=i.weight,
                 weight_text=i.weight_text, is_core=i.is_core, core_text=i.core_text,
                 realigned=i.realigned, source_row_id=self.row_id(i.row))
            for i in form.indicators
        )
        return form_id, budget_row_id

    def funds(self, doc: r.DocumentRecords) -> None:
        """Catalog entries and forms become funds; linked forms share their entry's fund."""
        year, unit = doc.year, doc.unit
        by_entry = dict(enumerate(self.insert(m.Fund, [dict(
            document_id=self.document_id, program=r.PROGRAM_KEY, year=year, unit=unit,
            name=e.name, department_id=self.department(e.dept_code, e.dept_name, e.row),
            catalog_seq=e.seq, catalog_name=e.name, catalog_amount=e.amount,
            catalog_amount_text=e.amount_text, catalog_row_id=self.row_id(e.row),
        ) for e in doc.catalog])))
        table_figures: dict[int, dict[str, Any]] = {}  # fund id -> the form figures it takes
        for f, form in enumerate(doc.forms):
            entry, repeat = doc.form_links.get(f, (None, False))
            fund_id = by_entry.get(entry) if entry is not None else None
            if fund_id is None:
                owner = (doc.dept_code, doc.dept_name) if form.program != r.PROGRAM_KEY else (
                    form.dept_code, form.dept_name)
                (fund_id,) = self.insert(m.Fund, [dict(
                    document_id=self.document_id, program=form.program, year=year, unit=unit,
                    name=form.name,
                    department_id=self.department(*owner, form.rows.get("项目名称")),
                )])
            form_id, budget_row_id = self.form(form, fund_id, repeat)
            if not repeat and fund_id not in table_figures:
                table_figures[fund_id] = dict(
                    id=fund_id, form_id=form_id, table_amount=form.budget,
                    table_amount_text=form.budget_text, table_row_id=budget_row_id,
                )
        if table_figures:
            self.session.execute(update(m.Fund), list(table_figures.values()))
        if self.indicators:
            self.session.execute(insert(m.Indicator.__table__), self.indicators)

    def lines_and_facts(self, doc: r.DocumentRecords, dept_id: int | None) -> None:
        lines = [
            dict(document_id=self.document_id, department_id=dept_id, table_no=b.table_no,
                 table_title=b.table_title, classification=b.classification,
                 subject_code=b.subject_code, subject_name=b.subject_name, year=b.year,
                 column=b.column, amount=b.amount, amount_text=b.amount_text, unit=doc.unit,
                 source_row_id=self.row_id(b.row))
            for b in doc.budget_lines
        ]
        facts = [
            dict(document_id=self.document_id, department_id=dept_id, topic=f.topic,
                 item=f.item, year=f.year, amount=f.amount, amount_text=f.amount_text,
                 unit=f.unit, change=f.change, change_amount=f.change_amount,
                 change_text=f.change_text, base_year=f.base_year,
                 source_row_id=self.row_id(f.row))
            for f in doc.facts
        ]
        for model, values in ((m.BudgetLine, lines), (m.StatedFact, facts)):
            if values:
                self.session.execute(insert(model.__table__), values)

    def anomalies(self, doc: r.DocumentRecords) -> None:
        for a in doc.anomalies:
            (anomaly_id,) = self.insert(m.Anomaly, [dict(document_id=self.document_id, kind=a.kind,
                                                         message=a.message)])
            ids = {self.row_id(row) for row in a.rows}
            if ids:
                self.session.execute(insert(m.AnomalyRow.__table__),
                                     [dict(anomaly_id=anomaly_id, source_row_id=i) for i in ids])


def save_document(
    session: Session, facts: FileFacts, blocks: list[Block], doc: r.DocumentRecords, who: str
) -> m.Document:
    """Insert a document with all its rows, records, original bytes and version entry.

    The caller commits or rolls back, so a version is either entirely there or
    not at all; ``who`` is recorded in the version history.
    """
    keep_original(session, facts.path, facts.sha256)
    # naive UTC: a PostgreSQL "timestamp" column would shift an aware time by the server's zone
    now = datetime.now(UTC).replace(tzinfo=None)
    document = m.Document(
        identity=facts.identity, file_name=facts.name, fmt=facts.fmt, sha256=facts.sha256,
        size=facts.size, kind=doc.kind, title=doc.title, year=doc.year, unit=doc.unit,
        content_key=content_key(doc, facts), ingested_at=now,
    )
    session.add(document)
    session.flush()
    writer = _Writer(session, document)
    writer.source_rows(blocks)
    dept_id = None
    if doc.dept_code or doc.dept_name:
        first = next((row for row, _, _ in _numbered_rows(blocks) if doc.dept_name and doc.dept_name in
                      row.raw), None)
        dept_id = writer.department(doc.dept_code, doc.dept_name, first)
    document.department_id = dept_id
    writer.funds(doc)
    writer.lines_and_facts(doc, dept_id)
    writer.anomalies(doc)
    record_current(session, document, who, now)
    session.flush()
    elect_primary(session, document.content_key)
    return document


def _numbered_rows(blocks: list[Block]) -> Iterator[tuple[Row, str, int | None]]:
    """Each row with its kind (heading / paragraph / table_row) and the number of its table."""
    table_no = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.as_row(), "heading" if block.heading else "paragraph", None
        else:
            table_no += 1
            for row in block.rows:
                yield row, "table_row", table_no
