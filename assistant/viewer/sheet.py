"""A worksheet of the original workbook around the cited row, numbers shown as the sheet formats them.

Read from the stored bytes with openpyxl, so the viewer shows the sheet as the
file has it (title rows, notes, merged headers) and not only what was recognised.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from assistant.viewer.view import Grid

WINDOW = 40  # rows shown above and below the cited one on a long sheet
_DECIMALS = re.compile(r"\.(0+)")


def sheet_grid(data: bytes, sheet: str, row: int) -> Grid | None:
    """The rows of ``sheet`` around worksheet row ``row``; ``None`` when the sheet is not there."""
    book = load_workbook(io.BytesIO(data), data_only=True)
    try:
        if sheet not in book.sheetnames:
            return None
        ws = book[sheet]
        first = max(ws.min_row, row - WINDOW)
        last = min(ws.max_row, row + WINDOW)
        rows = [
            [_shown(cell.value, cell.number_format) for cell in cells]
            for cells in ws.iter_rows(min_row=first, max_row=last, max_col=ws.max_column)
        ]
        header = [get_column_letter(i) for i in range(1, ws.max_column + 1)]
    finally:
        book.close()
    labels = [str(n) for n in range(first, last + 1)]
    hit = row - first if first <= row <= last else None
    return Grid(header=header, labels=labels, rows=rows, hit=hit)


def _shown(value: Any, number_format: str) -> str:
    """A cell's value as the sheet shows it: numbers with the format's decimals and separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        decimals = _DECIMALS.search(number_format)
        if decimals is None and number_format == "General":
            return str(value).removesuffix(".0")
        separator = "," if "," in number_format else ""
        return f"{value:{separator}.{len(decimals.group(1)) if decimals else 0}f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)
