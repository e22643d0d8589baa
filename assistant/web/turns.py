"""One answer as a complete block of the conversation, in HTML: what was understood, the short
answer, the result table, the chart, the cited rows and the SQL.

Every turn keeps its own block, so scrolling back to an earlier answer shows
that answer's table, chart and sources.  The markup carries only data
attributes for the page's script (``data-col`` sorts a column, ``data-cite``
opens the source viewer, ``data-ask`` asks a suggested reading,
``data-export`` downloads the table); it works without the script too, just
without those actions.  Every text from a question, an answer or a source is
escaped: nothing a document contains can become markup on the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape

from assistant.answer import Answer
from assistant.presenting import (
    Chart,
    ResultTable,
    chart_data,
    citation_cells,
    engine_name,
    lead,
    result_table,
    sql_text,
)
from db.citations import Citation

SOURCES_SHOWN = 6  # cited rows listed before "其余 N 行"
_TICKS = 4  # about this many value-axis intervals


def turn_html(turn_id: str, answer: Answer) -> str:
    """The finished block of one question and its answer."""
    short = lead(answer)
    parts = [_restatement(answer), _choices(answer), f'<p class="bqa-text">{escape(short)}</p>']
    if short != answer.text.strip():
        parts.append(f'<details class="bqa-fulltext"><summary>完整文字说明</summary>'
                     f'<p>{escape(answer.text)}</p></details>')
    if answer.unverified:
        parts.append('<p class="bqa-warn">以下数字在引用的原文中没有找到，请核对：'
                     f'{escape("、".join(answer.unverified))}</p>')
    table = result_table(answer)
    if table is not None:
        parts.append(_result(table))
    chart = chart_data(answer)
    if chart is not None:
        parts.append(chart_html(chart))
    parts += [_sources(answer.citations), _sql(answer),
              f'<p class="bqa-meta">回答方式：{escape(engine_name(answer.engine))}</p>']
    return _turn(turn_id, answer.question, "done", "".join(p for p in parts if p))


def pending_html(turn_id: str, question: str) -> str:
    """The block of a question whose answer is being computed."""
    return _turn(turn_id, question, "pending", '<p class="bqa-text bqa-waiting">正在查询…</p>')


def conversation_html(turns: Sequence[str]) -> str:
    """The whole conversation: a toolbar for the meeting record, then every turn in order."""
    if not turns:
        return ('<div class="bqa-conversation bqa-empty"><p>在下方输入问题，或点击示例问题。'
                "每个答案都附结果表、图表和原文出处；可以接着追问，如“那它的联系人呢？”</p></div>")
    toolbar = ('<div class="bqa-toolbar"><button type="button" class="bqa-button" data-record>'
               "导出会议记录（Word）</button></div>")
    return f'<div class="bqa-conversation">{toolbar}{"".join(turns)}</div>'


def _turn(turn_id: str, question: str, state: str, body: str) -> str:
    return (
        f'<article class="bqa-turn" id="turn-{escape(turn_id)}" data-turn="{escape(turn_id)}" '
        f'data-state="{state}"><div class="bqa-question"><span class="bqa-who">问</span>'
        f"<p>{escape(question)}</p></div><div class=\"bqa-answer\">{body}</div></article>"
    )


def _restatement(answer: Answer) -> str:
    """What the engine understood, with the words it did not understand marked."""
    if not answer.restatement and not answer.unknown:
        return ""
    if answer.restatement:
        text = _marked(answer.restatement, answer.unknown)
        label = "理解为"
    else:
        text = "、".join(f"<mark>{escape(w)}</mark>" for w in answer.unknown)
        label = "没有理解的词"
    missing = [w for w in answer.unknown if answer.restatement and w not in answer.restatement]
    if missing:
        text += "；没有理解的词：" + "、".join(f"<mark>{escape(w)}</mark>" for w in missing)
    return f'<p class="bqa-restate"><span class="bqa-label">{label}</span>{text}</p>'


def _marked(text: str, words: Sequence[str]) -> str:
    """``text`` escaped, with every occurrence of ``words`` wrapped in ``<mark>``."""
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    if not wanted:
        return escape(text)
    pieces = re.split("(" + "|".join(map(re.escape, wanted)) + ")", text)
    return "".join(f"<mark>{escape(p)}</mark>" if p in wanted else escape(p) for p in pieces)


def _choices(answer: Answer) -> str:
    """The readings of an ambiguous question, each a button that asks it."""
    if not answer.choices:
        return ""
    buttons = "".join(
        f'<button type="button" class="bqa-choice" data-ask="{escape(c)}">{escape(c)}</button>'
        for c in answer.choices
    )
    return f'<div class="bqa-choices"><span class="bqa-label">您是想问</span>{buttons}</div>'


def _result(table: ResultTable) -> str:
    """The result table with its size, downloads and sortable headings."""
    head = "".join(
        f'<th scope="col" data-col="{i}" aria-sort="none"{_num(c.numeric)}>'
        f'<button type="button" title="点击排序">{escape(c.heading())}</button></th>'
        for i, c in enumerate(table.columns)
    )
    body = "".join("<tr>" + _cells(row, table) + "</tr>" for row in table.rows)
    foot = f"<tfoot><tr>{_cells(table.total, table)}</tr></tfoot>" if table.total is not None else ""
    return (
        '<section class="bqa-result"><header><h4>结果数据</h4>'
        f'<span class="bqa-count">共 {len(table.rows)} 行</span><span class="bqa-downloads">'
        '<button type="button" class="bqa-button" data-export="csv">下载 CSV</button>'
        '<button type="button" class="bqa-button" data-export="xlsx">下载 Excel</button></span></header>'
        f'<div class="bqa-scroll"><table class="bqa-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table></div></section>"
    )


def _cells(row, table: ResultTable) -> str:
    return "".join(
        f'<td class="num" data-v="{cell.number}">{escape(cell.text)}</td>'
        if column.numeric and cell.number is not None
        else f"<td{_num(column.numeric)}>{escape(cell.text)}</td>"
        for column, cell in zip(table.columns, row, strict=True)
    )


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def chart_html(chart: Chart) -> str:
    """Horizontal bars with full labels, values at the bars, and the measure and unit on the axis.

    Drawn with plain HTML and CSS (no script, no chart library to fetch): labels
    wrap instead of being cut, and the items past the first ``shown`` are one
    click away under the explicit "前N项，共M项".
    """
    values = [v for _, v in chart.items]
    low, high = min(0.0, *values), max(0.0, *values)
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    span = (high - low) or 1.0

    def bar(label: str, value: float) -> str:
        start = (min(value, 0.0) - low) / span * 100
        width = abs(value) / span * 100
        return (
            f'<div class="bqa-bar-row"><span class="bqa-bar-label">{escape(label)}</span>'
            f'<span class="bqa-bar-track"><span class="bqa-bar" style="left:{start:.2f}%;width:{width:.2f}%">'
            f'</span></span><span class="bqa-bar-value">{_number(value)}</span></div>'
        )

    shown = "".join(bar(label, value) for label, value in chart.items[: chart.shown])
    rest = chart.items[chart.shown :]
    more = ""
    if rest:
        summary = f"展开其余 {len(rest)} 项（共{len(chart.items)}项）"
        more = (f'<details class="bqa-more"><summary>{summary}</summary>'
                + "".join(bar(label, value) for label, value in rest) + "</details>")
    axis = "".join(
        f'<span style="left:{(t - low) / span * 100:.2f}%">{_number(t)}</span>' for t in ticks
    )
    note = f'<span class="bqa-note">{escape(chart.note)}</span>' if chart.note else ""
    return (
        f'<figure class="bqa-chart" data-items="{len(chart.items)}"><figcaption>{escape(chart.title)}{note}'
        f'</figcaption><div class="bqa-bars">{shown}{more}<div class="bqa-axis"><span></span>'
        f'<span class="bqa-ticks">{axis}</span><span></span></div></div>'
        f'<div class="bqa-axis-title">{escape(chart.axis)}</div></figure>'
    )


def _ticks(low: float, high: float) -> list[float]:
    """Round values for the axis from ``low`` to ``high`` (1, 2 or 5 times a power of ten apart)."""
    span = high - low
    if span <= 0:
        return [0.0, 1.0]
    raw = span / _TICKS
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [first + i * step for i in range(count + 1)]


def _number(value: float) -> str:
    """A chart value with thousands separators and no trailing zeros."""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _sources(citations: Sequence[Citation]) -> str:
    """The cited rows, clean text, each opening the viewer; beyond ``SOURCES_SHOWN`` folded."""
    if not citations:
        return ""
    items = [_source(c) for c in citations]
    listed = "".join(items[:SOURCES_SHOWN])
    rest = ""
    if len(items) > SOURCES_SHOWN:
        rest = (f'<details class="bqa-more"><summary>其余 {len(items) - SOURCES_SHOWN} 行</summary>'
                f'<ol start="{SOURCES_SHOWN + 1}">{"".join(items[SOURCES_SHOWN:])}</ol></details>')
    heading = f"引用原文（{len(items)} 行）<small>点击一行查看原件</small>"
    return f'<section class="bqa-sources"><h4>{heading}</h4><ol>{listed}</ol>{rest}</section>'


def _source(citation: Citation) -> str:
    where = f'<span class="bqa-where">{escape(citation.source)} {escape(citation.location())}</span>'
    cells = "".join(f'<span class="bqa-cell">{escape(c)}</span>' for c in citation_cells(citation))
    inner = f'{where}<span class="bqa-cells">{cells}</span>'
    if citation.source_row_id is None:
        return f'<li><span class="bqa-cite">{inner}</span></li>'
    return (f'<li><button type="button" class="bqa-cite" data-cite="{citation.source_row_id}" '
            f'title="查看原件">{inner}</button></li>')


def _sql(answer: Answer) -> str:
    text = sql_text(answer)
    if not text:
        return ""
    count = sum(1 for s in answer.sql if s.strip())
    return (f'<details class="bqa-sql"><summary>SQL 语句（{count} 条）</summary>'
            f"<pre>{escape(text)}</pre></details>")
