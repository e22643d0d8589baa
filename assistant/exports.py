"""Spreadsheets for the meeting record: an answer's table as CSV and XLSX, the check report as XLSX.

Returned as bytes, not files, because the page hands them straight to the
browser and the tests read them back in memory.  Number cells are numbers a
spreadsheet can add up: the XLSX cell holds the exact ``Decimal`` and a number
format with the decimals the source wrote (``#,##0.00``); the CSV writes the
plain digits ("6562.43", no thousands separator) so Excel reads them as numbers.
Headings carry the unit: 「目录金额（万元）」.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from assistant.checks.common import Finding
from assistant.presenting import FINDING_HEADERS, Cell, ResultTable, finding_rows

# Excel on Windows opens a CSV as the local code page unless it starts with a BOM
CSV_ENCODING = "utf-8-sig"
SHEET_RESULT, SHEET_FINDINGS = "查询结果", "核对结果"
_WIDEST = 60  # characters: wider columns wrap instead of pushing the sheet off screen


def table_csv(table: ResultTable) -> bytes:
    """The table as CSV: headings with units, numbers as plain exact digits, totals row last."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headings())
    for row in _body(table):
        writer.writerow(format(c.number, "f") if c.number is not None else c.text for c in row)
    return out.getvalue().encode(CSV_ENCODING)


def table_xlsx(table: ResultTable, title: str) -> bytes:
    """The table as a workbook: ``title`` above it, bold headings, number cells with their format."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_RESULT
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(table.headings())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _body(table):
        sheet.append([c.number if c.number is not None else c.text for c in row])
        for written, cell in zip(row, sheet[sheet.max_row], strict=True):
            if written.number is not None:
                cell.number_format = _number_format(written)
    if table.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    _fit_columns(sheet, [table.headings(), *([c.text for c in r] for r in _body(table))])
    return _saved(book)


def findings_xlsx(findings: Sequence[Finding], headline: str) -> bytes:
    """The 数据核对 report as a workbook: the headline, then one row per finding with its sources."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_FINDINGS
    sheet.append([headline])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(FINDING_HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    rows = finding_rows(findings)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _fit_columns(sheet, [FINDING_HEADERS, *rows])
    return _saved(book)


def _number_format(cell: Cell) -> str:
    """Excel's format for a number with the decimals the source wrote: ``#,##0.0``."""
    return "#,##0" + ("." + "0" * cell.decimals if cell.decimals else "")


def _body(table: ResultTable) -> list[list[Cell]]:
    """Data rows, then the totals row when there is one."""
    return [*table.rows, table.total] if table.total is not None else list(table.rows)


def _fit_columns(sheet, rows: Sequence[Sequence[str]]) -> None:
    """Column widths from the longest text, CJK characters counting double."""
    for index in range(max(map(len, rows), default=0)):
        longest = max((_width(str(r[index])) for r in rows if index < len(r)), default=8)
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(longest + 2, 8), _WIDEST)


def _width(text: str) -> int:
    """Display width of the longest line: a CJK character takes two columns."""
    return max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in text.split("\n")), default=0)


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

