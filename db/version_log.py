"""The version history of every document identity, written in the transaction that changes the store.

One row per version that became current (a re-ingest of bytes seen before, or a
restore, adds a row of its own), so the history reads as what happened, in order.
Only the ``documents`` table decides what is answered from; this log says what
was there before and who put it there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import models as m

CURRENT, SUPERSEDED, REMOVED = "current", "superseded", "removed"
STATUS_NAMES = {CURRENT: "当前", SUPERSEDED: "已被替换", REMOVED: "已移除"}


def _end_current(session: Session, identity: str, status: str) -> None:
    session.execute(
        update(m.DocumentVersion)
        .where(m.DocumentVersion.identity == identity, m.DocumentVersion.status == CURRENT)
        .values(status=status)
    )


def record_current(session: Session, document: m.Document, who: str, at: datetime) -> None:
    """The document just written is its identity's current version; the one before is superseded."""
    _end_current(session, document.identity, SUPERSEDED)
    session.add(m.DocumentVersion(
        identity=document.identity, sha256=document.sha256, size=document.size,
        file_name=document.file_name, fmt=document.fmt, ingested_at=at, ingested_by=who,
        status=CURRENT,
    ))


def record_removed(session: Session, identity: str) -> None:
    """The identity's document left the store; its last version stays listed (and restorable)."""
    _end_current(session, identity, REMOVED)


def versions(session: Session, identity: str) -> list[m.DocumentVersion]:
    """An identity's versions, newest first."""
    return list(session.scalars(
        select(m.DocumentVersion).where(m.DocumentVersion.identity == identity)
        .order_by(m.DocumentVersion.ingested_at.desc(), m.DocumentVersion.id.desc())
    ))


def identities(session: Session) -> list[str]:
    """Every identity that has a history, in order."""
    return list(session.scalars(
        select(m.DocumentVersion.identity).distinct().order_by(m.DocumentVersion.identity)
    ))
