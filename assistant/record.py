"""Word documents for the meeting record: the whole conversation, and the 数据核对 report.

A budget review ends with minutes; staff paste answers into Word anyway, so the
page writes that document itself: each question, what was understood, the
full answer text, its table (numbers right-aligned, units in the headings), its
chart as a picture and the rows it cites.  The East Asian font is set on the
styles, because Word otherwise falls back to a Latin font for Chinese text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from assistant.answer import Answer
from assistant.chartimage import chart_png
from assistant.checks.common import Finding
from assistant.presenting import (
    FINDING_HEADERS,
    ResultTable,
    chart_data,
    citation_text,
    finding_rows,
    result_table,
)

EAST_ASIAN_FONT = "宋体"  # the body font of Chinese government documents
TITLE_RECORD, TITLE_CHECKS = "预算问答会议记录", "数据核对报告"
_CHART_WIDTH = Cm(16)
_NOTE = RGBColor(0x55, 0x5F, 0x6D)


def conversation_docx(answers: Sequence[Answer], day: date) -> bytes:
    """The meeting record: every question of the conversation with its complete answer."""
    document = _document(TITLE_RECORD, f"日期：{day.isoformat()}　共 {len(answers)} 个问题")
    for number, answer in enumerate(answers, start=1):
        document.add_heading(f"问题{number}：{answer.question}", level=2)
        if answer.restatement or answer.unknown:
            understood = answer.restatement or ""
            if answer.unknown:
                understood += ("；" if understood else "") + "没有理解的词：" + "、".join(answer.unknown)
            _note(document, f"理解为：{understood}" if answer.restatement else understood)
        document.add_paragraph(answer.text)
        if answer.unverified:
            _note(document, "以下数字在引用的原文中没有找到，请核对：" + "、".join(answer.unverified))
        table = result_table(answer)
        if table is not None:
            _table(document, table)
        chart = chart_data(answer)
        if chart is not None:
            document.add_picture(io.BytesIO(chart_png(chart)), width=_CHART_WIDTH)
        if answer.citations:
            _note(document, f"引用原文（{len(answer.citations)} 行）：")
            for index, c in enumerate(answer.citations, start=1):
                _note(document, f"{index}. {c.source} {c.location()}：{citation_text(c)}")
    return _saved(document)


def findings_docx(findings: Sequence[Finding], headline: str, day: date) -> bytes:
    """The 数据核对 report: its headline, then one table row per finding with its sources."""
    document = _document(TITLE_CHECKS, f"日期：{day.isoformat()}　{headline}")
    rows = finding_rows(findings)
    grid = document.add_table(rows=1, cols=len(FINDING_HEADERS))
    grid.style = "Table Grid"
    for cell, heading in zip(grid.rows[0].cells, FINDING_HEADERS, strict=True):
        cell.text = heading
        _bold(cell)
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text
    return _saved(document)


def _document(title: str, subtitle: str) -> DocxDocument:
    """A new document with Chinese-capable styles, its title and the line under it."""
    document = Document()
    for name in ("Normal", "Title", "Heading 2", "Table Grid"):
        style = document.styles[name]
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(title, level=0)
    _note(document, subtitle)
    return document


def _table(document: DocxDocument, table: ResultTable) -> None:
    """The result table: headings with units, numbers right-aligned, the totals row in bold."""
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(grid.rows[0].cells, table.headings(), strict=True):
        cell.text = heading
        _bold(cell)
    body = [*table.rows, table.total] if table.total is not None else table.rows
    for row in body:
        for cell, column, value in zip(grid.add_row().cells, table.columns, row, strict=True):
            cell.text = value.text
            if column.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.total is not None:
        for cell in grid.rows[-1].cells:
            _bold(cell)


def _bold(cell) -> None:
    for run in cell.paragraphs[0].runs:
        run.bold = True


def _note(document: DocxDocument, text: str) -> None:
    """A paragraph in the smaller grey type of notes and sources."""
    run = document.add_paragraph().add_run(text)
    run.font.size = Pt(9)
    run.font.color.rgb = _NOTE


def _saved(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
