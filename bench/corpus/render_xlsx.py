"""Workbook renditions in the sample workbook's layout, byte for byte reproducible.

One sheet per layout sheet: a label row (部门公开表 N) where the export has one,
the title merged across the table and set large, the 部门全称 line with 单位：万元
in the last column, ruled header rows (bold, merged where the header spans),
ruled data rows (amounts as numbers formatted ``#,##0.00``, codes as text,
empty cells empty), notes below.  Fonts, alignments and column widths follow
the sample.  Zip entries get a fixed time and the document properties fixed
dates, so the same document gives the same bytes.
"""

from __future__ import annotations

import io
import math
import unicodedata
import zipfile
from copy import copy
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from bench.corpus.layout import (
    CATALOG,
    GENERAL,
    MONEY,
    Document,
    Grid,
    Num,
    Para,
    Sheet,
    header_merges,
    text_of,
)

FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_FONT = "宋体"
_THIN = Side(style="thin")
_RULED = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEIGHTS = {1: 18.0, 2: 32.0}
_LINE_HEIGHT = 12.0  # beyond two lines, as the sample sizes its long texts


def stable_zip(data: bytes) -> bytes:
    """The same archive with fixed entry times and attributes (office files are zip archives)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def display_width(text: str) -> int:
    """Width in Excel character units: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _height(texts: list[tuple[str, float]]) -> float:
    """Row height from the longest wrapped text: 18 for one line, 32 for two, 12 a line beyond."""
    lines = max((math.ceil(display_width(t) / max(w, 1.0)) for t, w in texts if t), default=1)
    return _HEIGHTS.get(lines, _LINE_HEIGHT * lines)


def _kind(size: int = 10, bold: bool = False, align: str | None = None, wrap: bool | None = None,
          ruled: bool = False, number_format: str = "General") -> tuple[Font, Alignment, Border | None, str]:
    alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    return Font(name=_FONT, size=size, bold=bold), alignment, _RULED if ruled else None, number_format


# the kinds of cell the sample workbook has, as (font, alignment, border, number format)
_KINDS = {
    "label": _kind(),
    "unit": _kind(align="left"),
    "unit_right": _kind(align="right"),
    "title": _kind(size=16, bold=True, align="center"),
    "heading": _kind(size=12, bold=True, align="center"),
    "subtitle": _kind(size=11, align="center"),
    "body": _kind(wrap=True),
    "header": _kind(bold=True, align="center", wrap=True, ruled=True),
    "text": _kind(align="left", wrap=True, ruled=True),
    "short": _kind(align="center", wrap=True, ruled=True),
    "empty": _kind(align="center", wrap=True, ruled=True),
    "money": _kind(align="right", ruled=True, number_format=MONEY),
    "catalog": _kind(align="right", ruled=True, number_format=CATALOG),
    "number": _kind(align="center", ruled=True),
}
_NUMBER_KINDS = {MONEY: "money", CATALOG: "catalog", GENERAL: "number"}


class _Styles:
    """Cell styles by name, each built once.

    Assigning a Font or Border through openpyxl hashes the whole style object
    every time, which makes a large workbook take tens of seconds; a cell's
    style is really a small array of ids, so it is built once per kind of cell
    and copied.  (This uses openpyxl's ``_style`` attribute, stable since 2.x.)
    """

    def __init__(self) -> None:
        self.built: dict[str, StyleArray] = {}

    def apply(self, cell: Cell | MergedCell, kind: str) -> None:
        if kind in self.built:
            cell._style = copy(self.built[kind])
            return
        font, alignment, border, number_format = _KINDS[kind]
        cell.font, cell.number_format, cell.alignment = font, number_format, alignment
        if border is not None:
            cell.border = border
        self.built[kind] = copy(cell._style)


