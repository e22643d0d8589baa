"""Turn an ``Answer`` into what a reader sees: a result table, chart data, a short lead, clean text.

Pure functions with no Gradio, HTML or file-format import, so that the page,
the exports and the meeting record all show one table the same way and can be
tested without a browser.  Amounts stay exact: a cell keeps the ``Decimal`` it
stands for and the number of decimals the source wrote, so a table shows
"6,562.43" and an export writes the number 6562.43 formatted with two decimals,
never a rounded float.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.answer import ENGINE_LLM, ENGINE_RULES, Answer, Column
from assistant.checks.common import RULES, SEVERITY_NAMES, Finding
from db.citations import Citation

FINDING_HEADERS = ["级别", "类别", "问题", "出处"]
ENGINE_NAMES = {ENGINE_RULES: "规则引擎", ENGINE_LLM: "大模型"}
DEFAULT_UNIT = "万元"  # the unit every stored amount is in unless a row says otherwise
# A chart of more items than this draws the first CHART_SHOWN and says "前N项，共M项"
# with the rest one click away: a long ranking stays readable on a projector.
CHART_LIMIT, CHART_SHOWN = 20, 15
# An answer text longer than this, when rows carry the details, is cut to its first clause
LONG_TEXT = 160
TOTAL_LABEL = "合计"

_TAG = re.compile(r"<[^<>]*>")
_AMOUNT_TEXT = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# key words of columns that hold identifiers written with digits: never summed, never formatted
_CODE_WORDS = ("编码", "代码", "编号", "序号", "电话", "号码", "年度", "年份")
# key words of columns that hold money, shown with the amount unit in the heading
_MONEY_WORDS = ("金额", "合计", "预算", "差额", "变化额", "增减额", "数额", "资金")
_UNIT_KEY = "单位"
_UNITS = ("亿元", "万元", "元", "个", "项", "%", "人", "户")
_CHART_UNIT = re.compile(r"[（(]([^（）()]*)[）)]\s*$")
_FIRST_CLAUSE = re.compile(r"^(.{8,}?)[：:。；]")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
_ASKING_WORDS = ("请帮我", "请列出", "请问", "帮我", "列出", "查一下", "查询", "看看", "给我", "请")
_NAME_LIMIT = 40


# ---- text ---------------------------------------------------------------------------------


def engine_name(engine: str) -> str:
    """Chinese name of the engine that answered (unknown labels shown as they are)."""
    return ENGINE_NAMES.get(engine, engine)


def strip_tags(text: str) -> str:
    """The text a reader should see: markup tags of the source removed, entities decoded.

    Text exports carry ``<b>2024年预算</b>`` and ``<p>…</p>``; the stored row keeps
    them (it is the original), the page and the record show what they display.
    """
    return html.unescape(_TAG.sub("", text))


def citation_cells(citation: Citation) -> list[str]:
    """The cited row's non-empty cells, markup stripped (a paragraph is one cell)."""
    return [cell for cell in (strip_tags(c).strip() for c in citation.text.split("\t")) if cell]


def citation_text(citation: Citation) -> str:
    """The cited row as one clean line, its cells separated by ideographic spaces."""
    return "\u3000".join(citation_cells(citation))


def sql_text(answer: Answer) -> str:
    """All statements the answer ran, each ending in ``;``, separated by a blank line."""
    return "\n\n".join(s.strip().rstrip(";") + ";" for s in answer.sql if s.strip())


