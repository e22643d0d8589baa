"""The source viewer: the original a citation points at, with the cited row marked.

A PDF row is shown on its page, rendered from the file's stored bytes, with a
box around the row; a workbook row in its sheet; rows of text exports and Word
documents in their table or among the paragraphs around them.  When the cited
file is a text export and a PDF rendition of the same document was ingested,
the row is also found on the PDF page, because that page is what the meeting
has on paper.  Reads only: the store is never changed here.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from assistant.presenting import citation_cells
from assistant.viewer.pdf import page_image
from assistant.viewer.rows import context_grid
from assistant.viewer.sheet import sheet_grid
from assistant.viewer.view import Grid, PageImage, SourceView
from db import models as m
from db.blocks import place
from db.citations import Citation
from db.originals import original_bytes

__all__ = ["Grid", "PageImage", "SourceView", "open_source"]


def open_source(engine: Engine, source_row_id: int) -> SourceView | None:
    """What the viewer shows for a cited row; ``None`` when the row is no longer stored."""
    with Session(engine) as session:
        found = session.execute(
            select(m.SourceRow, m.Document).join(m.Document, m.SourceRow.document_id == m.Document.id)
            .where(m.SourceRow.id == source_row_id)
        ).first()
        if found is None:
            return None
        row, document = found
        view = SourceView(file_name=document.file_name, original=row.text,
                          location=place(row.line, row.page, row.sheet, row.row))
        stored = original_bytes(session, document.id)
        cells = citation_cells(Citation(source=document.file_name, text=row.text))
        if stored is not None and stored[0] == "pdf" and row.page is not None:
            page = page_image(stored[1], row.page, cells)
            if page is not None:
                note = "" if page.box else "没有在这一页上找到该行的文字，下面是整页。"
                return replace(view, page=page, page_file=document.file_name, note=note)
        if stored is not None and stored[0] == "xlsx" and row.sheet and row.row is not None:
            grid = sheet_grid(stored[1], row.sheet, row.row)
            if grid is not None:
                return replace(view, grid=grid)
        view = replace(view, grid=context_grid(session, row))
        if stored is None:
            view = replace(view, note="库中没有保存这个文件的原件，下面是入库时读出的各行。")
        return _on_pdf_rendition(session, document, row, cells, view)


def _on_pdf_rendition(
    session: Session, document: m.Document, row: m.SourceRow, cells: list[str], view: SourceView
) -> SourceView:
    """Add the PDF page of the same row when a PDF version of the cited document was ingested."""
    if document.fmt == "pdf" or not cells:
        return view
    renditions = session.scalars(
        select(m.Document).where(m.Document.content_key == document.content_key,
                                 m.Document.id != document.id, m.Document.fmt == "pdf")
    ).all()
    for rendition in renditions:
        twin = _same_row(session, rendition.id, row)
        stored = original_bytes(session, rendition.id)
        if twin is None or twin.page is None or stored is None:
            continue
        page = page_image(stored[1], twin.page, cells)
        if page is not None:
            return replace(view, page=page, page_file=rendition.file_name)
    return view


def _same_row(session: Session, document_id: int, row: m.SourceRow) -> m.SourceRow | None:
    """The row of another rendition whose cleaned cells are the cited row's (blank cells aside)."""
    mine = _filled(row)
    if not mine:
        return None
    key = mine[0].split("\n")[0]
    candidates = session.scalars(
        select(m.SourceRow).where(m.SourceRow.document_id == document_id,
                                  or_(m.SourceRow.cells.contains(key), m.SourceRow.text.contains(key)))
    )
    return next((r for r in candidates if _filled(r) == mine), None)


def _filled(row: m.SourceRow) -> list[str]:
    """The non-empty cleaned cells of a stored row."""
    cells = json.loads(row.cells) if row.cells else [row.text]
    return [c for c in cells if c]
