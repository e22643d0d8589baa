"""Word documents (.docx) read with python-docx: body paragraphs and tables in document order.

python-docx lists paragraphs and tables separately, which loses where a table sits
in the prose, so the body's XML children are walked instead (content controls are
entered).  Paragraph levels come from heading styles ("Heading 2", "标题 2").
A paragraph laid out as tab-separated fields ("部门全称：…<Tab>单位：万元") yields
one Paragraph per field, as a text export writes those on separate lines.

Table rows are read from the cells Word actually stores: a cell spanning columns
gives its text once and ``None`` for the other columns it covers, and the
continuation of a vertical merge gives ``None`` — the same shape the PDF reader
produces for merged cells.  (python-docx's ``row.cells`` would instead repeat the
merged text in every grid position.)

``Location.row`` is the 1-based ordinal of the paragraph among the body's
paragraphs, or of the row within its table; table rows also carry
``sheet="表格N"`` (N counts the body's tables from 1), so a citation reads
"表格3 第5行".
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml.etree import LxmlError, _Element

from db.blocks import Block, Location, Paragraph, Table
from ingest.readers.bounds import TextBudget, check_package
from ingest.readers.cells import paragraph, table_row
from ingest.readers.errors import ReaderError, check_office_zip
from ingest.settings import Limits

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")


def _open(path: Path, limits: Limits) -> Document:
    """Open the package, turning the library's errors into a reason a user can act on.

    python-docx parses every XML part into memory, so the package's expanded
    size is checked first.
    """
    check_office_zip(path, "Word", ".doc")
    check_package(path, limits)
    try:
        return docx.Document(str(path))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, LxmlError) as exc:
        raise ReaderError("文件已损坏，或不是 Word 文档（.docx）") from exc


def _body_items(parent: _Element) -> Iterator[_Element]:
    """Body-level paragraphs and tables in document order, looking inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _body_items(content)


def heading_level(style_name: str | None) -> int:
    """The heading level a style name declares ("Heading 1" / "标题 1" → 1); 0 for body text."""
    m = _HEADING_STYLE.match((style_name or "").strip())
    return int(m.group(1)) if m else 0


def _paragraphs(p: DocxParagraph, loc: Location) -> list[Paragraph]:
    """A Word paragraph as one Paragraph per tab-separated field (empty fields dropped)."""
    level = heading_level(p.style.name if p.style is not None else None)
    fields = (paragraph(field, loc, level) for field in p.text.split("\t"))
    return [f for f in fields if f is not None]


def _row_texts(tr: CT_Row, table: DocxTable) -> list[str | None]:
    """One text per grid column: a spanning cell once then ``None``, merge continuations ``None``."""
    texts: list[str | None] = [""] * tr.grid_before
    for tc in tr.tc_lst:
        text = None if tc.vMerge == "continue" else _Cell(tc, table).text
        texts += [text] + [None] * (tc.grid_span - 1)
    return texts + [""] * tr.grid_after


def _table(tbl: DocxTable, label: str, source: str, budget: TextBudget) -> Table:
    """A Word table as rows of cleaned cells; blank rows are left out."""
    table = Table()
    for number, tr in enumerate(tbl._tbl.tr_lst, start=1):
        loc = Location(source=source, fmt="docx", sheet=label, row=number)
        texts = _row_texts(tr, tbl)
        budget.charge(*texts)
        row = table_row(texts, loc)
        if row is not None:
            table.rows.append(row)
    return table


def read_docx(path: Path, limits: Limits | None = None) -> list[Block]:
    """Read the document body into paragraphs and tables, in order."""
    limits = limits or Limits.from_env()
    doc = _open(path, limits)
    budget = TextBudget(limits)
    blocks: list[Block] = []
    paragraphs = tables = 0
    for item in _body_items(doc.element.body):
        if item.tag == _P:
            paragraphs += 1
            loc = Location(source=path.name, fmt="docx", row=paragraphs)
            found = _paragraphs(DocxParagraph(item, doc), loc)
            budget.charge(*(p.raw for p in found))
            blocks.extend(found)
            continue
        tables += 1
        table = _table(DocxTable(item, doc), f"表格{tables}", path.name, budget)
        if table.rows:
            blocks.append(table)
    return blocks
