"""Words staff teach: "医保中心" means 医疗保障事务中心, "搬迁" means 易地扶贫搬迁.

A taught word is stored in the database (who taught it, when) so every user of
the store gets it at once, and the semantic model reads it as one more name for
its target.  The target must be something the assistant already knows — a name
from the store or a lexicon word — or teaching it would only move the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from assistant.lexicon import normalise
from db import models as m

MAX_ALIAS = 32


class TeachError(ValueError):
    """Why a word cannot be taught; the message is Chinese."""


@dataclass(frozen=True)
class Taught:
    """One taught word as listed to staff."""

    alias: str
    target: str
    taught_by: str
    taught_at: datetime


def taught_pairs(engine: Engine) -> list[tuple[str, str]]:
    """(alias, target) of every taught word, for building the semantic model."""
    with Session(engine) as session:
        return [(a, t) for a, t in session.execute(select(m.TaughtWord.alias, m.TaughtWord.target))]


def listed(engine: Engine) -> list[Taught]:
    """Every taught word, newest first."""
    with Session(engine) as session:
        rows = session.scalars(select(m.TaughtWord).order_by(m.TaughtWord.taught_at.desc()))
        return [Taught(r.alias, r.target, r.taught_by, r.taught_at) for r in rows]


def teach(engine: Engine, alias: str, target: str, who: str, knows) -> Taught:
    """Store ``alias`` as another name for ``target``; ``knows(word)`` says whether the assistant
    already understands the target.  Teaching an alias again replaces its target."""
    alias, target = normalise(alias), normalise(target)
    if not alias or not target:
        raise TeachError("别名和指向都不能为空。")
    if len(alias) > MAX_ALIAS:
        raise TeachError(f"别名太长（{len(alias)} 字），最多 {MAX_ALIAS} 字。")
    if alias == target:
        raise TeachError("别名和指向相同，不需要教。")
    if not knows(target):
        raise TeachError(f"“{target}”本身还不认识：指向必须是库中的部门、专项、指标、科目名称或词表里的词。")
    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        session.execute(delete(m.TaughtWord).where(m.TaughtWord.alias == alias))
        session.add(m.TaughtWord(alias=alias, target=target, taught_by=who or "", taught_at=now))
    return Taught(alias, target, who or "", now)


def forget(engine: Engine, alias: str) -> bool:
    """Remove a taught word; False when it was not taught."""
    with Session(engine) as session, session.begin():
        gone = session.execute(delete(m.TaughtWord).where(m.TaughtWord.alias == normalise(alias)))
        return bool(gone.rowcount)
