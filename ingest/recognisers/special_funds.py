"""重点专项预算绩效 compilations: the 专项资金目录 catalog, every 绩效目标表, the stated total.

Written for this kind of document from any district or year: the catalog is
found by its header (序号 / 专项资金名称 / 主管部门 / 预算), forms by their label
cells, and forms are matched to catalog entries by department and name rather
than by the printed 序号, because printed numbering is exactly what goes wrong
in real compilations.  Every mismatch becomes an anomaly, never a silent fix.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from db.blocks import Block, Paragraph, Row, Table
from db.records import (
    PROGRAM_KEY,
    SPECIAL_FUNDS,
    Anomaly,
    CatalogEntry,
    DocumentRecords,
    FundForm,
    StatedFact,
)
from db.writing import label, parse_amount, split_department
from ingest.recognisers.common import find_year, is_blank, label_values, paragraphs
from ingest.recognisers.indicators import indicator_header, read_indicators

_SEQ = re.compile(r"^序号[:：]\s*(\d+)")
_CONTACT = re.compile(r"^联系人[:：]\s*(.*)$")
_PHONE = re.compile(r"^联系电话[:：]\s*(.*)$")
_TOTAL = re.compile(r"涉及预算资金\s*([\d,]+(?:\.\d+)?)\s*万元")
_FORM_LABELS = {"项目名称", "主管部门", "项目概况", "当年绩效目标", "绩效指标"}
_FUZZY_MIN = 60
_BODY_START = re.compile(r"^(编表说明|说明|目录)$|。$")


def _catalog_header(row: Row) -> dict[str, int] | None:
    """Column positions when ``row`` is a catalog header (序号/专项资金名称/主管部门/…预算)."""
    cols: dict[str, int] = {}
    for i, cell in enumerate(row.texts()):
        key = label(cell)
        if key == "序号":
            cols["seq"] = i
        elif "名称" in key:
            cols["name"] = i
        elif "主管部门" in key:
            cols["dept"] = i
        elif key.endswith("预算"):
            cols["amount"] = i
    return cols if len(cols) == 4 else None


def is_special_funds(blocks: list[Block]) -> bool:
    """A compilation has a catalog table or performance forms with 项目名称 labels."""
    for block in blocks:
        if isinstance(block, Table) and block.rows:
            if _catalog_header(block.rows[0]) is not None:
                return True
            if any(label(c) == "项目名称" for c in block.rows[0].texts()):
                return True
    return False


def _read_catalog(blocks: list[Block]) -> list[CatalogEntry]:
    """Catalog rows from every table headed like the catalog (it may be split across tables)."""
    entries: list[CatalogEntry] = []
    for block in blocks:
        if not isinstance(block, Table) or not block.rows:
            continue
        cols = _catalog_header(block.rows[0])
        if cols is None:
            continue
        for row in block.rows[1:]:
            cells = row.texts()
            if is_blank(row) or _catalog_header(row) is not None:
                continue
            seq_text = cells[cols["seq"]].strip() if cols["seq"] < len(cells) else ""
            dept_text = cells[cols["dept"]] if cols["dept"] < len(cells) else ""
            code, dept_name = split_department(dept_text)
            amount_text = cells[cols["amount"]].strip() if cols["amount"] < len(cells) else ""
            entries.append(
                CatalogEntry(
                    seq=int(seq_text) if seq_text.isdigit() else None,
                    name=cells[cols["name"]].strip(),
                    dept_code=code,
                    dept_name=dept_name or None,
                    amount=parse_amount(amount_text),
                    amount_text=amount_text,
                    row=row,
                )
            )
    return entries


def _budget_label(rows: list[Row]) -> str | None:
    """The form's budget label: ``2024年预算`` style, whatever the year."""
    for row in rows:
        for cell in row.texts():
            key = label(cell)
            if re.fullmatch(r"(20\d{2}年)?预算(数)?", key) or key == "当年预算":
                return key
    return None


def _read_form(table: Table, seq: int | None, seq_row: Row | None) -> tuple[FundForm, list]:
    """One 绩效目标表: label/value fields plus its indicator sub-table."""
    header_at = next(
        (i for i, r in enumerate(table.rows) if indicator_header(r) is not None), len(table.rows)
    )
    head_rows = table.rows[:header_at]
    budget_key = _budget_label(head_rows)
    labels = _FORM_LABELS | ({budget_key} if budget_key else set())
    found = label_values(head_rows, labels)

    def value(key: str) -> str:
        return found[key][0] if key in found else ""

    dept_text = value("主管部门")
    code, dept_name = split_department(dept_text)
    budget_text = value(budget_key) if budget_key else ""
    form = FundForm(
        program=PROGRAM_KEY,
        seq=seq,
        name=value("项目名称"),
        dept_code=code,
        dept_name=dept_name or None,
        dept_text=dept_text,
        budget=parse_amount(budget_text),
        budget_text=budget_text,
        overview=value("项目概况"),
        goal=value("当年绩效目标"),
    )
    form.rows = {k: found[k][1] for k in found}
    if budget_key in found:
        form.rows["budget"] = found[budget_key][1]
    if seq_row is not None:
        form.rows["seq"] = seq_row
    anomalies: list[Anomaly] = []
    if header_at < len(table.rows):
        form.indicators, anomalies = read_indicators(
            table.rows[header_at], table.rows[header_at + 1 :]
        )
    return form, anomalies


