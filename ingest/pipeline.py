"""Ingest files: read → recognise → store, one transaction per file, nothing half-written.

A file that fails (unreadable, empty, unsupported, over a limit) gets a Chinese message naming
it and the reason; the other files of the run still go in.  Ingesting the same
bytes again changes nothing; changed bytes replace the earlier version in the
same transaction that writes the new one.  Hooks (the vector index) run after
the SQL commit and undo it if they fail, so the two stores never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db import models as m
from db.hooks import IndexHook
from db.originals import FileChanged
from db.store import FileFacts, delete_document, find_document, save_document
from ingest.readers.bounds import check_file_size
from ingest.readers.dispatch import SUPPORTED, read_blocks
from ingest.readers.errors import ReaderError
from ingest.recognisers.dispatch import recognise
from ingest.settings import Limits, SettingError

ADDED, REPLACED, UNCHANGED, FAILED, SKIPPED = "新增", "已替换", "未变化", "失败", "跳过"
KIND_NAMES = {"special_funds": "重点专项预算绩效", "dept_budget": "部门预算", "generic": "未识别（通用行）"}


@dataclass
class FileResult:
    """What happened to one file, in words a user can read."""

    path: Path
    status: str
    message: str = ""
    kind: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def describe(self) -> str:
        """One Chinese line for the terminal and the upload tab."""
        head = f"{self.path.name}：{self.status}"
        if self.kind:
            head += f"（{KIND_NAMES.get(self.kind, self.kind)}）"
        if self.counts:
            head += "，" + "，".join(f"{k} {v}" for k, v in self.counts.items())
        return head + (f"。{self.message}" if self.message else "")


def expand(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to ingest; folders are walked (hidden files skipped). The flag marks explicit files."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                # hidden means hidden below the folder: "../shared/data" itself starts with a dot
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    yield child, False
        else:
            yield path, True


def _counts(doc) -> dict[str, int]:
    out = {
        "目录条目": len(doc.catalog),
        "绩效目标表": len(doc.forms),
        "绩效指标": sum(len(f.indicators) for f in doc.forms),
        "预算行": len(doc.budget_lines),
        "叙述数字": len(doc.facts),
        "异常": len(doc.anomalies),
    }
    return {k: v for k, v in out.items() if v}


def ingest_file(engine: Engine, path: Path, hook: IndexHook | None = None) -> FileResult:
    """Ingest one file in its own transaction."""
    try:
        if not path.exists():
            return FileResult(path, FAILED, "文件不存在")
        limits = Limits.from_env()
        check_file_size(path, limits)  # before a byte of it is read, even to hash it
        facts = FileFacts.of(path)
        with Session(engine) as session:
            old = find_document(session, facts.name)
            if old is not None and old.sha256 == facts.sha256:
                return FileResult(path, UNCHANGED, kind=old.kind)
        blocks = read_blocks(path, limits)
        doc = recognise(blocks, path.name)
        with Session(engine) as session, session.begin():
            old = find_document(session, facts.name)
            status = ADDED if old is None else REPLACED
            if old is not None:
                delete_document(session, old)
            stored = save_document(session, facts, blocks, doc)
            document_id = stored.id
    except (ReaderError, FileChanged, SettingError) as exc:
        return FileResult(path, FAILED, str(exc))
    except SQLAlchemyError as exc:  # the transaction rolled back: nothing of this file is stored
        reason = getattr(exc, "orig", None) or exc
        return FileResult(path, FAILED, f"写入数据库失败，本文件未入库（{reason}）")
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        return FileResult(path, FAILED, f"无法解析该文件（{type(exc).__name__}: {exc}）")
    if hook is not None:
        try:
            hook.document_saved(engine, document_id, facts.name)
        except Exception as exc:
            remove_file(engine, facts.name, hook)
            return FileResult(path, FAILED, f"写入向量索引失败，已撤销本文件的入库（{exc}）")
    return FileResult(path, status, kind=doc.kind, counts=_counts(doc))


def remove_file(engine: Engine, file_name: str, hook: IndexHook | None = None) -> bool:
    """Delete a document by file name from SQL (and the index); False when it was not there."""
    with Session(engine) as session, session.begin():
        doc = find_document(session, file_name)
        if doc is None:
            return False
        delete_document(session, doc)
    if hook is not None:
        hook.document_removed(file_name)
    return True


def ingest_paths(
    engine: Engine,
    paths: Iterable[Path],
    hook: IndexHook | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[FileResult]:
    """Ingest files and folders; unsupported files found inside folders are skipped, not failed."""
    todo = list(expand(paths))
    results: list[FileResult] = []
    for path, explicit in progress(todo) if progress else todo:
        if not explicit and path.suffix.lower() not in SUPPORTED:
            results.append(FileResult(path, SKIPPED, "不支持的文件类型"))
            continue
        results.append(ingest_file(engine, path, hook))
    return results


def document_count(engine: Engine) -> int:
    """How many documents the store holds (used to decide whether to load the samples)."""
    with Session(engine) as session:
        return session.query(m.Document).count()
