"""Turn source-row ids into citations: the shared citation mechanism of both engines."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.answer import Citation
from db import models as m


def cite(session: Session, row_ids: Iterable[int | None]) -> list[Citation]:
    """Citations for the given source rows, in the order given, each row once."""
    wanted = list(dict.fromkeys(i for i in row_ids if i is not None))
    if not wanted:
        return []
    found = {
        row.id: (row, name)
        for row, name in session.execute(
            select(m.SourceRow, m.Document.file_name)
            .join(m.Document, m.SourceRow.document_id == m.Document.id)
            .where(m.SourceRow.id.in_(wanted))
        )
    }
    out = []
    for i in wanted:
        if i not in found:
            continue
        row, name = found[i]
        out.append(
            Citation(source=name, text=row.text, line=row.line, page=row.page, sheet=row.sheet,
                     row=row.row, source_row_id=row.id)
        )
    return out
