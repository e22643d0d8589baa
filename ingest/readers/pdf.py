"""PDF files read with pdfplumber: ruled tables as Tables, the text around them as Paragraphs.

Text is rebuilt from the page's characters rather than taken from pdfplumber's
``extract_text``, because three layout facts decide what the text *is*:

- **Gaps.**  Typesetters widen the gap between Chinese and Latin characters
  ("2024年") without a space character, while real spaces are characters of their
  own; so characters closer than one em are simply concatenated (real spaces
  included).  A wider gap separates *fields* — tab-stop layouts such as
  "部门全称：…      单位：万元" — and each field becomes its own Paragraph, as a
  text export writes them on separate lines.
- **Wrapping.**  A line that reaches the right edge of its box (the page's text
  area, or a table cell; up to three ems short, since line-breaking rules push
  characters such as "例》" or "（" to the next line) was wrapped by the
  typesetter, so the next line continues it: nothing is inserted, except one
  space where two Latin letters/digits meet.  A line ending short of the edge
  ends a paragraph; inside a cell that becomes "\\n", which ``clean_cell`` then
  treats like a paragraph break of a text export.  Outside tables a wrapped line
  is continued only by a line of the same type size close below it that starts
  at the left margin (an indented line opens a new paragraph in Chinese prose)
  or is centred under it (a title set on two lines).
- **Page furniture.**  A lone page number in the bottom margin is dropped.

Tables are pdfplumber's ruled tables (``find_tables`` with line strategies); a
merged area yields ``None`` for the cells it covers.  Blocks on a page are in
reading order (top to bottom; multi-column pages are not handled).  A table
whose first row repeats the first row of the table just before it (only a page
break in between) continues that table without the repeated header.

``Location``: ``page`` is 1-based; ``row`` is the row's index within its table on
that page (the repeated header counts), or for a Paragraph the number of its
first line among the page's text lines, tables included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.page import Page
from pdfplumber.table import Table as PdfTable
from pdfplumber.utils import cluster_objects
from pdfplumber.utils.exceptions import PdfminerException

from db.blocks import Block, Location, Paragraph, Row, Table
from ingest.readers.bounds import TextBudget
from ingest.readers.cells import paragraph, table_row
from ingest.readers.errors import ReaderError
from ingest.settings import Limits

Char = dict[str, Any]
BBox = tuple[float, float, float, float]

_HEADER_WINDOW = 1024  # the PDF spec lets "%PDF-" start anywhere in the first 1 KiB
_LINE_TOLERANCE = 3.0  # points between vertical middles of characters on one line
_FIELD_GAP = 1.0  # ems: a wider gap separates fields instead of characters
_WRAP_SLACK = 3.0  # ems short of the right edge a wrapped line may end (grid, kinsoku)
_INDENT = 0.5  # ems from the left margin within which a line counts as unindented
_SAME_SIZE = 0.5  # points: type sizes closer than this are the same
_LEADING = 2.0  # ems: a wider vertical gap between lines ends a paragraph
_FOOTER = 0.9  # fraction of the page height below which a lone number is a page number
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*页?(?:\s*/\s*共?\s*\d{1,4}\s*页?)?[-—–\s]*$")


@dataclass
class _Run:
    """Characters set close together on one line: one field of text and its box."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass
class _Line:
    """The runs of one text line outside tables, with the line's number on its page."""

    number: int
    runs: list[_Run]


@dataclass
class _Area:
    """Left and right edges of the page's text area: where wrapped lines end."""

    left: float
    right: float


def _inside(char: Char, bbox: BBox) -> bool:
    """Whether a character's centre lies in a box (the rule pdfplumber uses for cells)."""
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return bbox[0] <= x < bbox[2] and bbox[1] <= y < bbox[3]


