"""The source viewer finds the original of a cited row in every format the store holds.

Each sample is ingested into its own store (the session's ``ingested`` fixture,
shared with the ingest tests) and cited rows are opened as the page opens them.
A PDF row's box is checked against the file itself: the text pdfplumber finds
inside the box must be that row's, and not its neighbours'.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.viewer import SourceView, open_source
from assistant.web.source import source_html
from db import models as m
from db.engine import make_engine
from ingest.pipeline import ingest_file

FUNDS_PDF = "wansheng_2024_key_special_funds.pdf"
DEPT_XLSX = "wansheng_2024_admin_office_dept_budget.xlsx"
DEPT_DOCX = "wansheng_2024_admin_office_dept_budget.docx"


def _cited(engine: Engine, starts: str, fmt: str | None = None) -> SourceView:
    """Open the first stored row whose text starts with ``starts`` (in a document of ``fmt``)."""
    with Session(engine) as session:
        wanted = (select(m.SourceRow.id).join(m.Document).where(m.SourceRow.text.startswith(starts))
                  .order_by(m.SourceRow.id))
        if fmt:
            wanted = wanted.where(m.Document.fmt == fmt)
        row_id = session.scalars(wanted).first()
    assert row_id is not None, starts
    view = open_source(engine, row_id)
    assert view is not None
    return view


def _boxed_text(file_name: str, view: SourceView) -> str:
    with pdfplumber.open(SAMPLES / file_name) as pdf:
        return pdf.pages[view.page.number - 1].crop(view.page.box).extract_text()


def test_a_pdf_row_is_boxed_on_its_page(ingested):
    engine, _ = ingested(FUNDS_PDF)
    view = _cited(engine, "36\t办公用房管理专项")
    assert (view.file_name, view.location, view.page.number) == (FUNDS_PDF, "第3页 第37行", 3)
    assert view.page.image[:4] == b"RIFF" and view.page.mime == "image/webp"
    inside = _boxed_text(FUNDS_PDF, view)
    assert "办公用房管理专项" in inside and "550.0" in inside
    assert "公共机构节能" not in inside, "the row above is not in the box"
    # "52" also stands elsewhere on page 4; the box stays on the row of its longest cell
    decoy = _cited(engine, "52\t城市管理设施维护专项")
    assert "6,562.4" in _boxed_text(FUNDS_PDF, decoy) and decoy.page.box[3] - decoy.page.box[1] < 25
    html = source_html(view)
    assert 'class="bqa-mark"' in html and "第3页" in html and "data:image/webp;base64," in html


def test_a_workbook_row_is_marked_in_its_sheet(ingested):
    engine, _ = ingested(DEPT_XLSX)
    view = _cited(engine, "30217\t公务接待费")
    grid = view.grid
    assert view.location.startswith("表六") and grid.header[:3] == ["A", "B", "C"]
    assert grid.labels[grid.hit] == "31" and grid.rows[grid.hit][:3] == ["30217", "公务接待费", "4.80"]
    assert grid.rows[0][0] == "部门公开表 6", "the sheet is shown from its own title rows"


def test_word_and_text_rows_are_shown_in_their_table(ingested):
    engine, _ = ingested(DEPT_DOCX)
    view = _cited(engine, "30217\t公务接待费")
    grid = view.grid
    assert view.location == "表格7 第27行" and grid.rows[grid.hit][:2] == ["30217", "公务接待费"]
    assert len(grid.rows) > 10 and all(label.startswith("表格7") for label in grid.labels)
    engine, _ = ingested(FUNDS_TXT)
    view = _cited(engine, "<b>2024年预算</b>\t6562.43")
    assert view.original.startswith("<b>2024年预算</b>"), "the stored original keeps its markup"
    assert view.grid.rows[view.grid.hit][:2] == ["2024年预算", "6562.43"], "the grid shows it clean"
    assert "城市管理设施维护专项" in " ".join(view.grid.rows[view.grid.hit - 1])
    prose = _cited(ingested(DEPT_TXT)[0], "2024年“三公”经费预算44.8万元")
    assert prose.grid.hit is not None and len(prose.grid.rows) > 3


def test_a_text_export_row_is_also_shown_on_the_pdf_page(tmp_path: Path, cached_reads):
    del cached_reads  # reads each sample once per session
    engine = make_engine(f"sqlite:///{tmp_path}/both.db")
    for name in (FUNDS_TXT, FUNDS_PDF):  # the text export first: it is the primary, the PDF its rendition
        ingest_file(engine, SAMPLES / name)
    view = _cited(engine, "36\t办公用房管理专项", fmt="txt")
    assert view.file_name == FUNDS_TXT and view.grid.hit is not None
    assert view.page_file == FUNDS_PDF and view.page.number == 3
    assert "办公用房管理专项" in _boxed_text(FUNDS_PDF, view)


def test_a_row_no_longer_stored_opens_nothing(store):
    assert open_source(store(), 123456) is None


@pytest.fixture(autouse=True)
def _quiet_pdfminer(caplog):
    """pdfminer logs font warnings for the embedded CJK fonts; they say nothing about the viewer."""
    caplog.set_level("ERROR", logger="pdfminer")