class _Writer:
    def __init__(self, ws: Worksheet, sheet: Sheet, width: int, styles: _Styles) -> None:
        self.ws, self.sheet, self.width, self.styles = ws, sheet, width, styles
        self.row = 1
        self.frozen = False

    def col_width(self, c0: int, c1: int) -> float:
        widths = self.sheet.widths or [12.0]
        return sum(widths[c] if c < len(widths) else widths[-1] for c in range(c0, c1 + 1))

    def merge(self, r0: int, c0: int, r1: int, c1: int, kind: str | None) -> None:
        """Merge a range; the hidden cells keep the ruling of the grid (``kind``), as in the sample."""
        ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"
        # straight into the set: MultiCellRange.add compares with every range already there
        self.ws.merged_cells.ranges.add(MergedCellRange(self.ws, ref))
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    hidden = MergedCell(self.ws, row=r, column=c)
                    if kind:
                        self.styles.apply(hidden, kind)
                    self.ws._cells[(r, c)] = hidden

    def put(self, r: int, c: int, value: object, kind: str) -> Cell:
        cell = self.ws.cell(r, c)
        if value is not None:
            cell.value = value
        self.styles.apply(cell, kind)
        return cell

    def para(self, p: Para) -> None:
        r = self.row
        if p.role == "label":
            self.put(r, 1, p.text, "label")
        elif p.role == "unit":
            self.put(r, 1, p.text, "unit")
            self.put(r, self.width, p.right, "unit_right")
            if self.width > 2:
                self.merge(r, 1, r, self.width - 1, None)
        else:
            kind = p.role if p.role in ("title", "heading", "subtitle") else "body"
            self.put(r, 1, p.text, kind)
            if self.width > 1:
                self.merge(r, 1, r, self.width, None)
            if p.role == "title":
                self.ws.row_dimensions[r].height = 30.0
            elif kind == "body" and display_width(p.text) > self.col_width(0, self.width - 1):
                self.ws.row_dimensions[r].height = _height([(p.text, self.col_width(0, self.width - 1))])
        self.row += 1

    def grid(self, g: Grid) -> None:
        top = self.row
        head = [[text_of(c) for c in row] for row in g.rows[: g.header]]
        merges = [*header_merges(head), *g.merges]
        spans = {(r0, c0): c1 for r0, c0, _, c1 in merges}
        for r, row in enumerate(g.rows):
            texts = []
            for c in range(g.width):
                value = row[c] if c < len(row) else ""
                if isinstance(value, Num):
                    number = float(value.value) if value.value % 1 else int(value.value)
                    self.put(top + r, c + 1, number, _NUMBER_KINDS[value.number_format])
                elif value:
                    labelled = r < g.header or (r, c) in g.bold
                    kind = "header" if labelled else "short" if (r, c) in g.centred else "text"
                    self.put(top + r, c + 1, value, kind)
                    texts.append((value, self.col_width(c, spans.get((r, c), c))))
                else:
                    self.put(top + r, c + 1, None, "empty")
            self.ws.row_dimensions[top + r].height = _height(texts)
        for r0, c0, r1, c1 in merges:
            self.merge(top + r0, c0 + 1, top + r1, c1 + 1, "empty")
        if g.header and self.sheet.freeze and not self.frozen:
            self.ws.freeze_panes = f"A{top + g.header}"
            self.frozen = True
        self.row += len(g.rows)


def _sheet(wb: Workbook, sheet: Sheet, styles: _Styles) -> None:
    """One sheet: page set-up as the sample's, blocks top to bottom, two blank rows after a table."""
    ws = wb.create_sheet(sheet.name[:31])
    grids = [b for b in sheet.blocks if isinstance(b, Grid)]
    width = max([len(sheet.widths), *(g.width for g in grids)])
    for i, w in enumerate(sheet.widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = w
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    writer = _Writer(ws, sheet, width, styles)
    previous = None
    for block in sheet.blocks:
        if isinstance(block, Grid):
            writer.grid(block)
        else:
            if isinstance(previous, Grid) and block.role != "note":
                writer.row += 2
            writer.para(block)
        previous = block


def render_xlsx(doc: Document) -> bytes:
    """The document's tables (and any prose sheets that are not text-only) as a workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    stamp = datetime(*FIXED_TIME)
    wb.properties.title, wb.properties.subject = doc.title, doc.subject
    wb.properties.creator = None
    wb.properties.created = wb.properties.modified = stamp
    styles = _Styles()
    for sheet in doc.sheets:
        if not sheet.text_only:
            _sheet(wb, sheet, styles)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not save_workbook(): that stamps "modified" with the clock
    return stable_zip(buffer.getvalue())