def _char_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines, top to bottom, each line left to right."""
    lines = cluster_objects(chars, lambda c: (c["top"] + c["bottom"]) / 2, _LINE_TOLERANCE)
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _runs(line: list[Char]) -> list[_Run]:
    """Split one line (sorted left to right) into runs at gaps wider than one em."""
    groups: list[list[Char]] = []
    for char in line:
        if groups and char["x0"] - groups[-1][-1]["x1"] <= _FIELD_GAP * char["size"]:
            groups[-1].append(char)
        else:
            groups.append([char])
    return [
        _Run(
            text="".join(c["text"] for c in group),
            x0=group[0]["x0"],
            x1=max(c["x1"] for c in group),
            top=min(c["top"] for c in group),
            bottom=max(c["bottom"] for c in group),
            size=max(c["size"] for c in group),
        )
        for group in groups
    ]


def _wrapped(run: _Run, right: float) -> bool:
    """A run reaching the right edge of its box continues on the next line."""
    return run.x1 >= right - _WRAP_SLACK * run.size


def _join_wrapped(head: str, tail: str) -> str:
    """Join a wrapped line to its continuation: a space only where two Latin words meet."""
    if not head or not tail or head[-1].isspace() or tail[0].isspace():
        return head + tail
    if head[-1].isascii() and head[-1].isalnum() and tail[0].isascii() and tail[0].isalnum():
        return f"{head} {tail}"
    return head + tail


def _cell_text(chars: list[Char], bbox: BBox) -> str:
    """The text of one cell: wrapped lines joined, paragraph ends kept as newlines.

    The cell's right edge for wrapping is mirrored from its left padding, so centred
    headers ("指标权重" over "(%)") count as wrapped too.
    """
    lines = [_runs(line) for line in _char_lines([c for c in chars if _inside(c, bbox)])]
    if not lines:
        return ""
    right = bbox[2] - (min(line[0].x0 for line in lines) - bbox[0])
    parts = [" ".join(r.text for r in runs) for runs in lines]
    text = parts[0]
    for above, part in zip(lines, parts[1:], strict=False):
        text = _join_wrapped(text, part) if _wrapped(above[-1], right) else f"{text}\n{part}"
    return text


def _table_rows(table: PdfTable, chars: list[Char], page: int, source: str) -> list[Row]:
    """A pdfplumber table as rows; cells merged away stay ``None``."""
    rows: list[Row] = []
    for number, row in enumerate(table.rows, start=1):
        row_chars = [c for c in chars if _inside(c, row.bbox)]
        texts = [None if cell is None else _cell_text(row_chars, cell) for cell in row.cells]
        made = table_row(texts, Location(source=source, fmt="pdf", page=page, row=number))
        if made is not None:
            rows.append(made)
    return rows


def _text_lines(page: Page, tables: list[PdfTable]) -> list[_Line]:
    """Numbered text lines of the page with the characters inside tables left out."""
    lines: list[_Line] = []
    for number, line in enumerate(_char_lines(page.chars), start=1):
        outside = [c for c in line if not any(_inside(c, t.bbox) for t in tables)]
        if outside:
            lines.append(_Line(number, _runs(outside)))
    return [line for line in lines if not _is_page_number(line, page.height)]


def _is_page_number(line: _Line, height: float) -> bool:
    """A lone number (or "第3页", "- 3 -", "3/24") in the footer zone."""
    return (
        len(line.runs) == 1
        and line.runs[0].top > _FOOTER * height
        and bool(_PAGE_NUMBER.match(line.runs[0].text))
    )


def _continues(above: _Run, below: _Run, area: _Area) -> bool:
    """Whether ``below`` continues the paragraph whose last line is ``above``.

    Only after a wrapped line, in the same type size, close below it, and either
    back at the left margin (an indented line opens a paragraph in Chinese prose)
    or centred under a centred line (a title set on two lines).
    """
    if not _wrapped(above, area.right) or abs(below.size - above.size) > _SAME_SIZE:
        return False
    if below.top - above.bottom > _LEADING * above.size:
        return False
    at_margin = below.x0 <= area.left + _INDENT * below.size
    centred = (
        below.x0 - above.x0 > below.size
        and abs((below.x0 + below.x1) - (above.x0 + above.x1)) / 2 <= below.size
    )
    return at_margin or centred


def _paragraphs(lines: list[_Line], area: _Area, page: int, source: str) -> list[Paragraph]:
    """Lines outside tables as paragraphs: wrapped lines joined, each field of a tab line apart."""
    groups: list[tuple[int, str]] = []  # (first line number, text)
    last: _Run | None = None  # last line of the open paragraph, when it may go on
    for line in lines:
        if len(line.runs) == 1 and last is not None and _continues(last, line.runs[0], area):
            number, text = groups[-1]
            groups[-1] = (number, _join_wrapped(text, line.runs[0].text))
        else:
            groups.extend((line.number, run.text) for run in line.runs)
        last = line.runs[0] if len(line.runs) == 1 else None
    made = (paragraph(text, Location(source=source, fmt="pdf", page=page, row=n)) for n, text in groups)
    return [p for p in made if p is not None]


def _text_area(page: Page) -> _Area:
    """The text area, taking the right margin to mirror the left one.

    The rightmost character is no guide: punctuation may hang into the margin, and
    a page may have no full line at all.
    """
    left = min(c["x0"] for c in page.chars)
    return _Area(left=left, right=page.width - left)


def _page_blocks(page: Page, number: int, source: str) -> list[Block]:
    """One page's paragraphs and tables in reading order (top to bottom)."""
    if not page.chars:
        return []
    tables = page.find_tables()
    area = _text_area(page)
    items: list[tuple[float, Sequence[Block]]] = []  # (top, blocks) to sort into reading order
    for table in tables:
        rows = _table_rows(table, page.chars, number, source)
        if rows:
            items.append((table.bbox[1], [Table(rows=rows)]))
    # paragraphs are grouped between tables only: a table ends the paragraph above it
    tops = sorted(t.bbox[1] for t in tables)
    for band in _bands(_text_lines(page, tables), tops):
        found = _paragraphs(band, area, number, source)
        if found:
            items.append((band[0].runs[0].top, found))
    items.sort(key=lambda item: item[0])
    return [block for _, blocks in items for block in blocks]


