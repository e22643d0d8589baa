"""Choose a reader by file extension; unsupported extensions get a clear Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from db.blocks import Block
from ingest.readers.bounds import check_file_size
from ingest.readers.errors import ReaderError
from ingest.settings import Limits

SUPPORTED = (".txt", ".md", ".pdf", ".xlsx", ".docx")


def _reader(suffix: str) -> Callable[[Path, Limits], list[Block]]:
    # imported lazily: pdfplumber and python-docx are slow to import and often unneeded
    if suffix in (".txt", ".md"):
        from ingest.readers.text import read_text

        return read_text
    if suffix == ".pdf":
        from ingest.readers.pdf import read_pdf

        return read_pdf
    if suffix == ".xlsx":
        from ingest.readers.xlsx import read_xlsx

        return read_xlsx
    if suffix == ".docx":
        from ingest.readers.docx import read_docx

        return read_docx
    raise ReaderError(f"不支持的文件类型“{suffix or '无扩展名'}”，支持：{'、'.join(SUPPORTED)}")


def read_blocks(path: Path, limits: Limits | None = None) -> list[Block]:
    """Read any supported file into blocks; empty files, empty results and files over a limit are errors.

    ``limits`` default to the environment's (``BUDGETQA_MAX_*``).
    """
    reader = _reader(path.suffix.lower())
    limits = limits or Limits.from_env()
    check_file_size(path, limits)
    if path.stat().st_size == 0:
        raise ReaderError("文件为空")
    blocks = reader(path, limits)
    if not blocks:
        raise ReaderError("文件中没有可读取的文字或表格")
    return blocks
