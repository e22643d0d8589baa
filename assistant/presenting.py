"""Turn an ``Answer`` into what a page shows: table rows, chart data, SQL text, CSV/XLSX files.

Pure functions with no Gradio import, so the page stays a thin layout over them
and they can be tested without a browser.  Amounts stay exact: Decimals are
written as their own digits (CSV) or as numbers Excel can sum (XLSX), never as
rounded floats in text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from assistant.answer import ENGINE_LLM, ENGINE_RULES, Answer
from assistant.checks.common import RULES, SEVERITY_NAMES, Finding

CITATION_HEADERS = ["文件", "位置", "原文"]
FINDING_HEADERS = ["级别", "类别", "问题", "出处"]
CHART_LABEL, CHART_VALUE = "项目", "数值"
CHART_LIMIT = 15
ENGINE_NAMES = {ENGINE_RULES: "规则引擎", ENGINE_LLM: "大模型"}
EXPORT_STEM = "查询结果"


def engine_name(engine: str) -> str:
    """Chinese name of the engine that answered (unknown labels shown as they are)."""
    return ENGINE_NAMES.get(engine, engine)


def citation_rows(answer: Answer) -> list[list[str]]:
    """One ``[file, location, original text]`` row per cited source row, in answer order."""
    return [[c.source, c.location(), c.text] for c in answer.citations]


def sql_text(answer: Answer) -> str:
    """All statements the answer ran, each ending in ``;``, separated by a blank line."""
    return "\n\n".join(s.strip().rstrip(";") + ";" for s in answer.sql if s.strip())


def chart_frame(answer: Answer) -> pd.DataFrame | None:
    """Bar-chart data for rankings and breakdowns, largest first; ``None`` when there is no chart.

    Only the ``CHART_LIMIT`` largest bars are kept: a ranking of all 44
    departments leaves labels nobody can read, and the full list is in the
    result rows and the downloads anyway.
    """
    if not answer.chart:
        return None
    top = sorted(answer.chart, key=lambda pair: -float(pair[1]))[:CHART_LIMIT]
    return pd.DataFrame(
        {CHART_LABEL: [label for label, _ in top], CHART_VALUE: [float(value) for _, value in top]}
    )


def chart_title(answer: Answer) -> str:
    """The answer's chart title, saying so when only the largest bars are drawn."""
    title = answer.chart_title or "图表"
    if len(answer.chart) > CHART_LIMIT:
        title += f"（前{CHART_LIMIT}项，共{len(answer.chart)}项）"
    return title


def finding_rows(findings: Iterable[Finding]) -> list[list[str]]:
    """One table row per reconciliation finding; its sources as "file location" lines."""
    return [
        [SEVERITY_NAMES.get(f.severity, f.severity), RULES.get(f.rule, f.rule), f.message,
         "\n".join(f"{c.source} {c.location()}" for c in f.sources)]
        for f in findings
    ]


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every key of every row, in first-seen order (rows of one answer may differ slightly)."""
    return list(dict.fromkeys(key for row in rows for key in row))


def _exact(value: Any) -> Any:
    """Decimals without trailing zeros ("500.0000" → 500); everything else unchanged."""
    if isinstance(value, Decimal):
        normal = value.normalize()
        return int(normal) if normal == normal.to_integral_value() else normal
    return value


def rows_frame(answer: Answer) -> pd.DataFrame:
    """The result rows as a table for display (empty frame when the answer has none)."""
    columns = _columns(answer.rows)
    return pd.DataFrame(
        [[_text(row.get(c)) for c in columns] for row in answer.rows], columns=columns
    )


def _text(value: Any) -> str:
    """A cell as text: exact digits for amounts, empty for missing values."""
    value = _exact(value)
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def export_rows(answer: Answer, folder: Path) -> tuple[Path, Path] | None:
    """Write the result rows to ``查询结果.csv`` and ``查询结果.xlsx`` in ``folder``.

    The CSV carries a UTF-8 byte-order mark because Excel on Windows otherwise
    opens Chinese text as mojibake.  Returns ``None`` when there are no rows.
    """
    if not answer.rows:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    columns = _columns(answer.rows)
    csv_path = folder / f"{EXPORT_STEM}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([_text(row.get(c)) for c in columns] for row in answer.rows)
    xlsx_path = folder / f"{EXPORT_STEM}.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = EXPORT_STEM
    sheet.append(columns)
    for row in answer.rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    book.save(xlsx_path)
    return csv_path, xlsx_path


def _cell(value: Any) -> Any:
    """An XLSX cell: numbers stay numbers so the sheet can sum them; other objects become text."""
    value = _exact(value)
    if value is None or isinstance(value, (bool, int, float, str, Decimal)):
        return value
    return str(value)