def _bands(lines: list[_Line], cuts: Iterable[float]) -> list[list[_Line]]:
    """Split lines (top to bottom) at the given heights, dropping empty bands."""
    bands: list[list[_Line]] = [[]]
    pending = sorted(cuts)
    for line in lines:
        while pending and line.runs[0].top >= pending[0]:
            pending.pop(0)
            bands.append([])
        bands[-1].append(line)
    return [band for band in bands if band]


def _append_page(blocks: list[Block], page_blocks: list[Block]) -> None:
    """Add a page's blocks, continuing the previous table when this page repeats its header."""
    if (
        blocks
        and page_blocks
        and isinstance(blocks[-1], Table)
        and isinstance(page_blocks[0], Table)
        and blocks[-1].rows[0].cells == page_blocks[0].rows[0].cells
    ):
        blocks[-1].rows.extend(page_blocks[0].rows[1:])
        page_blocks = page_blocks[1:]
    blocks.extend(page_blocks)


def _check_header(path: Path) -> None:
    """Refuse files that are not PDFs before pdfminer fails on them obscurely."""
    with path.open("rb") as f:
        if b"%PDF-" not in f.read(_HEADER_WINDOW):
            raise ReaderError("不是有效的 PDF 文件（文件头不是 %PDF）")


def _read_pages(path: Path, budget: TextBudget) -> tuple[list[Block], bool]:
    """All pages' blocks, and whether any page had text at all; each page's text is charged first."""
    blocks: list[Block] = []
    has_text = False
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            budget.charge(*(c["text"] for c in page.chars))
            has_text = has_text or bool(page.chars)
            _append_page(blocks, _page_blocks(page, number, path.name))
            page.close()
    return blocks, has_text


def read_pdf(path: Path, limits: Limits | None = None) -> list[Block]:
    """Read every page into paragraphs and tables, in reading order."""
    _check_header(path)
    try:
        blocks, has_text = _read_pages(path, TextBudget(limits or Limits.from_env()))
    except (PdfminerException, PSException) as exc:
        # pdfplumber wraps pdfminer's errors; the wrapped one says what went wrong
        if any(isinstance(e, PDFPasswordIncorrect) for e in (exc, *exc.args)):
            raise ReaderError("PDF 文件已加密，需要密码才能打开") from exc
        raise ReaderError("PDF 文件已损坏或不完整") from exc
    if not has_text:
        raise ReaderError("PDF 中没有可提取的文字（可能是扫描件或图片），请提供带文字层的 PDF")
    return blocks
