"""What an answer looks like outside the engine: clean citations, exact tables, charts, exports, HTML.

Fast tests of the pure helpers behind the page, the downloads and the meeting
record (``assistant.presenting``, ``assistant.exports``, ``assistant.record``,
``assistant.web.turns``); the page itself is tested in a browser in test_page.py.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import docx
from openpyxl import load_workbook

from assistant.answer import Answer, Column
from assistant.checks.common import Finding
from assistant.exports import findings_xlsx, table_csv, table_xlsx
from assistant.presenting import (
    CHART_SHOWN,
    chart_data,
    citation_text,
    export_name,
    lead,
    result_table,
    sql_text,
    strip_tags,
)
from assistant.record import conversation_docx, findings_docx
from assistant.web.turns import conversation_html, pending_html, turn_html
from db.citations import Citation

DAY = date(2026, 12, 3)
FUNDS = [
    {"专项": "城市管理设施维护专项", "部门": "城市管理局", "部门编码": "336", "年度": 2024,
     "目录金额": "6,562.4", "绩效目标表金额": "6562.43", "专项数": 2},
    {"专项": "农业生产发展专项", "部门": "农林局", "部门编码": "632", "年度": 2024,
     "目录金额": "5,763.0", "绩效目标表金额": Decimal("5763.0000"), "专项数": 4},
]
LEAD = "按专项资金目录口径，全区预算超过1000万元的重点专项共2个"
LONG = f"{LEAD}：城市管理设施维护专项（城市管理局）6,562.4万元" + "（目录6,562.4，绩效目标表6562.43）；" * 8


def _answer(**kw) -> Answer:
    return Answer(**{"question": "问", "text": "答", **kw})


def test_citations_are_shown_without_the_source_markup():
    row = Citation(source="a.txt", text="<b>2024年预算</b>\t6562.43\t\t\t", line=1290)
    assert citation_text(row) == "2024年预算\u30006562.43"
    assert strip_tags("<p>R&amp;D 经费</p>") == "R&D 经费"
    assert row.text.startswith("<b>"), "the stored original keeps its markup"


def test_sql_text_ends_every_statement_once():
    assert sql_text(_answer(sql=["SELECT 1", "SELECT 2;\n", " "])) == "SELECT 1;\n\nSELECT 2;"


def test_table_columns_inferred_from_rows_amounts_exact_codes_left_as_text():
    table = result_table(_answer(rows=FUNDS))
    assert table.headings() == ["专项", "部门", "部门编码", "年度", "目录金额（万元）",
                                "绩效目标表金额（万元）", "专项数"]
    assert [c.numeric for c in table.columns] == [False, False, False, False, True, True, True]
    first, second = table.rows
    assert [first[4].text, first[4].number, first[4].decimals] == ["6,562.4", Decimal("6562.4"), 1]
    assert [first[5].text, second[4].text, second[5].text] == ["6,562.43", "5,763.0", "5,763"]
    assert [first[2].text, first[3].text] == ["336", "2024"]  # codes and years: no separators, not summed
    assert result_table(_answer()) is None


def test_table_follows_the_engines_columns_and_totals_row():
    columns = [Column("name", "专项"), Column("amount", "预算", "万元", numeric=True)]
    answer = _answer(rows=[{"name": "甲", "amount": Decimal("1.50"), "id": 7}], columns=columns,
                     total={"amount": Decimal("1.50")})
    table = result_table(answer)
    assert table.headings() == ["专项", "预算（万元）"]
    assert [[c.text for c in row] for row in [*table.rows, table.total]] == [["甲", "1.5"], ["合计", "1.5"]]


def test_exports_write_numbers_with_the_sources_decimals_and_units_in_headings():
    table = result_table(_answer(rows=FUNDS))
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert table_csv(table).startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8 Chinese"
    assert rows[0][4] == "目录金额（万元）"
    assert rows[1][4:] == ["6562.4", "6562.43", "2"] and rows[2][4:] == ["5763.0", "5763", "4"]
    sheet = load_workbook(io.BytesIO(table_xlsx(table, "列出预算超过1000万的专项"))).active
    assert sheet["A1"].value == "列出预算超过1000万的专项"
    assert [c.value for c in sheet[2]][4:6] == ["目录金额（万元）", "绩效目标表金额（万元）"]
    amount, form, count = sheet["E3"], sheet["F3"], sheet["G3"]
    assert (amount.value, amount.number_format) == (6562.4, "#,##0.0")
    assert (form.value, form.number_format) == (6562.43, "#,##0.00")
    assert (count.value, count.number_format) == (2, "#,##0")
    assert sheet["C3"].value == "336" and sheet["E4"].value + sheet["E3"].value == 12325.4


def test_export_names_come_from_the_question_and_the_day():
    assert export_name("列出预算超过1000万的专项", "xlsx", DAY) == "预算超过1000万的专项_2026-12-03.xlsx"
    unsafe = export_name("请问 卫健局/人社局: 几个专项？", "csv", DAY)
    assert unsafe == "卫健局_人社局_几个专项_2026-12-03.csv"
    assert export_name("？", "csv", DAY) == "查询结果_2026-12-03.csv"
    assert len(export_name("很长的问题" * 40, "xlsx", DAY)) < 60


def test_chart_keeps_every_item_and_names_its_measure_and_unit():
    few = [(f"专项{i}", float(100 - i)) for i in range(16)]
    chart = chart_data(_answer(chart=few, chart_title="专项预算（万元）"))
    assert (len(chart.items), chart.shown, chart.note, chart.axis) == (16, 16, "", "专项预算（万元）")
    many = [(f"部门{i}", float(i)) for i in range(44)]
    chart = chart_data(_answer(chart=many, chart_title="各部门重点专项合计（目录口径，万元）"))
    assert chart.items == many, "every item, in the engine's order"
    assert (chart.shown, chart.note) == (CHART_SHOWN, f"前{CHART_SHOWN}项，共44项")
    assert chart.axis == "各部门重点专项合计（万元）"
    by_column = _answer(chart=few, columns=[Column("v", "金额", "万元", numeric=True)])
    assert chart_data(by_column).axis == "金额（万元）"
    assert chart_data(_answer()) is None


def test_a_long_list_answer_is_led_by_its_first_clause():
    assert lead(_answer(text=LONG, rows=FUNDS)) == f"{LEAD}，明细见下表。"
    assert lead(_answer(text=LONG)) == LONG, "without rows the text is the whole answer"
    assert lead(_answer(text="卫生健康局共有5个重点专项。", rows=FUNDS)) == "卫生健康局共有5个重点专项。"


def test_turn_html_is_a_complete_escaped_block():
    cited = Citation(source="a.txt", text="<b>2024年预算</b>\t6562.43", line=1290, source_row_id=41)
    answer = _answer(
        question="<script>alert(1)</script>列出专项", text=LONG, rows=FUNDS, citations=[cited],
        chart=[("甲", 2.0), ("乙", 1.0)], chart_title="专项预算（万元）", sql=["SELECT 1"],
        restatement="按目录口径列出超过1000万的专项，苹果", unknown=["苹果"], choices=["按绩效目标表口径"],
    )
    html = turn_html("t1", answer)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark>苹果</mark>' in html and 'data-ask="按绩效目标表口径"' in html
    assert 'data-cite="41"' in html and "&lt;b&gt;" not in html and "2024年预算" in html
    assert '<td class="num" data-v="6562.4">6,562.4</td>' in html
    assert html.count('class="bqa-bar-row"') == 2 and "专项预算（万元）" in html
    assert "完整文字说明" in html and 'data-export="xlsx"' in html and "SELECT 1;" in html
    waiting = pending_html("t2", "<b>问</b>")
    assert 'data-state="pending"' in waiting and "&lt;b&gt;问" in waiting
    assert "data-record" in conversation_html([html, waiting]) and "data-record" not in conversation_html([])


def test_meeting_record_and_check_report_open_in_office():
    answer = _answer(question="列出预算超过1000万的专项", text=LONG, rows=FUNDS,
                     chart=[("城市管理设施维护专项", 6562.4), ("农业生产发展专项", 5763.0)],
                     chart_title="专项预算（万元）",
                     citations=[Citation(source="a.txt", text="<b>52</b>\t城市管理设施维护专项\t6,562.4",
                                         line=86)])
    record = docx.Document(io.BytesIO(conversation_docx([answer, _answer(question="第二问")], DAY)))
    text = "\n".join(p.text for p in record.paragraphs)
    assert "问题1：列出预算超过1000万的专项" in text and "问题2：第二问" in text
    assert "a.txt 第86行：52\u3000城市管理设施维护专项\u30006,562.4" in text
    cells = [[c.text for c in row.cells] for row in record.tables[0].rows]
    assert cells[0][4] == "目录金额（万元）"
    assert cells[1][0] == "城市管理设施维护专项" and cells[1][4] == "6,562.4"
    assert len(record.inline_shapes) == 1, "the chart as a picture"
    finding = Finding(rule="amount_mismatch", severity="error", message="目录与绩效目标表金额不一致",
                      sources=[Citation(source="a.txt", text="x", line=3)])
    report = docx.Document(io.BytesIO(findings_docx([finding], "数据核对报告：共 1 条", DAY)))
    found = ["目录与绩效目标表金额不一致", "a.txt 第3行"]
    assert [c.text for c in report.tables[0].rows[1].cells][2:] == found
    sheet = load_workbook(io.BytesIO(findings_xlsx([finding], "数据核对报告：共 1 条"))).active
    assert [c.value for c in sheet[3]][2:] == found
