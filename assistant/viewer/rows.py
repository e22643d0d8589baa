"""The stored rows around a cited one: its whole table, or the paragraphs before and after it.

Text exports and Word documents are shown this way: every row of them is in
the store with its location and original text, so the table the figure sits in
(or the prose around it) can be laid out without opening the file again.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.presenting import strip_tags
from assistant.viewer.view import Grid
from db import models as m
from db.blocks import place

WINDOW = 40  # table rows shown above and below the cited one in a long table
PROSE = 6  # paragraphs shown before and after a cited paragraph


def context_grid(session: Session, row: m.SourceRow) -> Grid:
    """The cited row's table (or the prose around it) with that row marked, markup stripped."""
    wanted = select(m.SourceRow).where(m.SourceRow.document_id == row.document_id)
    if row.table_no is not None:
        wanted = wanted.where(m.SourceRow.table_no == row.table_no,
                              m.SourceRow.ordinal.between(row.ordinal - WINDOW, row.ordinal + WINDOW))
    else:
        wanted = wanted.where(m.SourceRow.ordinal.between(row.ordinal - PROSE, row.ordinal + PROSE))
    rows = list(session.scalars(wanted.order_by(m.SourceRow.ordinal)))
    cells = [_cells(r) for r in rows]
    width = max(map(len, cells), default=1)
    return Grid(
        header=[],
        labels=[place(r.line, None, r.sheet, r.row) for r in rows],
        rows=[c + [""] * (width - len(c)) for c in cells],
        hit=next((i for i, r in enumerate(rows) if r.id == row.id), None),
    )


def _cells(row: m.SourceRow) -> list[str]:
    """A row's cells as the reader cleaned them (merged-away cells empty), markup stripped."""
    if row.cells:
        return [strip_tags(c or "") for c in json.loads(row.cells)]
    return [strip_tags(row.text)]
