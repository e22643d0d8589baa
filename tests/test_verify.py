"""Figure verification: figures read as written, a figure backed only by evidence that holds it.

Plain data in, plain data out: the citations are built by hand the way
``db.citations.cite`` builds them from stored rows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.citations import Citation
from db.figures import figures, numbers
from db.verify import Evidence, holds, mark, quoted, verify

CATALOG = Citation("funds.txt", "69\t农业生产发展专项\t632-重庆市万盛经济技术开发区农林局\t5,763.0", line=103,
                   source_row_id=86)
FORM = Citation("funds.txt", "年度预算\t5763", line=900, source_row_id=700)
FORESTRY = Citation("funds.txt", "52\t林业资源管理专项\t633-规划和自然资源局\t1,185.3", line=86,
                    source_row_id=69)
FORESTRY_FORM = Citation("funds.txt", "年度预算\t1225.3", line=1200, source_row_id=901)
CONTACT = Citation("funds.txt", "联系人：陈瑜", line=500, source_row_id=400)
PHONE = Citation("funds.txt", "联系电话：023-48281234", line=501, source_row_id=401)


def stated(text: str) -> list[str]:
    return [f.text for f in figures(text)]


@pytest.mark.parametrize(("text", "want"), [
    ("预算为5763万元", ["5763"]),
    ("预算为5,763.0万元，另有1086.61万元", ["5,763.0", "1086.61"]),
    ("2024年预算5,763.0万元，排第1，前5名", ["5,763.0"]),  # years and positions are not figures
    ("3月15日共12个专项", ["12"]),  # dates are not figures
    ("共三个专项，合计五百万元", []),  # counts in words are not figures
    ("占比12.5%，权重10%", ["12.5", "10"]),
    ("全角５７６３万元", ["５７６３"]),
    ("5,7634 不是千分位写法", []),
    ("最多的是：\n1. 甲专项6,562.4万元；\n2、乙专项5,905.1万元；\n（3）丙专项50万元",
     ["6,562.4", "5,905.1", "50"]),
    ("相差1.5万元。", ["1.5"]),  # a decimal is no list number
])
def test_figures_an_answer_states(text: str, want: list[str]) -> None:
    assert stated(text) == want


@pytest.mark.parametrize(("text", "value", "found"), [
    ("5,763.0", "5763", True),
    ("5763.00", "5763", True),
    ("5763", "5,763.0", True),
    ("合计：1,234,567.80万元", "1234567.8", True),
    ("15,763.0", "5763", False),  # a number inside a longer number does not count
    ("5763.5", "5763", False),
    ("25763", "5763", False),
    ("57,630", "5763", False),
    ("2024年", "2024", True),  # a source row's every number counts, years too
])
def test_a_row_holds_a_figure_only_as_a_whole_number(text: str, value: str, found: bool) -> None:
    assert (Decimal(value.replace(",", "")) in numbers(text)) is found


@pytest.mark.parametrize(("value", "written", "found"), [
    (5763, "5763", True),
    (Decimal("5763.0000"), "5,763.0", True),
    (67309.90000000001, "67,309.9", True),  # SQLite's binary remainder
    (12.3456, "12.35", True),  # SQL's extra decimals round to the ones written
    (12.3456, "12.34", False),
    (5763.4, "5763", True),
    (5763.5, "5764", True),
    (5762.4, "5763", False),
    (-40, "40", True),  # a decrease is stated as its size
    ("1,185.3", "1185.3", True),
    ("1,185.30", "1185.3", True),
    (True, "1", False),
    (None, "0", False),
])
def test_a_value_holds_a_figure(value: object, written: str, found: bool) -> None:
    [figure] = figures(written)
    assert holds(value, figure) is found


def test_a_figure_is_cited_by_the_rows_that_contain_it_and_only_those() -> None:
    text = "林业资源管理专项目录为1,185.3万元，绩效目标表为1225.3万元。"
    evidence = [Evidence((FORESTRY, FORESTRY_FORM), ("林业资源管理专项", "1,185.3", "1225.3"))]
    checked = verify(figures(text), evidence)
    assert checked.citations == [FORESTRY, FORESTRY_FORM]
    assert not checked.unverified

    only_catalog = verify(figures("林业资源管理专项目录为1185.30万元。"), evidence)
    assert only_catalog.citations == [FORESTRY]


def test_a_made_up_figure_is_unverified_and_cites_nothing() -> None:
    evidence = [Evidence((CATALOG,), ("农业生产发展专项", "5,763.0"))]
    checked = verify(figures("农业生产发展专项预算为9999万元。"), evidence)
    assert checked.citations == [] and checked.verified == []
    assert [f.text for f in checked.unverified] == ["9999"]


def test_a_figure_computed_by_sql_cites_the_rows_its_result_row_was_read_from() -> None:
    evidence = [Evidence((CATALOG,), ("5,763.0", 6948.3)), Evidence((FORESTRY,), ("1,185.3", 6948.3))]
    checked = verify(figures("两个专项合计6,948.30万元。"), evidence)
    assert checked.citations == [CATALOG, FORESTRY] and not checked.unverified


def test_a_computed_figure_without_row_ids_is_verified_without_citation() -> None:
    checked = verify(figures("共有85个重点专项。"), [Evidence((), (85,))])
    assert [f.text for f in checked.verified] == ["85"] and checked.citations == []


def test_evidence_values_decide_not_whatever_a_cited_row_happens_to_contain() -> None:
    # the catalog row contains "69" (its sequence number) but nothing the model saw said 69
    checked = verify(figures("排名为69。"), [Evidence((CATALOG,), ("5,763.0",))])
    assert [f.text for f in checked.unverified] == ["69"] and checked.citations == []


def test_the_rule_engine_form_a_row_on_its_own() -> None:
    checked = verify(figures("农业生产发展专项5,763.0万元，绩效目标表5763万元。"),
                     [Evidence.row(CATALOG), Evidence.row(FORM)])
    assert checked.citations == [CATALOG, FORM] and not checked.unverified


def test_quoted_words_cite_the_rows_they_were_read_from() -> None:
    evidence = [Evidence((CONTACT, PHONE), ("陈瑜", "023-48281234")), Evidence((FORM,), ("万元",))]
    assert quoted("老党员补贴的联系人是陈瑜。", evidence) == [CONTACT, PHONE]
    assert quoted("无关的回答", evidence) == []


def test_words_every_row_shares_tell_no_row_from_another() -> None:
    evidence = [Evidence((CATALOG,), ("农业生产发展专项", "重点专项")),
                Evidence((FORESTRY,), ("林业资源管理专项", "重点专项"))]
    assert quoted("农业生产发展专项是重点专项。", evidence) == [CATALOG]
    assert quoted("两个都是重点专项。", evidence) == []
    assert quoted("这是重点专项。", evidence[:1]) == [CATALOG]  # one row: its every word is its own


def test_unverified_figures_are_marked_where_they_stand() -> None:
    text = "预算9999万元，另一处也写9999万元，实际5,763.0万元。"
    [first, second, _] = figures(text)
    assert mark(text, [first, second]) == (
        "预算9999（未核实）万元，另一处也写9999（未核实）万元，实际5,763.0万元。")
