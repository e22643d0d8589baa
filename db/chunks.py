"""Chunks: the pieces of text the vector index holds, built from the SQL store.

Every piece of text with meaning becomes a chunk built from the SQL store
(never from the file), so its metadata carries the SQL ids it stands for: a
fund's name line, its 项目概况 and 当年绩效目标, each 绩效指标 name (all linked
to fund / form / indicator ids), and narrative paragraphs (linked to their
source row, which is also where their stated facts point).  Documents no
recogniser knows contribute all their paragraphs and table rows.  Every chunk
also carries its source row's id and location, so a match is citable as is.
Building is deterministic: the same stored document always gives the same
chunk keys and texts, which is what lets the index rebuild a document's chunks
after a crash and lets dense vectors be computed later from the stored text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.records import GENERIC

# Rows with fewer letters (CJK characters count as letters, digits do not) are
# headings, "单位：万元", "联系电话：1898…" lines: they label other text (and name
# paragraph matches) but mean little alone.
MIN_LETTERS = 10
# A numbered line ("四、“三公”经费情况说明", "（一）机关运行经费。") without clause
# punctuation and at most MAX_HEADING long is a section heading, not prose.
MAX_HEADING = 32
_SECTION = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])[^：:，,；;]*$")

FIELD_LABELS = {
    "name": "名称",
    "overview": "项目概况",
    "goal": "当年绩效目标",
    "indicator": "绩效指标",
    "paragraph": "段落",
}


@dataclass(frozen=True)
class Chunk:
    """One indexed text with the SQL ids it stands for and the row it is cited from."""

    key: str
    field: str
    text: str
    name: str
    entity: str
    entity_id: int
    row: m.SourceRow
    document: m.Document
    fund_id: int | None = None
    form_id: int | None = None
    indicator_id: int | None = None

    def metadata(self) -> dict[str, Any]:
        """Chroma metadata (no None values allowed there, so absent ids are left out)."""
        meta = {
            "field": self.field, "name": self.name, "entity": self.entity,
            "entity_id": self.entity_id, "fund_id": self.fund_id, "form_id": self.form_id,
            "indicator_id": self.indicator_id, "source_row_id": self.row.id,
            "document_id": self.document.id, "sha256": self.document.sha256,
            "file_name": self.document.file_name,
            "line": self.row.line, "page": self.row.page, "sheet": self.row.sheet, "row": self.row.row,
        }
        return {k: v for k, v in meta.items() if v is not None}


def embedded_text(meta: dict[str, Any], text: str) -> str:
    """What the embedders see: the chunk prefixed by whose field it is ("X·项目概况：…").

    A fund's goal rarely repeats the fund's name; the prefix lets a question
    that mixes the two ("猪肉储备的钱" + 应急保供) match one chunk.
    """
    if meta["field"] == "name":
        return text
    return f"{meta['name']}·{FIELD_LABELS[meta['field']]}：{text}"


def build_chunks(session: Session, document_id: int) -> list[Chunk]:
    """All chunks of one stored document, read from the SQL store."""
    doc = session.get(m.Document, document_id)
    if doc is None:
        return []
    rows = {
        r.id: r
        for r in session.scalars(
            select(m.SourceRow).where(m.SourceRow.document_id == document_id).order_by(m.SourceRow.ordinal)
        )
    }
    chunks = _fund_chunks(session, doc, rows)
    used = {c.row.id for c in chunks}
    return chunks + _paragraph_chunks(doc, [r for r in rows.values() if r.id not in used])


def _fund_chunks(session: Session, doc: m.Document, rows: dict[int, m.SourceRow]) -> list[Chunk]:
    """Each fund's name line, and the 概况, 目标 and indicator names of each of its forms."""
    depts = dict(session.execute(select(m.Department.id, m.Department.name)).all())
    funds = {f.id: f for f in session.scalars(select(m.Fund).where(m.Fund.document_id == doc.id))}
    forms = {f.id: f for f in session.scalars(select(m.FundForm).where(m.FundForm.document_id == doc.id))}
    indicators = defaultdict(list)
    for ind in session.scalars(
        select(m.Indicator).where(m.Indicator.form_id.in_(forms)).order_by(m.Indicator.ordinal)
    ):
        indicators[ind.form_id].append(ind)
    chunks: list[Chunk] = []
    for fund in funds.values():
        form = forms.get(fund.form_id or 0)
        row = rows.get(fund.catalog_row_id or (form.name_row_id if form else None) or 0)
        if row is not None:
            dept = depts.get(fund.department_id or 0)
            text = f"{fund.name}（{dept}）" if dept else fund.name
            chunks.append(Chunk(f"{doc.id}:name:{fund.id}", "name", text, fund.name, "fund", fund.id,
                                row, doc, fund_id=fund.id, form_id=fund.form_id))
    for form in forms.values():
        fund = funds.get(form.fund_id or 0)
        name, entity, entity_id = (fund.name, "fund", fund.id) if fund else (form.name, "form", form.id)
        parts = [
            ("overview", form.id, form.overview, form.overview_row_id, None),
            ("goal", form.id, form.goal, form.goal_row_id, None),
            *(("indicator", i.id, i.name, i.source_row_id, i.id) for i in indicators[form.id]),
        ]
        for field_, sql_id, text, row_id, indicator_id in parts:
            row = rows.get(row_id or 0)
            if row is not None and text.strip():
                chunks.append(Chunk(f"{doc.id}:{field_}:{sql_id}", field_, text.strip(), name, entity,
                                    entity_id, row, doc, fund_id=form.fund_id, form_id=form.id,
                                    indicator_id=indicator_id))
    return chunks


def _paragraph_chunks(doc: m.Document, rows: list[m.SourceRow]) -> list[Chunk]:
    """Narrative paragraphs (every row of an unrecognised document), named by their section."""
    section = doc.title
    chunks = []
    for row in rows:
        text = row.text.strip()
        if row.block == "heading" or (row.block == "paragraph" and _SECTION.match(text)
                                      and len(text) <= MAX_HEADING):
            section = text.lstrip("#").strip().rstrip("。")
            continue
        if row.block == "table_row" and doc.kind != GENERIC:
            section = doc.title  # recognised tables are indexed as records; they end the section above
            continue
        if sum(ch.isalpha() for ch in text) >= MIN_LETTERS:
            chunks.append(Chunk(f"{doc.id}:paragraph:{row.id}", "paragraph", text, section, "paragraph",
                                row.id, row, doc))
    return chunks