def _read_forms(blocks: list[Block]) -> tuple[list[FundForm], list[Anomaly]]:
    """Forms in order, each with the 序号 above it and the 联系人/联系电话 below it."""
    forms: list[FundForm] = []
    anomalies: list[Anomaly] = []
    seq: int | None = None
    seq_row: Row | None = None
    for block in blocks:
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if m := _SEQ.match(text):
                seq, seq_row = int(m.group(1)), block.as_row()
            elif forms and (m := _CONTACT.match(text)) and not forms[-1].contact:
                forms[-1].contact = m.group(1).strip()
                forms[-1].rows["contact"] = block.as_row()
            elif forms and (m := _PHONE.match(text)) and not forms[-1].phone:
                forms[-1].phone = m.group(1).strip()
                forms[-1].rows["phone"] = block.as_row()
            continue
        if not block.rows or not any(
            label(c) == "项目名称" for r in block.rows[:2] for c in r.texts()
        ):
            continue
        form, found = _read_form(block, seq, seq_row)
        forms.append(form)
        anomalies.extend(found)
        seq, seq_row = None, None
    return forms, anomalies


def _stated_total(blocks: list[Block], year: int | None) -> list[StatedFact]:
    """The total the 编表说明 states for all key funds."""
    facts = []
    for p in paragraphs(blocks):
        if m := _TOTAL.search(p.text):
            facts.append(
                StatedFact(
                    topic="编表说明",
                    item="重点专项预算资金合计",
                    year=year,
                    amount=parse_amount(m.group(1)),
                    amount_text=m.group(1),
                    unit="万元",
                    row=p.as_row(),
                )
            )
    return facts


def _title(blocks: list[Block]) -> str:
    """The cover text, which is how compilations name themselves.

    The cover ends at the first heading, or, in formats without heading marks (PDF),
    at the first section title (编表说明, 目录) or sentence of prose.
    """
    parts = []
    for block in blocks:
        if not isinstance(block, Paragraph) or block.heading:
            break
        if _BODY_START.search(label(block.text)):
            break
        if not re.fullmatch(r"\d{4}年\d{1,2}月", block.text):
            parts.append(block.text)
    return "".join(parts) or "重点专项预算绩效"


def recognise(blocks: list[Block]) -> DocumentRecords:
    """Recognise a whole compilation."""
    catalog = _read_catalog(blocks)
    forms, anomalies = _read_forms(blocks)
    year = None
    for block in blocks:
        if isinstance(block, Table) and block.rows:
            year = find_year(" ".join(block.rows[0].texts()))
            if year:
                break
    doc = DocumentRecords(kind=SPECIAL_FUNDS, title=_title(blocks), year=year)
    doc.catalog, doc.forms, doc.anomalies = catalog, forms, anomalies
    doc.facts = _stated_total(blocks, year)
    doc.tables_found = ["专项资金目录"] if catalog else []
    doc.form_links = match_forms(doc)
    return doc


def match_forms(doc: DocumentRecords) -> dict[int, tuple[int | None, bool]]:
    """Link each form (by index) to a catalog entry (by index) and say whether it repeats one.

    Exact name within the same department first (preferring the entry whose 序号
    the form prints), then the closest name within the department.  A second
    form for an already linked entry is a repeat.
    """
    links: dict[int, tuple[int | None, bool]] = {}
    taken: dict[int, int] = {}

    def candidates(form: FundForm) -> list[int]:
        same = [
            i
            for i, e in enumerate(doc.catalog)
            if form.dept_code is None or e.dept_code == form.dept_code
        ]
        return same or list(range(len(doc.catalog)))

    order = sorted(
        range(len(doc.forms)),
        key=lambda f: not any(
            e.seq == doc.forms[f].seq and e.name == doc.forms[f].name for e in doc.catalog
        ),
    )
    for f in order:
        form = doc.forms[f]
        exact = [i for i in candidates(form) if doc.catalog[i].name == form.name]
        exact.sort(key=lambda i: doc.catalog[i].seq != form.seq)
        if exact:
            entry = exact[0]
            links[f] = (entry, entry in taken)
            taken.setdefault(entry, f)
    for f, form in enumerate(doc.forms):
        if f in links:
            continue
        free = [i for i in candidates(form) if i not in taken]
        scored = sorted(
            ((fuzz.ratio(doc.catalog[i].name, form.name), doc.catalog[i].seq == form.seq, i)
             for i in free),
            reverse=True,
        )
        if scored and scored[0][0] >= _FUZZY_MIN:
            links[f] = (scored[0][2], False)
            taken[scored[0][2]] = f
        else:
            links[f] = (None, False)
    return links
