"""The original bytes of ingested files: for the source viewer and for restoring earlier versions.

Stored once per content (keyed by SHA-256) inside the store itself, so that a
PostgreSQL store carries them too.  The bytes are read from disk only when they
are written, and checked against the hash the file was recognised under.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db import models as m


class FileChanged(Exception):
    """The file on disk no longer has the bytes that were read and recognised."""


def keep_original(session: Session, path: Path, sha256: str) -> None:
    """Store the file's bytes unless these bytes are stored already; the caller's transaction commits them.

    A Core insert, so the bytes are not also kept in the session's identity map.
    """
    if session.scalar(select(m.StoredFile.sha256).where(m.StoredFile.sha256 == sha256)):
        return
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FileChanged("文件在导入过程中被改动，本文件未入库；请在文件保存完毕后重新导入")
    session.execute(insert(m.StoredFile).values(sha256=sha256, size=len(data), data=data))


def stored_bytes(session: Session, sha256: str) -> bytes | None:
    """The bytes stored under a hash; ``None`` when they were not kept (ingested before bytes were kept)."""
    return session.scalar(select(m.StoredFile.data).where(m.StoredFile.sha256 == sha256))


def original_bytes(session: Session, document_id: int) -> tuple[str, bytes] | None:
    """``(format, bytes)`` of the file a document was read from; ``None`` when they were not kept."""
    found = session.execute(
        select(m.Document.fmt, m.StoredFile.data)
        .join(m.StoredFile, m.StoredFile.sha256 == m.Document.sha256)
        .where(m.Document.id == document_id)
    ).first()
    return (found[0], found[1]) if found else None
