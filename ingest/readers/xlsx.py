"""Excel workbooks (.xlsx) read with openpyxl: each sheet's ruled grid as Tables, the rest as Paragraphs.

Layout choice: a worksheet row belongs to a table when any of its cells has a
border; consecutive such rows form one ``Table`` (blank rows inside the grid are
skipped, an unruled row ends the table).  Unruled rows are the title, the
"部门全称：… / 单位：万元" line and notes: each non-empty cell becomes its own
``Paragraph``.  That is exactly what a text export of the same sheet holds (title
and unit lines as prose, the grid as tab-separated rows), so recognisers see the
same blocks whatever the format.  A sheet without any borders falls back to "a row
with two or more non-empty cells is a table row".

Cells are shown as Excel displays them: numbers through their number format
(``#,##0.00`` → "1,952.98", General → "10" rather than "10.0"); text stays text, so
codes stored as text keep their leading zeros.  A merged range keeps its value in
the top-left cell and yields ``None`` in the others.  Sheets are read in workbook
order; ``Location`` carries the sheet title and the 1-based worksheet row.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from lxml.etree import LxmlError
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from db.blocks import Block, Location, Table
from ingest.readers.bounds import TextBudget, check_cells, check_package
from ingest.readers.cells import paragraph, table_row
from ingest.readers.errors import ReaderError, check_office_zip
from ingest.settings import Limits

_SIDES = ("left", "right", "top", "bottom")
# the numeric part of a format section once literals, padding and colours are gone
_PLAIN_NUMBER = re.compile(r"^[#,0]*0(?:\.(0+))?(%?)$")
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')


def _open(path: Path, limits: Limits) -> Workbook:
    """Load the whole workbook (not read-only: merged ranges and borders are needed).

    openpyxl holds every cell and shared string in memory, so the package's
    expanded size and its cell count are checked first, without loading it.
    """
    check_office_zip(path, "Excel", ".xls")
    check_package(path, limits)
    check_cells(path, limits)
    try:
        return openpyxl.load_workbook(path, read_only=False, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, LxmlError) as exc:
        raise ReaderError("文件已损坏，或不是 Excel 工作簿（.xlsx）") from exc


def _general(value: float) -> str:
    """Excel's General format: integers without a decimal point, others in shortest form."""
    if float(value).is_integer():
        return str(int(value))
    return format(value, ".15g")


def number_text(value: float, number_format: str) -> str:
    """A number as its cell format displays it; formats other than plain numbers fall back to General.

    Handles the formats budget workbooks use (``#,##0.00``, ``0.00``, ``0%``, with
    padding such as ``_ `` or a negative section); dates and currency symbols are
    left to General rather than half-imitated.
    """
    section = _FORMAT_NOISE.sub("", number_format.split(";")[0]).strip()
    m = _PLAIN_NUMBER.match(section)
    if number_format == "General" or not m:
        return _general(value)
    decimals = len(m.group(1) or "")
    shown = value * 100 if m.group(2) else value
    comma = "," if "," in section else ""
    return f"{shown:{comma}.{decimals}f}" + m.group(2)


def _display(cell: Cell | MergedCell) -> str | None:
    """The text a cell shows; ``None`` for the cells a merged range hides."""
    if isinstance(cell, MergedCell):
        return None
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value, cell.number_format)
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _ruled(cell: Cell | MergedCell) -> bool:
    """True when any side of the cell has a border line."""
    border = cell.border
    return any(getattr(border, side) is not None and getattr(border, side).style for side in _SIDES)


def _grid_rows(rows: Sequence[tuple[Cell | MergedCell, ...]]) -> set[int]:
    """Worksheet row numbers that belong to a table: ruled rows, or the fallback rule when none are."""
    ruled = {row[0].row for row in rows if any(_ruled(c) for c in row)}
    if ruled:
        return ruled
    return {row[0].row for row in rows if sum(bool(_display(c)) for c in row) >= 2}


def _sheet_blocks(ws: Worksheet, source: str, budget: TextBudget) -> list[Block]:
    """One sheet as Paragraphs (unruled rows) and Tables (runs of ruled rows).

    Every displayed text is charged to the document's text budget: a shared
    string is stored once but shown, and copied, in every cell that uses it.
    """
    rows = list(ws.iter_rows())
    grid = _grid_rows(rows)
    blocks: list[Block] = []
    table: Table | None = None
    for cells in rows:
        number = cells[0].row
        loc = Location(source=source, fmt="xlsx", sheet=ws.title, row=number)
        texts = [_display(c) for c in cells]
        budget.charge(*texts)
        if number not in grid:
            table = None
            blocks.extend(p for t in texts if t and (p := paragraph(t, loc)) is not None)
            continue
        row = table_row(texts, loc)
        if row is None:
            continue
        if table is None:
            table = Table()
            blocks.append(table)
        table.rows.append(row)
    return blocks


def read_xlsx(path: Path, limits: Limits | None = None) -> list[Block]:
    """Read every worksheet, in workbook order, into blocks."""
    limits = limits or Limits.from_env()
    wb = _open(path, limits)
    budget = TextBudget(limits)
    try:
        return [block for ws in wb.worksheets for block in _sheet_blocks(ws, path.name, budget)]
    finally:
        wb.close()
