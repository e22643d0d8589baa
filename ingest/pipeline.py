"""Ingest files: read → recognise → store, one transaction per file, nothing half-written.

A file that fails (unreadable, empty, unsupported, over a limit) gets a Chinese
message naming it and the reason; the other files of the run still go in.
Ingesting the same bytes again under the same identity changes nothing;
changed bytes replace the earlier version in the same transaction that writes
the new one, and the earlier version stays in the history (``ingest.versions``).
Hooks (the vector index) run after the SQL commit and undo it if they fail, so
the two stores never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db import models as m
from db.blocks import Block
from db.hooks import IndexHook
from db.originals import FileChanged
from db.records import DocumentRecords
from db.store import FileFacts, delete_document, find_document, save_document
from db.version_log import record_removed
from ingest.readers.bounds import check_file_size
from ingest.readers.dispatch import SUPPORTED, read_blocks
from ingest.readers.errors import ReaderError
from ingest.recognisers.dispatch import recognise
from ingest.settings import Limits, SettingError, operator
from ingest.sources import Source, expand, identity_of, readable

ADDED, REPLACED, UNCHANGED, FAILED, SKIPPED = "新增", "已替换", "未变化", "失败", "跳过"
KIND_NAMES = {"special_funds": "重点专项预算绩效", "dept_budget": "部门预算", "generic": "未识别（通用行）"}


@dataclass
class FileResult:
    """What happened to one file, in words a user can read; ``identity`` names it in messages."""

    path: Path
    status: str
    message: str = ""
    kind: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    identity: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def describe(self) -> str:
        """One Chinese line for the terminal and the upload tab."""
        head = f"{self.identity or self.path.name}：{self.status}"
        if self.kind:
            head += f"（{KIND_NAMES.get(self.kind, self.kind)}）"
        if self.counts:
            head += "，" + "，".join(f"{k} {v}" for k, v in self.counts.items())
        return head + (f"。{self.message}" if self.message else "")


@dataclass
class Reading:
    """A file read and recognised, not yet written: what ingest stores and what a preview compares."""

    facts: FileFacts
    blocks: list[Block]
    doc: DocumentRecords


def counts(doc: DocumentRecords) -> dict[str, int]:
    """How many records of each kind a recognised document holds (kinds it has none of left out)."""
    out = {
        "目录条目": len(doc.catalog),
        "绩效目标表": len(doc.forms),
        "绩效指标": sum(len(f.indicators) for f in doc.forms),
        "预算行": len(doc.budget_lines),
        "叙述数字": len(doc.facts),
        "异常": len(doc.anomalies),
    }
    return {k: v for k, v in out.items() if v}


def _reason(exc: Exception) -> str:
    """An exception in one short line: its type, and the start of its message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def facts_of(path: Path, identity: str, limits: Limits) -> FileFacts:
    """Hash a file, after refusing it if it is missing or over the size limit."""
    if not path.is_file():
        raise ReaderError("文件不存在")
    check_file_size(path, limits)
    return FileFacts.of(path, identity, readable(path.name))


def read_file(facts: FileFacts, limits: Limits) -> Reading:
    """Read and recognise a file without writing anything.

    Third-party parsers fail on damaged input in many ways (their own error
    types, ``AssertionError``, ``struct.error``, ``RecursionError``…); all of them
    mean "this file cannot be read", said in Chinese (``ReaderError``), never a
    traceback.
    """
    try:
        blocks = read_blocks(facts.path, limits)
    except ReaderError:
        raise
    except MemoryError as exc:
        raise ReaderError("文件过大或结构异常，读取时内存不足") from exc
    except Exception as exc:
        raise ReaderError(f"文件已损坏或格式异常，无法读取（{_reason(exc)}）") from exc
    try:
        return Reading(facts, blocks, recognise(blocks, facts.name))
    except Exception as exc:
        raise ReaderError(f"识别文件内容时出错（{_reason(exc)}）") from exc


def ingest_file(
    engine: Engine, path: Path, hook: IndexHook | None = None, *, identity: str | None = None,
    who: str | None = None,
) -> FileResult:
    """Ingest one file in its own transaction, under ``identity`` (by default the rule of ``ingest.sources``).

    ``who`` goes into the version history; by default ``BUDGETQA_USER`` or the account running.
    """
    identity = identity or identity_of(path)
    result = FileResult(path, FAILED, identity=identity)
    try:
        limits = Limits.from_env()
        facts = facts_of(path, identity, limits)
        with Session(engine) as session:
            old = find_document(session, identity)
            if old is not None and old.sha256 == facts.sha256:
                result.status, result.kind = UNCHANGED, old.kind
                return result
        reading = read_file(facts, limits)
        with Session(engine) as session, session.begin():
            old = find_document(session, identity)
            status = ADDED if old is None else REPLACED
            if old is not None:
                delete_document(session, old)
            document_id = save_document(session, facts, reading.blocks, reading.doc, who or operator()).id
    except (ReaderError, FileChanged, SettingError) as exc:
        result.message = str(exc)
        return result
    except SQLAlchemyError as exc:  # the transaction rolled back: nothing of this file is stored
        reason = getattr(exc, "orig", None) or exc
        result.message = f"写入数据库失败，本文件未入库（{reason}）"
        return result
    except Exception as exc:  # one file's failure, whatever it is, must not stop the run
        result.message = f"无法解析该文件（{_reason(exc)}）"
        return result
    if hook is not None:
        try:
            hook.document_saved(engine, document_id, facts.name)
        except Exception as exc:
            remove_file(engine, identity, hook)
            kept = "；被替换的版本仍在版本历史中，可以恢复" if status == REPLACED else ""
            result.message = f"写入向量索引失败，已撤销本文件的入库（{exc}）{kept}"
            return result
    result.status, result.kind, result.counts = status, reading.doc.kind, counts(reading.doc)
    return result


def remove_file(engine: Engine, identity: str, hook: IndexHook | None = None) -> bool:
    """Delete an identity's document from SQL (and the index); False when it was not there.

    Its versions stay in the history, the last one marked removed, so it can be restored.
    """
    with Session(engine) as session, session.begin():
        doc = find_document(session, identity)
        if doc is None:
            return False
        file_name = doc.file_name
        delete_document(session, doc)
        record_removed(session, identity)
    if hook is not None:
        hook.document_removed(file_name)
    return True


def ingest_paths(
    engine: Engine,
    paths: Iterable[Path | Source],
    hook: IndexHook | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
    who: str | None = None,
) -> list[FileResult]:
    """Ingest files and folders; unsupported files found inside folders are skipped, not failed."""
    todo = list(expand(paths))
    results: list[FileResult] = []
    for source in progress(todo) if progress else todo:
        if not source.explicit and source.path.suffix.lower() not in SUPPORTED:
            results.append(FileResult(source.path, SKIPPED, "不支持的文件类型", identity=source.identity))
            continue
        results.append(ingest_file(engine, source.path, hook, identity=source.identity, who=who))
    return results


def document_count(engine: Engine) -> int:
    """How many documents the store holds (used to decide whether to load the samples)."""
    with Session(engine) as session:
        return session.query(m.Document).count()
