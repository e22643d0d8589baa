"""Refuse a file before it costs more than the limits allow (see ``ingest.settings.Limits``).

The checks run before the expensive step they guard: the file size before the
file is read, a package's expanded size (from the zip's central directory,
which Python's zipfile enforces while inflating) before any member is inflated,
a workbook's cell count (streamed, stopping at the limit) before openpyxl builds
its cells, and the text a reader produces as it produces it, because one shared
string or merged cell can be repeated many times over.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from ingest.readers.errors import ReaderError
from ingest.settings import MB, PACKAGE_FACTOR, Limits


class LimitError(ReaderError):
    """A file is over a configured limit; the message names the limit and how to raise it."""


def _mb(n: float) -> str:
    """Megabytes as people write them: "60.2", "1,000", "0.031"."""
    value = n / MB
    return f"{value:,.1f}".removesuffix(".0") if value >= 1 else f"{value:.2g}"


def _over(what: str, setting: str) -> LimitError:
    """The refusal, worded the same way for every limit: what is too big, and the setting to change."""
    return LimitError(f"{what}，未导入；上限由环境变量 {setting} 设定，如确需导入请调大")


def check_file_size(path: Path, limits: Limits) -> None:
    """Refuse a file larger than ``BUDGETQA_MAX_FILE_MB`` before a byte of it is read."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise _over(f"文件大小 {_mb(size)} MB，超过上限 {_mb(limits.file_bytes)} MB", "BUDGETQA_MAX_FILE_MB")


def check_text_file(path: Path, limits: Limits) -> None:
    """A text file is its own text: refuse one longer than ``BUDGETQA_MAX_TEXT_MB`` before reading it."""
    size = path.stat().st_size
    if size > limits.text_bytes:
        raise _over(f"文本大小 {_mb(size)} MB，超过上限 {_mb(limits.text_bytes)} MB", "BUDGETQA_MAX_TEXT_MB")


def check_package(path: Path, limits: Limits) -> None:
    """Refuse an .xlsx/.docx whose members expand beyond ``Limits.package_bytes`` (a "zip bomb")."""
    try:
        with zipfile.ZipFile(path) as package:
            expanded = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReaderError("文件已损坏或不完整（压缩包目录无法读取）") from exc
    if expanded > limits.package_bytes:
        raise _over(f"文件解压后共 {_mb(expanded)} MB，超过上限 {_mb(limits.package_bytes)} MB"
                   f"（文字上限的 {PACKAGE_FACTOR} 倍）", "BUDGETQA_MAX_TEXT_MB")


def check_cells(path: Path, limits: Limits) -> None:
    """Refuse a workbook with more cells than ``BUDGETQA_MAX_CELLS``, counted without loading it.

    Every worksheet's XML is streamed and each finished row dropped, so the count
    costs almost no memory and stops as soon as the limit is passed.
    """
    cells = 0
    with zipfile.ZipFile(path) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for name in sheets:
            with package.open(name) as stream:
                for _, row in etree.iterparse(stream, events=("end",), tag="{*}row"):
                    cells += len(row)
                    row.clear()
                    while row.getprevious() is not None:
                        del row.getparent()[0]
                    if cells > limits.cells:
                        raise _over(f"工作簿的单元格超过上限 {limits.cells:,} 个", "BUDGETQA_MAX_CELLS")


class TextBudget:
    """The text one document may expand to; readers charge every piece of text they produce."""

    def __init__(self, limits: Limits) -> None:
        self.left = limits.text_bytes
        self.limit = limits.text_bytes

    def charge(self, *texts: str | None) -> None:
        """Count texts against the budget; raise ``LimitError`` once it is spent."""
        for text in texts:
            if text:
                self.left -= len(text.encode("utf-8", "surrogatepass"))
        if self.left < 0:
            raise _over(f"文件展开后的文字超过上限 {_mb(self.limit)} MB", "BUDGETQA_MAX_TEXT_MB")
