"""The original bytes of an ingested document, for the source viewer and for restoring versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m


def original_bytes(session: Session, document_id: int) -> tuple[str, bytes] | None:
    """``(format, bytes)`` of the file a document was read from; ``None`` when they were not kept."""
    found = session.execute(
        select(m.Document.fmt, m.StoredFile.data)
        .join(m.StoredFile, m.StoredFile.sha256 == m.Document.sha256)
        .where(m.Document.id == document_id)
    ).first()
    return (found[0], found[1]) if found else None
