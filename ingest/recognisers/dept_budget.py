"""部门预算 disclosures: the 16 standard tables, the performance forms, the narrative figures.

The standard set of tables is national (收支总表 … 一般项目绩效目标表), so tables
are identified by their titles against that list and read by their headers:
multi-level headers are folded into one label per column, subject codes decide
the classification (2xx 功能分类, 3xx 部门经济分类, 5xx 政府经济分类), and each
amount becomes one budget line with its year and column.
"""

from __future__ import annotations

import re

from db.blocks import Block, Paragraph, Row, Table
from db.records import (
    DEPT_BUDGET,
    PROGRAM_DEPT,
    PROGRAM_DEPT_WHOLE,
    Anomaly,
    BudgetLine,
    DocumentRecords,
    FundForm,
)
from db.writing import label, parse_amount, split_department
from ingest.recognisers.common import find_year, is_blank, label_values
from ingest.recognisers.indicators import indicator_header, read_indicators
from ingest.recognisers.narrative import stated_facts

# The national standard set: (table number, standard name, pattern its title matches).
# Order matters: more specific titles first.
STANDARD_TABLES: list[tuple[int, str, re.Pattern[str]]] = [
    (no, name, re.compile(pattern))
    for no, name, pattern in (
        (4, "财政拨款收支预算总表", r"财政拨款收支"),
        (1, "收支预算总表", r"收支预算总表"),
        (2, "收入预算总表", r"收入预算总表"),
        (3, "支出预算总表", r"支出预算总表"),
        (6, "基本支出预算表（部门经济分类）", r"基本支出.*部门(预算支出)?经济分类"),
        (7, "基本支出预算表（政府经济分类）", r"基本支出.*政府(预算支出)?经济分类"),
        (8, "项目支出预算表（部门经济分类）", r"项目支出.*部门(预算支出)?经济分类"),
        (9, "项目支出预算表（政府经济分类）", r"项目支出.*政府(预算支出)?经济分类"),
        (10, "“三公”经费支出预算表", r"三公"),
        (5, "一般公共预算财政拨款支出预算表", r"一般公共预算财政拨款支出预算表$"),
        (11, "政府性基金预算财政拨款支出预算表", r"政府性基金"),
        (12, "国有资本经营预算财政拨款支出预算表", r"国有资本经营"),
        (13, "政府采购预算明细表", r"政府采购"),
        (14, "部门预算整体绩效目标表", r"整体绩效目标"),
        (15, "部门重点项目绩效目标表", r"重点项目绩效目标"),
        (16, "部门一般项目绩效目标表", r"一般项目绩效目标"),
    )
]
_TITLE = re.compile(r"(预算总表|预算表|明细表|目标表)")
_CODE = re.compile(r"^\d{3,}$")
_WHOLE_LABELS = {"部门（单位）名称", "部门支出预算数", "当年整体绩效目标"}
_PROJECT_LABELS = {"专项资金名称", "业务主管部门", "当年预算", "项目概况", "当年绩效目标"}
_UNIT_NAME = re.compile(r"^(?:部门全称|编制单位)[:：]\s*(.*)$")


def classify_table(title: str) -> tuple[int, str] | None:
    """The standard table number and name for a title, or ``None`` when it is not one."""
    t = label(title)
    if not _TITLE.search(t) or "目录" in t:
        return None
    for no, name, pattern in STANDARD_TABLES:
        if pattern.search(t):
            return no, name
    return None


def is_dept_budget(blocks: list[Block]) -> bool:
    """A disclosure has at least three titled standard tables."""
    found = {classify_table(b.text) for b in blocks if isinstance(b, Paragraph)}
    return len(found - {None}) >= 3


def _classification(code: str | None, table_no: int) -> str | None:
    """Subject classification from the national code scheme."""
    if code and code[0] == "2":
        return "功能分类"
    if code and code[0] == "3":
        return "部门经济分类"
    if code and code[0] == "5":
        return "政府经济分类"
    return "功能分类" if table_no in (2, 3, 5, 11, 12) and code else None


def _is_data(row: Row) -> bool:
    """A data row holds at least one amount or starts with a subject code."""
    cells = row.texts()
    return any(parse_amount(c) is not None for c in cells) or bool(
        cells and _CODE.match(cells[0].strip())
    )


def _column_labels(header: list[Row], width: int) -> list[list[str]]:
    """Fold multi-level header rows into one label path per column.

    A blank top-level cell with a labelled cell below it belongs to the span on its
    left (merged headers come back blank or ``None`` depending on the format).
    """
    paths: list[list[str]] = [[] for _ in range(width)]
    for level, row in enumerate(header):
        cells = row.texts() + [""] * (width - len(row.cells))
        below = header[level + 1].texts() if level + 1 < len(header) else []
        carry = ""
        for i in range(width):
            text = label(cells[i])
            has_child = i < len(below) and bool(label(below[i]))
            if text:
                carry = text
                paths[i].append(text)
            elif carry and has_child and level + 1 < len(header):
                paths[i].append(carry)
            else:
                carry = "" if not has_child else carry
    return paths


def _is_name_column(path: list[str]) -> bool:
    """Columns that name the subject of a row (项目 / 科目名称)."""
    return bool(path) and (path[-1] in {"项目", "科目"} or path[-1].endswith("科目名称"))


def _is_code_column(path: list[str]) -> bool:
    """Columns holding subject codes or item numbers."""
    return bool(path) and ("编码" in path[-1] or "编号" in path[-1])


def _year_and_column(path: list[str], default_year: int | None) -> tuple[int, str]:
    """Year named in the column path (else the document's) and the column label without it."""
    year = None
    parts = []
    for part in path:
        y = find_year(part)
        year = year or y
        rest = re.sub(r"20\d{2}年", "", part)
        if rest:
            parts.append(rest)
    return year or default_year or 0, "/".join(parts) or "预算数"


