"""A format-free description of a generated document, written out by each renderer.

The samples are one document in several renditions (text export, workbook, Word),
and the renditions differ only in typesetting, so the generator describes a
document once (paragraphs, grids with their merged cells, sheets) and the
renderers in ``render_*`` turn that into bytes.  Messiness that only a text
export has (HTML tags, rows that lost their leading tab) is attached as a
text-only override, which is exactly how the office renditions of the samples
differ from their exports: they were typeset from clean cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# which renditions carry a piece of mess: text-only quirks, or what every rendition shows
ALL_FORMATS = ("txt", "xlsx", "docx")
TEXT_ONLY = ("txt",)


MONEY = "#,##0.00"  # amounts in the sample workbook
CATALOG = "#,##0.0"  # the key-fund catalog writes one decimal, and a workbook should show it so
GENERAL = "General"  # indicator weights and values


@dataclass(frozen=True)
class Num:
    """A number cell: the text the export writes, the value a workbook stores and its number format."""

    text: str
    value: Decimal
    number_format: str = MONEY


Cell = str | Num


def text_of(cell: Cell) -> str:
    """What a cell shows in a text export."""
    return cell.text if isinstance(cell, Num) else cell


@dataclass
class Para:
    """A paragraph line.

    ``role`` decides typesetting: ``title`` (large, centred), ``subtitle``
    (centred), ``heading`` (``level`` 1/2), ``unit`` (a 部门全称 line with
    ``right`` = 单位：万元 on the same row), ``note`` or ``body``.  ``lines``
    overrides what the text export writes (its own line breaks and markup);
    ``gap`` is the number of blank lines before it in the export.
    """

    text: str
    role: str = "body"
    level: int = 0
    right: str = ""
    lines: list[str] | None = None
    gap: int = 1


@dataclass
class Grid:
    """A ruled table.

    The first ``header`` rows are header cells; their merges follow from the
    blanks (see ``header_merges``).  ``merges`` adds spans of the body as
    ``(row0, col0, row1, col1)``, inclusive.  ``text_rows`` replaces rows in the
    text export only (HTML tags, a row shifted one column left); ``bold`` marks
    the label cells of a form, which office renditions set like header cells, and
    ``centred`` the short cells the sample centres (units, natures, 是/否, table numbers).
    """

    rows: list[list[Cell]]
    header: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    text_rows: dict[int, list[str]] = field(default_factory=dict)
    bold: set[tuple[int, int]] = field(default_factory=set)  # label cells of a form
    centred: set[tuple[int, int]] = field(default_factory=set)  # short body cells set centred

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


Block = Para | Grid


@dataclass
class Sheet:
    """One worksheet of the workbook rendition; the text export runs all sheets together.

    ``text_only`` sheets (the narrative of a disclosure) are left out of the
    workbook, as in the sample workbook, which holds the tables only.
    """

    name: str
    blocks: list[Block]
    widths: list[float] = field(default_factory=list)
    landscape: bool = False
    text_only: bool = False
    freeze: bool = False  # the workbook keeps the header in view (the standard tables do)


@dataclass
class Document:
    """A whole generated document: file stem, properties and sheets."""

    stem: str
    title: str
    subject: str
    sheets: list[Sheet]
    heading_marks: bool = False  # the text export writes '#' before headings


def header_merges(rows: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """Merged ranges implied by a multi-level header, as the sample workbook draws them.

    Rows are taken top-down.  A label followed by blanks spans them to the right
    (收入 over 项目/预算数); a label with nothing to its right spans down over the
    blanks below it (总计 over two header rows).  Cells already covered by a span
    from above are not blanks to extend over.
    """
    covered: set[tuple[int, int]] = set()
    merges: list[tuple[int, int, int, int]] = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if not text or (r, c) in covered:
                continue
            right = c
            while right + 1 < len(row) and not row[right + 1] and (r, right + 1) not in covered:
                right += 1
            down = r
            if right == c:
                while down + 1 < len(rows) and c < len(rows[down + 1]) and not rows[down + 1][c]:
                    down += 1
            if (right, down) != (c, r):
                merges.append((r, c, down, right))
                covered.update((i, j) for i in range(r, down + 1) for j in range(c, right + 1))
    return merges


def label_value_merges(row: list[Cell], r: int) -> list[tuple[int, int, int, int]]:
    """A form row's value cells span the blanks to their right (label/value layouts)."""
    merges = []
    c = 0
    while c < len(row):
        end = c
        while text_of(row[c]) and end + 1 < len(row) and not text_of(row[end + 1]):
            end += 1
        if end > c:
            merges.append((r, c, r, end))
        c = end + 1
    return merges
