"""PDF, Excel and Word readers on the real sample documents, checked against their text exports.

The office files were typeset from the .txt exports, so every table row of an
export must come back from each office format with the same cell texts (merged
cells aside): that is what lets one set of recognisers read every format.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from db.blocks import Block, Paragraph, Row, Table
from ingest.readers.cells import clean_cell
from ingest.readers.docx import heading_level, read_docx
from ingest.readers.errors import ReaderError
from ingest.readers.pdf import read_pdf
from ingest.readers.xlsx import number_text, read_xlsx

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
FUNDS = "wansheng_2024_key_special_funds"
DEPT = "wansheng_2024_admin_office_dept_budget"
_MARKUP = re.compile(r"</?(?:b|p)>")
_MATH = ("<math>", "$")  # the export's math markup is rendered as ≥/≤ in the office files


# --- helpers -------------------------------------------------------------------------------


def export_rows(stem: str) -> list[tuple[str, ...]]:
    """The tab-separated rows of a text export, markup stripped and cells cleaned like a reader's.

    ``<p>`` boundaries become line breaks inside the cell, as they do in the office files.
    """
    rows = []
    for line in (SAMPLES / f"{stem}.txt").read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            line = _MARKUP.sub("", re.sub(r"</p>\s*<p>", "\n", line))
            rows.append(tuple(clean_cell(c) or "" for c in line.split("\t")))
    return rows


def filled(cells: tuple[str, ...] | Row) -> tuple[str, ...]:
    """The non-empty cells: merged cells (``None`` or blank) and column shifts drop out."""
    texts = cells.texts() if isinstance(cells, Row) else cells
    return tuple(c for c in texts if c)


def tables(blocks: list[Block]) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table)]


def paragraphs(blocks: list[Block]) -> list[Paragraph]:
    return [b for b in blocks if isinstance(b, Paragraph)]


def all_rows(blocks: list[Block]) -> list[Row]:
    return [row for table in tables(blocks) for row in table.rows]


def missing_export_rows(stem: str, blocks: list[Block]) -> list[tuple[str, ...]]:
    """Export rows whose non-empty cells appear in no row the reader produced."""
    produced = {filled(row) for row in all_rows(blocks)}
    return [row for row in export_rows(stem) if filled(row) and filled(row) not in produced]


def export_indicator_names(stem: str) -> list[str]:
    """指标名称 of every indicator row in the export: rows after a 指标名称 header within one table.

    The name is the first non-empty cell, wherever a shifted row put it.
    """
    names: list[str] = []
    under_header = False
    for line in (SAMPLES / f"{stem}.txt").read_text(encoding="utf-8").splitlines():
        cells = [clean_cell(_MARKUP.sub("", c)) or "" for c in line.split("\t")]
        if "\t" not in line:
            under_header = False
        elif "指标名称" in cells:
            under_header = True
        elif under_header and any(cells):
            names.append(next(c for c in cells if c))
    return names


@pytest.fixture(scope="module")
def funds_pdf() -> list[Block]:
    """The 90-page compilation, read once for the module (the slowest read: 5-12 s)."""
    return read_pdf(SAMPLES / f"{FUNDS}.pdf")


@pytest.fixture(scope="module")
def dept_pdf() -> list[Block]:
    return read_pdf(SAMPLES / f"{DEPT}.pdf")


@pytest.fixture(scope="module")
def dept_xlsx() -> list[Block]:
    return read_xlsx(SAMPLES / f"{DEPT}.xlsx")


@pytest.fixture(scope="module")
def dept_docx() -> list[Block]:
    return read_docx(SAMPLES / f"{DEPT}.docx")


def test_samples_present() -> None:
    for suffix in (".pdf", ".xlsx", ".docx", ".txt"):
        assert (SAMPLES / f"{DEPT}{suffix}").is_file()
    assert (SAMPLES / f"{FUNDS}.pdf").is_file() and (SAMPLES / f"{FUNDS}.txt").is_file()


# --- PDF: key special funds ------------------------------------------------------------------


def catalog(blocks: list[Block]) -> list[Table]:
    return [t for t in tables(blocks) if filled(t.rows[0])[:2] == ("序号", "专项资金名称")]


def forms(blocks: list[Block]) -> list[Table]:
    return [t for t in tables(blocks) if t.rows[0].cells[0] == "项目名称"]


def test_funds_catalog_is_one_table_across_three_pages(funds_pdf: list[Block]) -> None:
    (table,) = catalog(funds_pdf)
    header, *data = table.rows
    assert header.cells == ["序号", "专项资金名称", "主管部门", "2024年预算"]  # "2024年\n预算" joined
    assert [row.cells[0] for row in data] == [str(n) for n in range(1, 86)]
    assert header not in data and all(row.cells != header.cells for row in data)
    assert {row.loc.page for row in data} == {3, 4, 5}
    # rows keep their index on their own page, where the repeated header was row 1
    first_on_4 = next(row for row in data if row.loc.page == 4)
    assert (first_on_4.cells[0], first_on_4.loc.row) == ("37", 2)


def test_funds_catalog_rows_equal_the_export(funds_pdf: list[Block]) -> None:
    exported = [r for r in export_rows(FUNDS) if len(r) == 4 and r[0].isdigit()]
    assert len(exported) == 85
    (table,) = catalog(funds_pdf)
    assert [tuple(row.texts()) for row in table.rows[1:]] == exported  # wrapped cells rejoined


def test_funds_form_pages_have_label_cells_and_merged_cells(funds_pdf: list[Block]) -> None:
    found = forms(funds_pdf)
    assert len(found) == 85
    assert [t.rows[0].loc.page for t in found] == list(range(6, 91))
    for table in found:
        labels = [row.cells[0] for row in table.rows]
        assert labels[:5] == ["项目名称", "2024年预算", "项目概况", "当年绩效目标", "绩效指标"]
        assert table.rows[0].cells[-2:] == [None, None]  # 主管部门 value merged across
        assert all(label is None for label in labels[5:])  # 绩效指标 merged down
    header = found[0].rows[4]
    assert header.cells[5] == "指标权重(%)"  # "指标权重\n(%)" in a narrow cell


def test_funds_indicator_names_match_the_export(funds_pdf: list[Block]) -> None:
    names = export_indicator_names(FUNDS)
    assert len(names) == 551
    produced = {row.cells[1] for table in forms(funds_pdf) for row in table.rows[5:]}
    assert [n for n in names if n not in produced] == []


def test_funds_rows_equal_the_export_except_markup(funds_pdf: list[Block]) -> None:
    missing = missing_export_rows(FUNDS, funds_pdf)
    # left: rows with math markup (≥/≤ in the PDF) and four headers written "指标权重 (%)"
    assert all(any(m in "".join(r) for m in _MATH) or "指标权重 (%)" in r for r in missing)
    assert len(missing) == 10


def test_funds_last_indicator_of_79_keeps_its_columns(funds_pdf: list[Block]) -> None:
    """The weight 20 sits in the 是否核心 column, as in the source: readers do not fix data."""
    table = forms(funds_pdf)[78]
    assert table.rows[-1].cells == [None, "信息化建设水平", "定性", "较上年提升", "", "", "20"]


def test_funds_paragraphs_in_reading_order(funds_pdf: list[Block]) -> None:
    texts = [p.text for p in paragraphs(funds_pdf)]
    assert sum(t.startswith("联系人：") for t in texts) == 85
    assert sum(t.startswith("联系电话：") for t in texts) == 85
    assert sum(re.fullmatch(r"序号：\d+", t) is not None for t in texts) == 85
    assert not [t for t in texts if t.isdigit()]  # page numbers dropped
    page6 = [b for b in funds_pdf if (b.loc if isinstance(b, Paragraph) else b.rows[0].loc).page == 6]
    kinds = [b.text if isinstance(b, Paragraph) else "<table>" for b in page6]
    assert kinds == [
        "序号：1",
        "2024年区级重点专项资金绩效目标表（一级项目）",  # no space where CJK meets Latin
        "单位：万元",
        "<table>",
        "联系人：陈虹宇",
        "联系电话：48281958",
    ]


def test_funds_wrapped_prose_is_one_paragraph(funds_pdf: list[Block]) -> None:
    second = next(p for p in paragraphs(funds_pdf) if p.text.startswith("二、区级重点专项资金"))
    assert second.text.endswith("涉及预算资金67,310万元。")  # "涉" / "及预算资金" across lines
    assert (second.loc.page, second.loc.row) == (2, 6)


def test_funds_pdf_locations_and_raw(funds_pdf: list[Block]) -> None:
    row = forms(funds_pdf)[0].rows[5]
    assert (row.loc.source, row.loc.fmt, row.loc.page, row.loc.row) == (f"{FUNDS}.pdf", "pdf", 6, 6)
    assert row.raw == "\t监督检查次数\t≥\t12\t次/年\t15\t是"


# --- PDF: department budget -------------------------------------------------------------------


def test_dept_pdf_reads_all_pages_and_tables(dept_pdf: list[Block]) -> None:
    pages = {p.loc.page for p in paragraphs(dept_pdf)} | {r.loc.page for r in all_rows(dept_pdf)}
    assert max(pages) == 24
    found = tables(dept_pdf)
    assert len(found) == 18  # 目录 + 16 tables, 表十六 holding two forms
    wide = [t for t in found if len(t.rows[0].cells) == 14]  # landscape pages
    assert [t.rows[0].loc.page for t in wide] == [9, 20]


def test_dept_pdf_prose(dept_pdf: list[Block]) -> None:
    texts = [p.text for p in paragraphs(dept_pdf)]
    # the centred title set on two lines is one paragraph
    assert texts[0] == "重庆市万盛经济技术开发区管理委员会办公室 2024年部门预算情况说明"
    assert "一、部门基本情况" in texts
    # a tab-stop line gives one paragraph per field, as the export writes them
    i = texts.index("2024 年万盛经开区部门收支预算总表")
    assert texts[i + 1 : i + 3] == ["部门全称：重庆市万盛经济技术开发区管理委员会办公室", "单位：万元"]


def test_dept_pdf_prose_equals_the_word_document(dept_pdf: list[Block], dept_docx: list[Block]) -> None:
    """Only spaces the PDF renderer dropped at line ends differ ("0 万元" → "0万元")."""
    squeeze = str.maketrans("", "", " ")
    pdf = [p.text.translate(squeeze) for p in paragraphs(dept_pdf)]
    assert pdf == [p.text.translate(squeeze) for p in paragraphs(dept_docx)]


# --- Excel -----------------------------------------------------------------------------------


def test_xlsx_sheets_and_layout(dept_xlsx: list[Block]) -> None:
    sheets = {b.loc.sheet for b in paragraphs(dept_xlsx)} | {r.loc.sheet for r in all_rows(dept_xlsx)}
    assert len(sheets) == 17 and "表十 一般公共预算“三公”经费支出预算表" in sheets
    assert len(tables(dept_xlsx)) == 18
    texts = [p.text for p in paragraphs(dept_xlsx)]
    i = texts.index("2024 年万盛经开区部门收支预算总表")  # title row: a paragraph
    assert texts[i - 1 : i + 3] == [
        "部门公开表 1",
        "2024 年万盛经开区部门收支预算总表",
        "部门全称：重庆市万盛经济技术开发区管理委员会办公室",
        "单位：万元",  # same worksheet row, its own paragraph
    ]
    assert "说明：本部门无该项收支，故此表无数据。" in texts


def test_xlsx_cells(dept_xlsx: list[Block]) -> None:
    rows = all_rows(dept_xlsx)
    cells = [c for row in rows for c in row.cells]
    assert "1,952.98" in cells and "1952.98" not in cells
    code_row = next(r for r in rows if r.cells[0] == "2010301")  # code stored as text
    assert (code_row.loc.sheet, code_row.loc.row) == ("表二 收入预算总表", 9)
    assert code_row.raw.split("\t")[:3] == ["2010301", "行政运行", "676.22"]
    weight = next(r for r in rows if r.cells[1] == "重点会议次数")
    assert weight.cells == [None, "重点会议次数", "10", "场次", "≥", "30", "否"]  # General ints


def test_xlsx_merged_cells_are_none(dept_xlsx: list[Block]) -> None:
    three = next(t for t in tables(dept_xlsx) if t.rows[0].loc.sheet.startswith("表十 "))
    assert [r.cells for r in three.rows[:3]] == [
        ["2024 年预算数", None, None, None, None, None],
        ["合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费"],
        [None, None, "小计", "公务用车购置费", "公务用车运行费", None],
    ]


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (1952.98, "#,##0.00", "1,952.98"),
        (200, "#,##0.00", "200.00"),
        (-1234.5, "#,##0.00_);[Red](#,##0.00)", "-1,234.50"),
        (3.14159, "0.0", "3.1"),
        (0.125, "0.0%", "12.5%"),
        (10, "General", "10"),
        (10.0, "General", "10"),
        (0.1 + 0.2, "General", "0.3"),
        (45000, "yyyy-mm-dd", "45000"),  # not a plain number format: shown as General
    ],
)
def test_number_text(value: float, fmt: str, shown: str) -> None:
    assert number_text(value, fmt) == shown


# --- Word --------------------------------------------------------------------------------------


def test_docx_headings_and_order(dept_docx: list[Block]) -> None:
    heads = {p.text: p.heading for p in paragraphs(dept_docx) if p.heading}
    assert heads["一、部门基本情况"] == 1 and heads["(一) 职能职责。"] == 2
    first = dept_docx[0]
    assert isinstance(first, Paragraph) and first.heading == 0  # the Title style is not a heading
    assert len(tables(dept_docx)) == 18
    # a table sits where the body has it: right after its title and unit line
    i = next(i for i, b in enumerate(dept_docx) if isinstance(b, Paragraph) and b.text == "单位：万元")
    assert isinstance(dept_docx[i + 1], Table)


def test_docx_merged_cells_are_none(dept_docx: list[Block]) -> None:
    three = tables(dept_docx)[10]
    assert three.rows[0].loc.sheet == "表格11"
    assert [r.cells for r in three.rows[:3]] == [
        ["2024 年预算数", None, None, None, None, None],  # gridSpan
        ["合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费"],
        [None, None, "小计", "公务用车购置费", "公务用车运行费", None],  # vMerge continuation
    ]
    assert [r.loc.row for r in three.rows] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("style", "level"),
    [("Heading 1", 1), ("heading 3", 3), ("标题 2", 2), ("标题2", 2), ("Title", 0), ("Normal", 0), (None, 0)],
)
def test_heading_level(style: str | None, level: int) -> None:
    assert heading_level(style) == level


# --- same cells in every format ----------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["dept_xlsx", "dept_docx", "dept_pdf"])
def test_dept_rows_equal_the_export(fixture: str, request: pytest.FixtureRequest) -> None:
    blocks = request.getfixturevalue(fixture)
    exported = export_rows(DEPT)
    coded = [r for r in exported if re.fullmatch(r"\d{7}", r[0])]
    assert len(exported) == 288 and len(coded) == 42
    assert missing_export_rows(DEPT, blocks) == []
    assert ("2010301", "行政运行", "676.22", "676.22") in {filled(r) for r in all_rows(blocks)}


# --- unreadable files ------------------------------------------------------------------------

_BLANK_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# the standard security handler with an unknown user password
_ENCRYPTED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"3 0 obj<</Filter/Standard/V 1/R 2/O<" + b"11" * 32 + b">/U<" + b"22" * 32 + b">/P -4>>endobj\n"
    b"trailer<</Root 1 0 R/Encrypt 3 0 R/ID[<00112233445566778899aabbccddeeff>"
    b"<00112233445566778899aabbccddeeff>]>>\n%%EOF\n"
)
_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def _head(name: str, size: int) -> bytes:
    return (SAMPLES / name).read_bytes()[:size]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.pdf", b"hello", "文件头不是 %PDF"),
        ("cut.pdf", _head(f"{FUNDS}.pdf", 50_000), "已损坏或不完整"),
        ("blank.pdf", _BLANK_PDF, "扫描件"),
        ("locked.pdf", _ENCRYPTED_PDF, "已加密"),
        ("cut.xlsx", _head(f"{DEPT}.xlsx", 2000), "Excel 文件已损坏或不完整"),
        ("x.xlsx", b"hello", "不是有效的 Excel 文件"),
        ("locked.xlsx", _OLE_HEADER, "受密码保护"),
        ("cut.docx", _head(f"{DEPT}.docx", 20_000), "Word 文件已损坏或不完整"),
        ("locked.docx", _OLE_HEADER, "受密码保护"),
    ],
)
def test_unreadable_files_raise_reader_error(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    reader = {".pdf": read_pdf, ".xlsx": read_xlsx, ".docx": read_docx}[path.suffix]
    with pytest.raises(ReaderError, match=re.escape(reason)):
        reader(path)


def test_office_package_of_the_wrong_kind(tmp_path: Path) -> None:
    """A valid zip that is not the expected package: a workbook named .docx, a bare zip named .xlsx."""
    workbook = shutil.copy(SAMPLES / f"{DEPT}.xlsx", tmp_path / "book.docx")
    with pytest.raises(ReaderError, match="不是 Word 文档"):
        read_docx(Path(workbook))
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("hello.txt", "hello")
    with pytest.raises(ReaderError, match="不是 Excel 工作簿"):
        read_xlsx(bare)