def read_budget_table(
    rows: list[Row], table_no: int, title: str, year: int | None
) -> list[BudgetLine]:
    """Every amount of a standard table as a budget line.

    Rows are read left to right: a code column sets the subject code, a name column
    (项目 / 科目名称) the subject name and, in two-sided tables such as 收支总表,
    the side (收入 / 支出) its amounts belong to.  A table without name columns
    (三公经费) names each amount by its column header.
    """
    start = next((i for i, r in enumerate(rows) if _is_data(r)), len(rows))
    header = [r for r in rows[:start] if not is_blank(r)]
    width = max((len(r.cells) for r in rows), default=0)
    paths = _column_labels(header, width)
    lines: list[BudgetLine] = []
    for row in rows[start:]:
        cells = row.texts() + [""] * (width - len(row.cells))
        code: str | None = None
        name, side = "", ""
        for i, path in enumerate(paths):
            text = cells[i].strip()
            if _is_code_column(path):
                code = text if _CODE.match(text) else None
                name = "" if code else text
                continue
            if _is_name_column(path):
                name = text or name
                side = path[0] if len(path) > 1 and "科目" not in path[0] else ""
                continue
            amount = parse_amount(text)
            if amount is None:
                continue
            col_year, column = _year_and_column(path, year)
            if side and column.startswith(side + "/"):
                column = column[len(side) + 1 :]
            subject = name
            if not subject and not code:
                subject = "/".join(p for p in column.split("/") if p != "预算数") or "合计"
                column = "预算数"
            lines.append(
                BudgetLine(
                    table_no=table_no,
                    table_title=title,
                    classification=_classification(code, table_no),
                    subject_code=code,
                    subject_name=subject,
                    year=col_year,
                    column=f"{side}/{column}" if side else column,
                    amount=amount,
                    amount_text=text,
                    row=row,
                )
            )
    return lines


def _read_form(table: Table, table_no: int) -> tuple[FundForm | None, list[Anomaly]]:
    """A performance form (整体 or 项目) from tables 14-16; ``None`` for an empty form."""
    header_at = next(
        (i for i, r in enumerate(table.rows) if indicator_header(r) is not None), len(table.rows)
    )
    labels = _WHOLE_LABELS if table_no == 14 else _PROJECT_LABELS
    found = label_values(table.rows[:header_at], labels)
    name_key = "部门（单位）名称" if table_no == 14 else "专项资金名称"
    if name_key not in found:
        return None, []
    budget_key = "部门支出预算数" if table_no == 14 else "当年预算"
    dept_text = found.get("业务主管部门", found[name_key])[0]
    code, dept_name = split_department(dept_text)
    budget_text = found[budget_key][0] if budget_key in found else ""
    goal_key = "当年整体绩效目标" if table_no == 14 else "当年绩效目标"
    form = FundForm(
        program=PROGRAM_DEPT_WHOLE if table_no == 14 else PROGRAM_DEPT,
        seq=None,
        name=found[name_key][0],
        dept_code=code,
        dept_name=dept_name,
        dept_text=dept_text,
        budget=parse_amount(budget_text),
        budget_text=budget_text,
        overview=found["项目概况"][0] if "项目概况" in found else "",
        goal=found[goal_key][0] if goal_key in found else "",
    )
    form.rows = {"项目名称": found[name_key][1]}
    for key, field in ((budget_key, "budget"), ("项目概况", "项目概况"), (goal_key, "当年绩效目标")):
        if key in found:
            form.rows[field] = found[key][1]
    anomalies: list[Anomaly] = []
    if header_at < len(table.rows):
        form.indicators, anomalies = read_indicators(
            table.rows[header_at], table.rows[header_at + 1 :]
        )
    return form, anomalies


def _unit_of(blocks: list[Block]) -> tuple[str | None, str | None]:
    """The department's code and name from 部门全称 / 编制单位 lines."""
    code = name = None
    for block in blocks:
        texts: list[str] = []
        if isinstance(block, Paragraph):
            texts = [block.text]
        elif block.rows:
            texts = [c for r in block.rows[:3] for c in r.texts()]
        for text in texts:
            m = _UNIT_NAME.match(text.strip())
            if not m or not m.group(1).strip():
                continue
            c, n = split_department(m.group(1))
            code, name = code or c, name or n
    return code, name


def recognise(blocks: list[Block]) -> DocumentRecords:
    """Recognise a whole department budget disclosure."""
    title = next(
        (b.text for b in blocks if isinstance(b, Paragraph) and "部门预算" in b.text), "部门预算"
    )
    year = find_year(title)
    code, name = _unit_of(blocks)
    doc = DocumentRecords(kind=DEPT_BUDGET, title=title, year=year, dept_code=code, dept_name=name)
    current: tuple[int, str] | None = None
    title_text = ""
    for block in blocks:
        if isinstance(block, Paragraph):
            # a title may continue on the next line: "…基本支出预算表" + "（政府预算支出经济分类科目）"
            if title_text and block.text.lstrip().startswith(("(", "（")):
                current = classify_table(title_text + block.text) or current
            elif _TITLE.search(label(block.text)):
                title_text = block.text
                current = classify_table(block.text) or current
            continue
        if current is None or not block.rows:
            continue
        table_no, std_name = current
        if table_no >= 14:
            form, anomalies = _read_form(block, table_no)
            if form is not None:
                doc.forms.append(form)
                doc.anomalies.extend(anomalies)
        else:
            doc.budget_lines.extend(read_budget_table(block.rows, table_no, std_name, year))
        if std_name not in doc.tables_found:
            doc.tables_found.append(std_name)
    doc.facts = stated_facts(blocks, year)
    return doc

