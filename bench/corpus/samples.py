"""The two real text exports in data/samples, read into the templates the generator varies.

Only the text exports are read (they are the originals the office renditions
were typeset from).  Reading is deliberately independent of ``ingest``: the
generator is the ground truth the ingest tests compare against, so it must not
share the code under test.  Templates are cleaned on the way in (markup
removed, shifted indicator rows put back, a weight found in the 是否核心
column moved to its place) because the generator adds such mess itself, on
purpose and on record, and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import openpyxl

from ingest.readers.text import render_math

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
FUNDS_SAMPLE = SAMPLES / "wansheng_2024_key_special_funds.txt"
DEPT_SAMPLE = SAMPLES / "wansheng_2024_admin_office_dept_budget.txt"
DEPT_WORKBOOK = SAMPLES / "wansheng_2024_admin_office_dept_budget.xlsx"
SAMPLE_YEAR = 2024

_TAGS = re.compile(r"</p>\s*<p>|</?(?:b|p)>")
_CODE_NAME = re.compile(r"^(\d{3})-(.+)$")
_SEQ = re.compile(r"^序号：(\d+)$")


def clean(text: str) -> str:
    """Cell text without HTML and math markup: what the office renditions show."""
    return render_math(_TAGS.sub("", text)).strip()


_YEARS = re.compile(r"20\d{2}(?=\s?年)")


def shift_years(text: str, year: int) -> str:
    """Move the sample year and the one before it ("2024年", "2023 年") to ``year`` and the year before.

    Other years (plan periods such as 2020-2035, past events) stay as written.
    """

    def move(m: re.Match[str]) -> str:
        y = int(m.group(0))
        return str(year - (SAMPLE_YEAR - y)) if SAMPLE_YEAR - 1 <= y <= SAMPLE_YEAR else m.group(0)

    return _YEARS.sub(move, text)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _runs(lines: list[str]) -> list[str | list[list[str]]]:
    """Non-blank lines in order: prose lines as text, consecutive tab lines as one table."""
    out: list[str | list[list[str]]] = []
    for line in lines:
        if "\t" in line:
            if out and isinstance(out[-1], list):
                out[-1].append(line.split("\t"))
            else:
                out.append([line.split("\t")])
        elif line.strip():
            out.append(line)
    return out


# --- the key-fund compilation -------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator row of a form, cleaned; the generator varies these into new ones (weight
    in percent)."""

    name: str
    nature: str
    value: str
    unit: str
    weight: int
    core: bool

    def manifest(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FundT:
    """One catalog entry with the content of its form (the real compilation's)."""

    seq: int
    name: str
    dept_code: str
    cents: int
    decimals: int  # decimals the form writes its budget with (268 / 409.5 / 502.00)
    step: int  # precision of the value in cents (100 for 502.00, 1 for 1086.61)
    overview: str
    goal: str
    indicators: tuple[Indicator, ...]
    contact: str
    phone: str


@dataclass(frozen=True)
class FundsTemplate:
    cover: tuple[str, ...]  # raw cover lines (their markdown line breaks kept)
    notes: tuple[str, ...]  # 编表说明 paragraphs
    departments: dict[str, str]  # code -> full name, catalog order
    funds: tuple[FundT, ...]


# column order of the indicator sub-table after its label column, in each kind of form
FUND_COLUMNS = ("name", "nature", "value", "unit", "weight", "core")
DEPT_COLUMNS = ("name", "weight", "unit", "nature", "value", "core")


def clean_indicators(rows: list[list[str]], columns: tuple[str, ...]) -> tuple[Indicator, ...]:
    """Indicator rows read in ``columns`` order, with the export's slips undone.

    A row that lost its leading empty cell is put back one column right, and a
    weight written in the 是否核心 column is moved back to 指标权重.  A missing
    weight counts as 10, the most common one.
    """
    out = []
    for raw in rows:
        cells = [clean(c) for c in raw]
        if cells[0]:
            cells = ["", *cells]
        cells += [""] * (len(columns) + 2 - len(cells))
        field = dict(zip(columns, cells[1:], strict=False))
        if not field["weight"] and re.fullmatch(r"\d+", field["core"]):
            field["weight"], field["core"] = field["core"], cells[len(columns) + 1]
        if field["name"]:
            out.append(Indicator(field["name"], field["nature"], field["value"], field["unit"],
                                  int(field["weight"] or 10), field["core"] == "是"))
    return tuple(out)


def _form(rows: list[list[str]]) -> dict[str, object]:
    """Label → value of a form, plus its indicators."""
    fields: dict[str, object] = {}
    for i, raw in enumerate(rows):
        cells = [clean(c) for c in raw]
        if cells[0] == "绩效指标":
            fields["indicators"] = clean_indicators(rows[i + 1 :], FUND_COLUMNS)
            break
        values = [c for c in cells if c]
        for label, value in zip(values[::2], values[1::2], strict=False):
            fields[re.sub(r"^\d{4}年", "", label)] = value
    return fields


def _style(text: str) -> tuple[int, int]:
    """Decimals written and value precision of a form budget as the source writes it."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = Decimal(text)
    step = 100 if value == value.to_integral() else 10 if value * 10 == (value * 10).to_integral() else 1
    return decimals, step


@cache
def funds_template() -> FundsTemplate:
    """The compilation: cover, 编表说明, catalog entries, and each entry's form content."""
    runs = _runs(_lines(FUNDS_SAMPLE))
    cover: list[str] = []
    notes: list[str] = []
    catalog: list[list[str]] = []
    forms: dict[int, dict[str, object]] = {}
    seq = 0
    headings = 0
    for run in runs:
        if isinstance(run, list):
            if run[0][0] == "序号":
                catalog += [r for r in run if r[0] != "序号"]
            elif seq:
                forms[seq] = _form(run)
            continue
        if m := _SEQ.match(run):
            seq = int(m.group(1))
        elif run.startswith("联系") and seq:
            key, _, value = run.partition("：")
            forms[seq][key] = value.strip()
        elif run.startswith("#"):
            headings += 1
        elif headings < 2:
            (notes if headings else cover).append(run)
    departments: dict[str, str] = {}
    by_name = {(f["项目名称"], f.get("主管部门")): f for f in forms.values()}
    funds = []
    for seq_text, name, dept, amount in catalog:
        code, dept_name = _CODE_NAME.match(dept).groups()
        departments.setdefault(code, dept_name)
        form = by_name.get((name, dept)) or forms[int(seq_text)]
        decimals, step = _style(str(form["预算"]))
        funds.append(
            FundT(int(seq_text), name, code, int(Decimal(amount.replace(",", "")) * 100), decimals, step,
                  str(form["项目概况"]), str(form["当年绩效目标"]), form["indicators"],
                  str(form["联系人"]), str(form["联系电话"]))
        )
    return FundsTemplate(tuple(cover), tuple(notes), departments, tuple(funds))


# --- the department disclosure --------------------------------------------------------------


@dataclass
class TableT:
    """One of the 16 tables: the lines above it, header rows, body rows, notes below."""

    no: int
    above: list[str]
    header: list[list[str]]
    body: list[list[str]]
    below: list[str] = field(default_factory=list)


@dataclass
class DeptTemplate:
    code: str
    name: str
    sections: dict[str, list[str]]  # narrative: section heading -> its lines
    directory: list[list[str]]  # the 目录 table
    tables: list[TableT]  # in document order (表十六 twice)

    def table(self, no: int) -> TableT:
        return next(t for t in self.tables if t.no == no)


_TITLE = re.compile(r"^\d{4} 年万盛经开区部门.*表$")
_SECTION = re.compile(r"^[一二三四五六七]、")
# header rows of the standard tables as the sample lays them out; the forms (14-16) have none
HEADER_ROWS = {1: 2, 2: 2, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 3, 11: 2, 12: 2, 13: 1}


def _table_no(above: list[str], directory: list[list[str]]) -> int:
    """The directory number of a table, by its title and the subtitle line that may follow it."""
    at = next(i for i, line in enumerate(above) if _TITLE.match(line))
    title = above[at]
    following = above[at + 1] if at + 1 < len(above) else ""
    if following.startswith(("(", "（")):
        title += following.replace("(", "（").replace(")", "）")
    return next(int(row[0]) for row in directory if row[2] == title)


@cache
def dept_template() -> DeptTemplate:
    """The disclosure: narrative by section, the directory, and the 16 tables."""
    runs = _runs(_lines(DEPT_SAMPLE))
    sections: dict[str, list[str]] = {"": []}
    current = ""
    directory: list[list[str]] = []
    tables: list[TableT] = []
    pending: list[str] = []
    for run in runs:
        if isinstance(run, list):
            if not directory:
                directory = run
                continue
            no = _table_no(pending, directory)
            start = HEADER_ROWS.get(no, 0)
            tables.append(TableT(no, pending, run[:start], run[start:]))
            pending = []
        elif directory:
            if tables and pending == [] and not (_TITLE.match(run) or run.startswith("部门公开表")):
                tables[-1].below.append(run)
            else:
                pending.append(run)
        elif _SECTION.match(run) or run.endswith("（目录）"):
            current = run
            sections[current] = []
        else:
            sections[current].append(run)
    title = sections.pop("")[0]
    name = title.split(" ")[0]
    code = next(m.group(1) for t in tables for line in t.above if (m := re.search(r"(\d{3})-", line)))
    return DeptTemplate(code, name, sections, directory, tables)


@dataclass(frozen=True)
class SheetT:
    """A sheet of the sample workbook: its name, column widths and page orientation."""

    name: str
    widths: tuple[float, ...]
    landscape: bool


@cache
def workbook_sheets() -> tuple[SheetT, ...]:
    """The sample workbook's sheets in order (目录, 表一 … 表十六): names and column widths."""
    wb = openpyxl.load_workbook(DEPT_WORKBOOK)
    try:
        return tuple(
            SheetT(ws.title, tuple(ws.column_dimensions[c].width for c in sorted(ws.column_dimensions)),
                   ws.page_setup.orientation == "landscape")
            for ws in wb.worksheets
        )
    finally:
        wb.close()
