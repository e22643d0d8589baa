"""Word renditions built on the sample .docx, so styles, page size and fonts are the sample's.

The body of the sample is emptied and refilled: the title in the Title style,
section headings as Heading 1/2, prose and table captions as Normal
paragraphs (the 部门全称 line with 单位：万元 after a tab), each table on a new
page as a "Table Grid" table with the layout's merged cells.  Text-only quirks
of the export (line breaks inside a sentence, tags, shifted rows) are not
carried over, as in the sample's Word rendition.
"""

from __future__ import annotations

import io
from datetime import datetime

import docx
from docx.document import Document as DocxDocument

from bench.corpus.layout import Document, Grid, Para, header_merges, text_of
from bench.corpus.render_xlsx import FIXED_TIME, stable_zip
from bench.corpus.samples import DEPT_SAMPLE

TEMPLATE = DEPT_SAMPLE.with_suffix(".docx")
_STYLES = {"title": "Title", "heading": "Heading {level}"}


def _empty_template() -> DocxDocument:
    """The sample document with its body removed (the final section properties stay)."""
    d = docx.Document(str(TEMPLATE))
    body = d.element.body
    for child in list(body.iterchildren()):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return d


def _para(d: DocxDocument, p: Para, first_title: bool) -> None:
    style = "Normal"
    if p.role == "heading":
        style = _STYLES["heading"].format(level=p.level)
    elif p.role == "title" and first_title:
        style = _STYLES["title"]
    d.add_paragraph(f"{p.text}\t{p.right}" if p.right else p.text, style=style)


def _grid(d: DocxDocument, g: Grid) -> None:
    """A table; merged ranges become gridSpan/vMerge cells, as Word stores them.

    The spans are written straight into the cell properties of the fresh grid
    (every row still one cell per column) rather than through ``_Cell.merge``,
    which rescans the whole table for every merge and made a compilation take
    a minute.
    """
    table = d.add_table(rows=len(g.rows), cols=g.width)
    table.style = "Table Grid"
    for tr, row in zip(table.rows, g.rows, strict=True):
        for cell, value in zip(tr.cells, row, strict=False):
            if text_of(value):
                cell.text = text_of(value)
    grid = [list(tr.tc_lst) for tr in table._tbl.tr_lst]
    head = [[text_of(c) for c in row] for row in g.rows[: g.header]]
    hidden = []
    for r0, c0, r1, c1 in [*header_merges(head), *g.merges]:
        for r in range(r0, r1 + 1):
            first = grid[r][c0]
            if c1 > c0:
                first.grid_span = c1 - c0 + 1
                hidden += grid[r][c0 + 1 : c1 + 1]
            if r1 > r0:
                first.vMerge = "restart" if r == r0 else "continue"
    for tc in hidden:
        tc.getparent().remove(tc)


def render_docx(doc: Document) -> bytes:
    """The whole document (narrative and tables) as a Word file."""
    d = _empty_template()
    props = d.core_properties
    props.title, props.subject, props.author, props.last_modified_by = doc.title, doc.subject, "", ""
    props.created = props.modified = props.last_printed = datetime(*FIXED_TIME)
    props.revision = 1
    titled = False
    for n, sheet in enumerate(doc.sheets):
        if n:
            d.add_page_break()
        for block in sheet.blocks:
            if isinstance(block, Grid):
                _grid(d, block)
            else:
                _para(d, block, first_title=not titled)
                titled = titled or block.role == "title"
    buffer = io.BytesIO()
    d.save(buffer)
    return stable_zip(buffer.getvalue())
