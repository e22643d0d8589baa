"""Versions of a document: what a replacement would change, what was there before, and going back.

- ``preview(engine, path, identity)`` reads and recognises a file without
  writing anything and says what ingesting it would change against the current
  version: counts per record kind and every figure whose text differs.
- ``history(engine, identity)`` lists the versions ingested under an identity
  (``documents`` lists the identities, ``resolve`` finds the one a user means).
- ``restore(engine, identity, sha256, who)`` makes an earlier version current
  again by ingesting its stored bytes, exactly as if that file were ingested;
  ``restore_preview`` says first what that would change.

A page asks for confirmation with the preview before it ingests; the command
line offers ``budgetqa versions`` and ``budgetqa restore``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db import models as m
from db.blocks import Table
from db.hooks import IndexHook
from db.originals import stored_bytes
from db.records import DocumentRecords
from db.store import find_document
from db.version_log import CURRENT, STATUS_NAMES, identities, versions
from ingest.pipeline import ADDED, FAILED, REPLACED, FileResult, counts, facts_of, ingest_file, read_file
from ingest.settings import Limits
from ingest.sources import identity_of

RESTORED = "已恢复"
_NOT_KEPT = "该版本入库时还没有保存原文件，无法恢复"
_SHOWN = 30  # figure changes a description lists; ``changes`` holds them all


class VersionError(LookupError):
    """The version asked for is not in the history (or the hash prefix names several); message in Chinese."""


@dataclass(frozen=True)
class VersionInfo:
    """One version ingested under an identity, as the history lists it.

    ``status`` is ``current``, ``superseded`` or ``removed`` (``status_name`` says
    it in Chinese); ``restorable`` is false for versions ingested before the
    store kept original bytes.  ``ingested_at`` is timezone-aware (UTC);
    ``ingested_by`` is empty when nobody was recorded.
    """

    identity: str
    sha256: str
    size: int
    file_name: str
    fmt: str
    ingested_at: datetime
    ingested_by: str
    status: str
    restorable: bool

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


@dataclass(frozen=True)
class FigureChange:
    """One figure that reads differently in the new file: ``old``/``new`` as written, ``None`` when absent.

    ``kind`` is one of 目录金额, 绩效目标表预算, 预算行, 叙述数字; ``name`` says
    whose figure it is (a fund, a table line with year and column, a stated item).
    """

    kind: str
    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ReplacementPreview:
    """What ingesting ``file_name`` under ``identity`` would do, worked out without writing anything.

    ``current`` is the version it would replace (``None``: it would be a new
    document).  ``counts`` maps each record kind (目录条目, 绩效目标表, 绩效指标,
    预算行, 叙述数字, 异常, 原文行) to (current count, new count); ``changes``
    lists the figures that differ, in document order.
    """

    identity: str
    file_name: str
    sha256: str
    size: int
    kind: str
    current: VersionInfo | None
    counts: dict[str, tuple[int, int]]
    changes: list[FigureChange]

    @property
    def unchanged(self) -> bool:
        """The file is byte for byte the current version: ingesting it changes nothing."""
        return self.current is not None and self.current.sha256 == self.sha256

    @property
    def replaces(self) -> bool:
        """Ingesting the file replaces the current version (and so needs a confirmation)."""
        return self.current is not None and not self.unchanged

    def describe(self) -> str:
        """The preview in Chinese, one line per fact, for a confirmation dialog or the terminal."""
        if self.current is None:
            return f"{self.identity}：新文档，入库后新增。"
        if self.unchanged:
            return f"{self.identity}：与当前版本完全相同，入库不会改变任何内容。"
        lines = [f"{self.identity}：将替换当前版本（{self.current.sha256[:12]}，"
                 f"{self.current.ingested_at.astimezone():%Y-%m-%d %H:%M} 入库）。"]
        lines += [f"  {k}：{old} → {new}" for k, (old, new) in self.counts.items() if old != new]
        lines += [f"  {c.kind} {c.name}：{c.old or '（无）'} → {c.new or '（无）'}"
                  for c in self.changes[:_SHOWN]]
        if len(self.changes) > _SHOWN:
            lines.append(f"  ……另有 {len(self.changes) - _SHOWN} 处数字不同")
        if len(lines) == 1:
            lines.append("  记录条数和数字都没有变化（只有原文的写法不同）。")
        return "\n".join(lines)


def _info(version: m.DocumentVersion, kept: set[str]) -> VersionInfo:
    return VersionInfo(
        identity=version.identity, sha256=version.sha256, size=version.size, file_name=version.file_name,
        fmt=version.fmt, ingested_at=version.ingested_at.replace(tzinfo=UTC), ingested_by=version.ingested_by,
        status=version.status, restorable=version.sha256 in kept,
    )


def history(engine: Engine, identity: str) -> list[VersionInfo]:
    """The versions ingested under an identity, newest first (empty when it has none)."""
    with Session(engine) as session:
        found = versions(session, identity)
        kept = set(session.scalars(select(m.StoredFile.sha256).where(
            m.StoredFile.sha256.in_({v.sha256 for v in found}))))
        return [_info(v, kept) for v in found]


def documents(engine: Engine) -> list[str]:
    """Every identity with a history, in order: what ``history`` can be asked about."""
    with Session(engine) as session:
        return identities(session)


def resolve(engine: Engine, given: str) -> str:
    """The identity a user means by ``given``.

    One the history knows as typed; else the identity that path would get if
    ingested on its own; else the one known identity the path ends with
    (``资料/2024/卫健局.txt`` when the folder ``资料`` was ingested) or that ends
    with the path (``卫健局.txt``).  ``VersionError`` when several fit.
    """
    known = documents(engine)
    if given in known:
        return given
    own = identity_of(Path(given))
    if own in known:
        return own
    parts = Path(own).parts
    found = [k for k in known if _ends_with(parts, Path(k).parts) or _ends_with(Path(k).parts, parts)]
    if len(found) > 1:
        raise VersionError(f"“{given}”可能是以下文档之一，请写出其中一个：{'、'.join(found)}")
    return found[0] if found else own


def _ends_with(path: tuple[str, ...], tail: tuple[str, ...]) -> bool:
    return len(path) >= len(tail) and path[len(path) - len(tail):] == tail


# --- what would change ------------------------------------------------------------------------


def _fact_text(f: Any) -> str:
    return f"{f.amount_text}，{f.change}{f.change_text}" if f.change_text else f.amount_text


# Each figure kind: its name, who the figure belongs to, and its text.  Records and stored rows
# carry the same attribute names, so one description serves both sides of the comparison.
_FIGURES: tuple[tuple[str, Callable[[Any], str], Callable[[Any], str]], ...] = (
    ("目录金额", lambda e: e.name, lambda e: e.amount_text),
    ("绩效目标表预算", lambda f: f.name, lambda f: f.budget_text),
    ("预算行", lambda b: f"表{b.table_no} {b.subject_code or ''}{b.subject_name} {b.year}年 {b.column}",
     lambda b: b.amount_text),
    ("叙述数字", lambda f: f"{f.topic} {f.item}" + (f"（{f.year}年）" if f.year else ""), _fact_text),
)


def _new_items(doc: DocumentRecords) -> list[Iterable[Any]]:
    return [doc.catalog, doc.forms, doc.budget_lines, doc.facts]


def _old_items(session: Session, document_id: int) -> list[Iterable[Any]]:
    catalog = (
        select(m.Fund.catalog_name.label("name"), m.Fund.catalog_amount_text.label("amount_text"))
        .where(m.Fund.document_id == document_id, m.Fund.catalog_row_id.is_not(None))
        .order_by(m.Fund.id)
    )
    return [
        session.execute(catalog).all(),
        session.scalars(select(m.FundForm).where(m.FundForm.document_id == document_id)
                        .order_by(m.FundForm.id)).all(),
        session.scalars(select(m.BudgetLine).where(m.BudgetLine.document_id == document_id)
                        .order_by(m.BudgetLine.id)).all(),
        session.scalars(select(m.StatedFact).where(m.StatedFact.document_id == document_id)
                        .order_by(m.StatedFact.id)).all(),
    ]


def _changes(kind: str, name: Callable[[Any], str], text: Callable[[Any], str],
             old: Iterable[Any], new: Iterable[Any]) -> list[FigureChange]:
    """Figures that differ; figures named alike are paired in the order the documents give them."""
    by_name: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for side, items in enumerate((old, new)):
        for item in items:
            by_name[name(item)][side].append((text(item) or "").strip())
    return [
        FigureChange(kind, key, before, after)
        for key, (olds, news) in by_name.items()
        for before, after in zip_longest(olds, news)
        if before != after
    ]


def _stored_counts(session: Session, document_id: int) -> dict[str, int]:
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    forms = select(m.FundForm.id).where(m.FundForm.document_id == document_id)
    return {
        "目录条目": count(m.Fund, m.Fund.document_id == document_id, m.Fund.catalog_row_id.is_not(None)),
        "绩效目标表": count(m.FundForm, m.FundForm.document_id == document_id),
        "绩效指标": count(m.Indicator, m.Indicator.form_id.in_(forms)),
        "预算行": count(m.BudgetLine, m.BudgetLine.document_id == document_id),
        "叙述数字": count(m.StatedFact, m.StatedFact.document_id == document_id),
        "异常": count(m.Anomaly, m.Anomaly.document_id == document_id),
        "原文行": count(m.SourceRow, m.SourceRow.document_id == document_id),
    }


def preview(engine: Engine, path: Path, identity: str) -> ReplacementPreview:
    """What ingesting ``path`` under ``identity`` would change; nothing is written.

    Raises ``ingest.readers.errors.ReaderError`` (Chinese message) when the file
    cannot be ingested at all, for the same reasons ingest would refuse it.
    """
    limits = Limits.from_env()
    reading = read_file(facts_of(path, identity, limits), limits)
    rows = sum(len(b.rows) if isinstance(b, Table) else 1 for b in reading.blocks)
    new_counts = {"目录条目": 0, "绩效目标表": 0, "绩效指标": 0, "预算行": 0, "叙述数字": 0, "异常": 0,
                  **counts(reading.doc), "原文行": rows}
    with Session(engine) as session:
        old = find_document(session, identity)
        current = next((v for v in history(engine, identity) if v.status == CURRENT), None)
        old_counts = _stored_counts(session, old.id) if old is not None else dict.fromkeys(new_counts, 0)
        olds = _old_items(session, old.id) if old is not None else [[] for _ in _FIGURES]
        changes = [c for (kind, name, text), before, after in zip(_FIGURES, olds, _new_items(reading.doc),
                                                                   strict=True)
                   for c in _changes(kind, name, text, before, after)]
    return ReplacementPreview(
        identity=identity, file_name=path.name, sha256=reading.facts.sha256, size=reading.facts.size,
        kind=reading.doc.kind, current=current,
        counts={k: (old_counts[k], new_counts[k]) for k in new_counts}, changes=changes,
    )


# --- going back ---------------------------------------------------------------------------------


def find_version(engine: Engine, identity: str, sha256: str) -> VersionInfo:
    """The version of ``identity`` whose hash is or starts with ``sha256``; ``VersionError`` otherwise."""
    prefix = sha256.strip().lower()
    found = {v.sha256: v for v in history(engine, identity) if prefix and v.sha256.startswith(prefix)}
    if not found:
        raise VersionError(f"{identity} 没有哈希以“{prefix}”开头的版本（用 budgetqa versions 查看）")
    if len(found) > 1:
        raise VersionError(f"{identity} 有 {len(found)} 个版本的哈希以“{prefix}”开头，请多写几位")
    return next(iter(found.values()))


@contextmanager
def _original(engine: Engine, version: VersionInfo) -> Iterator[Path | None]:
    """The version's stored bytes as a file of its own name in a temporary folder, removed afterwards;
    ``None`` when the store kept no bytes for it."""
    with Session(engine) as session:
        data = stored_bytes(session, version.sha256)
    if data is None:
        yield None
        return
    with TemporaryDirectory(prefix="budgetqa-restore-") as folder:
        path = Path(folder) / version.file_name
        path.write_bytes(data)
        del data
        yield path


def restore_preview(engine: Engine, identity: str, sha256: str) -> ReplacementPreview:
    """What restoring a version (hash or unique hash prefix) would change, as ``preview`` says it for
    a file; nothing is written.  A restore replaces the current figures as much as an upload does,
    so a page shows this and asks for confirmation before it calls ``restore``.

    ``VersionError`` when the history has no such version or its bytes were not kept.
    """
    version = find_version(engine, identity, sha256)
    with _original(engine, version) as path:
        if path is None:
            raise VersionError(_NOT_KEPT)
        return preview(engine, path, identity)


def restore(
    engine: Engine, identity: str, sha256: str, who: str | None = None, hook: IndexHook | None = None
) -> FileResult:
    """Make an earlier version (hash or unique hash prefix) current again, from its stored bytes.

    It is ingested like any file, in one transaction, and enters the history as
    a new current version recorded under ``who``.  Status 已恢复 on success,
    未变化 when it is the current version already.  ``VersionError`` when the
    history has no such version.
    """
    version = find_version(engine, identity, sha256)
    with _original(engine, version) as path:
        if path is None:
            return FileResult(Path(version.file_name), FAILED, _NOT_KEPT, identity=identity)
        result = ingest_file(engine, path, hook, identity=identity, who=who)
    if result.status in (ADDED, REPLACED):
        result.status = RESTORED
    return result