def lead(answer: Answer) -> str:
    """The answer text to show above its table: the whole text, or its first clause when long.

    A list answer spells every row out in prose (a thousand characters for
    sixteen funds); with the rows in a table below, the reader needs only what
    was found ("…共16个"), so that clause is kept and the table carries the rest.
    """
    text = answer.text.strip()
    if len(text) <= LONG_TEXT or not answer.rows:
        return text
    found = _FIRST_CLAUSE.match(text)
    head = found.group(1) if found and len(found.group(1)) <= LONG_TEXT else text[: LONG_TEXT // 2] + "…"
    return f"{head}，明细见下表。"


def export_name(question: str, suffix: str, day: date) -> str:
    """A file name from the question and the day: "预算超过1000万的专项_2026-12-03.xlsx".

    Asking words ("列出", "请问") and punctuation are dropped, characters no file
    system accepts become "_", and the name is kept short enough for any disk.
    """
    stem = question.strip().rstrip("？?。.!！ ")
    for word in _ASKING_WORDS:
        if stem.startswith(word) and len(stem) > len(word):
            stem = stem[len(word):]
            break
    stem = _UNSAFE_NAME.sub("_", stem).strip("._")[:_NAME_LIMIT] or "查询结果"
    return f"{stem}_{day.isoformat()}.{suffix.lstrip('.')}"


def finding_rows(findings: Iterable[Finding]) -> list[list[str]]:
    """One table row per reconciliation finding; its sources as "file location" lines."""
    return [
        [SEVERITY_NAMES.get(f.severity, f.severity), RULES.get(f.rule, f.rule), f.message,
         "\n".join(f"{c.source} {c.location()}" for c in f.sources)]
        for f in findings
    ]


# ---- the result table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown and, for a number, its exact value and written decimals."""

    text: str
    number: Decimal | None = None
    decimals: int = 0


@dataclass(frozen=True)
class ResultTable:
    """The rows of an answer as the reader sees them, with a totals row when one was given."""

    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None

    def headings(self) -> list[str]:
        """Column headings with their units: 「目录金额（万元）」."""
        return [c.heading() for c in self.columns]


def result_table(answer: Answer) -> ResultTable | None:
    """The answer's rows as a table (``None`` when it has none).

    The engine's ``columns`` say how to show its rows when it gives them; until
    then titles, units and which columns are numbers are read off the rows.
    """
    if not answer.rows:
        return None
    columns = answer.columns or _infer_columns(answer.rows)
    rows = [[_cell(row.get(c.key), c.numeric) for c in columns] for row in answer.rows]
    total = None
    if answer.total:
        total = [_cell(answer.total.get(c.key), c.numeric) for c in columns]
        first_text = next((i for i, c in enumerate(columns) if not c.numeric), None)
        if first_text is not None and not total[first_text].text:
            total[first_text] = Cell(TOTAL_LABEL)
    return ResultTable(columns, rows, total)


def _keys(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every key of every row, in first-seen order (rows of one answer may differ slightly)."""
    return list(dict.fromkeys(key for row in rows for key in row))


def _infer_columns(rows: Sequence[dict[str, Any]]) -> list[Column]:
    """Columns read off the rows: a number column holds only numbers and is not an identifier."""
    units = {str(row[_UNIT_KEY]) for row in rows if row.get(_UNIT_KEY)}
    money_unit = units.pop() if len(units) == 1 else DEFAULT_UNIT
    columns = []
    for key in _keys(rows):
        values = [row.get(key) for row in rows if row.get(key) not in (None, "")]
        numeric = bool(values) and not any(w in key for w in _CODE_WORDS) and all(map(_is_number, values))
        unit = money_unit if numeric and any(w in key for w in _MONEY_WORDS) else ""
        columns.append(Column(key=key, title=key, unit=unit, numeric=numeric))
    return columns


def _is_number(value: Any) -> bool:
    """A number, or text written the way the budget files write amounts ("6,562.4")."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    return isinstance(value, str) and bool(_AMOUNT_TEXT.match(value.strip()))


def _decimals(written: str) -> int:
    """Digits after the decimal point as written."""
    return len(written.partition(".")[2])


def _number_cell(value: Any) -> Cell | None:
    """An exact number cell, or ``None`` when the value is not a number.

    Text keeps the decimals it was written with ("5,763.0" → 1); a Decimal from
    SQL keeps only its significant ones (``Numeric(18,4)`` pads "9482.6000").
    """
    if not _is_number(value):
        return None
    if isinstance(value, str):
        written = value.strip().replace(",", "")
        exact = Decimal(written)
        places = _decimals(written)
    elif isinstance(value, Decimal):
        normal = value.normalize()
        places = max(0, -normal.as_tuple().exponent) if normal.is_finite() else 0
        exact = value.quantize(Decimal(1).scaleb(-places)) if normal.is_finite() else value
    else:
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            return None
        places = 0 if isinstance(value, int) else _decimals(str(value))
    return Cell(f"{exact:,.{places}f}", exact, places)


def _cell(value: Any, numeric: bool) -> Cell:
    """A cell for display: numbers of number columns exact with thousands separators, the rest as text."""
    if value is None:
        return Cell("")
    if numeric:
        made = _number_cell(value)
        if made is not None:
            return made
    if isinstance(value, bool):
        return Cell("是" if value else "否")
    if isinstance(value, Decimal):
        return Cell(format(value.normalize(), "f"))
    return Cell(strip_tags(str(value)))


# ---- the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A ranking or breakdown as horizontal bars: every item, in the engine's order.

    ``shown`` items are drawn at once; when there are more, ``note`` says so
    ("前15项，共44项") and the page offers the rest.
    """

    title: str
    axis: str
    items: list[tuple[str, float]]
    shown: int

    @property
    def note(self) -> str:
        """"前15项，共44项" when only the first items are drawn at once, else empty."""
        return f"前{self.shown}项，共{len(self.items)}项" if self.shown < len(self.items) else ""


def chart_data(answer: Answer) -> Chart | None:
    """The answer's chart with full labels and the measure and unit on its axis; ``None`` if none."""
    if not answer.chart:
        return None
    items = [(strip_tags(str(label)), float(value)) for label, value in answer.chart]
    shown = len(items) if len(items) <= CHART_LIMIT else CHART_SHOWN
    title = answer.chart_title or "图表"
    return Chart(title=title, axis=chart_axis(answer), items=items, shown=shown)


def chart_axis(answer: Answer) -> str:
    """The value axis label, measure and unit: "各部门重点专项合计（万元）".

    Read from the chart title's closing brackets ("（目录口径，万元）"); failing
    that, the heading of the only number column the engine described.
    """
    title = answer.chart_title.strip()
    found = _CHART_UNIT.search(title)
    if found:
        unit = found.group(1).split("，")[-1].strip()
        if unit in _UNITS:
            return f"{title[: found.start()].strip()}（{unit}）"
    numeric = [c for c in answer.columns if c.numeric]
    if len(numeric) == 1:
        return numeric[0].heading()
    return title or "金额"
