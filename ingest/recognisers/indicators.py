"""The 绩效指标 sub-table, read by header names, re-aligned where a row lost a column.

Forms order their indicator columns differently (the key-fund forms put 指标性质
second, the department forms put 指标权重 second), so columns are mapped from
the header.  Rows that lost their leading empty cell (the label column merged
down over the sub-table) are shifted back, and a weight that sits in the
是否核心 column is read as the weight.  Both are recorded as anomalies: the
source text stays as it was, only its reading is explained.
"""

from __future__ import annotations

from db.blocks import Row
from db.records import Anomaly, Indicator
from db.writing import label, parse_amount
from ingest.recognisers.common import is_blank

_FIELDS = (
    ("指标名称", "name"),
    ("指标性质", "nature"),
    ("指标值", "value"),
    ("计量单位", "unit"),
    ("指标权重", "weight"),
    ("是否核心", "core"),
)
_YES_NO = {"是": True, "否": False}


def indicator_header(row: Row) -> dict[str, int] | None:
    """Map field → column index when ``row`` is the indicator header, else ``None``."""
    columns: dict[str, int] = {}
    for i, cell in enumerate(row.texts()):
        key = label(cell)
        for prefix, field in _FIELDS:
            if key.startswith(prefix) and field not in columns:
                columns[field] = i
    return columns if {"name", "value"} <= columns.keys() else None


def _realign(cells: list[str], columns: dict[str, int]) -> tuple[list[str], bool]:
    """Shift a row right by one when its first cell holds the name the label column should not."""
    if min(columns.values()) > 0 and cells[0].strip():
        return ["", *cells], True
    return cells, False


def read_indicators(
    header: Row, rows: list[Row], start: int = 1
) -> tuple[list[Indicator], list[Anomaly]]:
    """Read the indicator rows under ``header``; returns indicators and anomalies found."""
    columns = indicator_header(header)
    if columns is None:
        return [], []
    out: list[Indicator] = []
    anomalies: list[Anomaly] = []
    for row in rows:
        if is_blank(row):
            continue
        cells, realigned = _realign(row.texts(), columns)

        def cell(field: str, cells: list[str] = cells) -> str:
            i = columns.get(field)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        name = cell("name")
        if not name:
            continue
        weight_text, core_text = cell("weight"), cell("core")
        if realigned:
            anomalies.append(
                Anomaly(
                    "行错位",
                    f"指标“{name}”所在行缺少首列（行首少一个制表符），已按列名右移一列读取",
                    [row],
                )
            )
        core_col = columns.get("core")
        if not weight_text and parse_amount(core_text) is not None and core_col is not None:
            after = cells[core_col + 1].strip() if core_col + 1 < len(cells) else ""
            anomalies.append(
                Anomaly(
                    "权重错列",
                    f"指标“{name}”的权重 {core_text} 写在“是否核心”列"
                    + (f"，其后一列为“{after}”" if after else "，是否核心为空"),
                    [row],
                )
            )
            weight_text, core_text = core_text, after
        out.append(
            Indicator(
                ordinal=start + len(out),
                name=name,
                nature=cell("nature"),
                value=cell("value"),
                unit=cell("unit"),
                weight=parse_amount(weight_text),
                weight_text=weight_text,
                is_core=_YES_NO.get(core_text),
                core_text=core_text,
                row=row,
                realigned=realigned,
            )
        )
    return out, anomalies
