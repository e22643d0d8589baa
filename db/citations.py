"""Citations: the source rows behind a figure, the one mechanism every reader of the store uses.

The ``Citation`` type lives with the store, not with the assistant, because the
answer engines and the reconciliation checks both cite rows, and neither should
import the other to do it.  ``cite`` turns ``source_rows`` ids into citations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.blocks import place


@dataclass(frozen=True)
class Citation:
    """A source row that contains a figure the answer states.

    ``source`` is the ingested file's name; ``line`` is the 1-based line of a text
    file; ``page``, ``sheet`` and ``row`` locate rows of the other formats.
    ``ingested_at`` (ISO 8601, UTC) and ``version`` (the file's SHA-256) say which
    version of the document the row is from, since a document can be replaced.
    """

    source: str
    text: str
    line: int | None = None
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    source_row_id: int | None = None
    ingested_at: str | None = None
    version: str | None = None

    def location(self) -> str:
        """Chinese location label for tables in the page and the terminal."""
        return place(self.line, self.page, self.sheet, self.row)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "page": self.page,
            "sheet": self.sheet,
            "row": self.row,
            "text": self.text,
            "ingested_at": self.ingested_at,
            "version": self.version,
        }


def cite(session: Session, row_ids: Iterable[int | None]) -> list[Citation]:
    """Citations for the given source rows, in the order given, each row once."""
    wanted = list(dict.fromkeys(i for i in row_ids if i is not None))
    if not wanted:
        return []
    found = {
        row.id: (row, doc)
        for row, doc in session.execute(
            select(m.SourceRow, m.Document)
            .join(m.Document, m.SourceRow.document_id == m.Document.id)
            .where(m.SourceRow.id.in_(wanted))
        )
    }
    out = []
    for i in wanted:
        if i not in found:
            continue
        row, doc = found[i]
        out.append(
            Citation(source=doc.file_name, text=row.text, line=row.line, page=row.page, sheet=row.sheet,
                     row=row.row, source_row_id=row.id, ingested_at=_utc(doc.ingested_at),
                     version=doc.sha256)
        )
    return out


def _utc(at: datetime) -> str:
    """A stored time as ISO 8601 in UTC (the store keeps naive UTC times on some databases)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
