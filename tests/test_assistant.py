"""The embedded engine on the real documents: every question kind, conflicts, unknowns, follow-ups.

Expected figures are computed here straight from the raw text export (a small
independent parse of the catalog lines), never from project code, so a wrong
SQL aggregate cannot agree with itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES

from assistant.service import Assistant, Conversation
from db.engine import make_engine
from db.vector import VectorIndex
from ingest.pipeline import ingest_paths

ROOT = Path(__file__).resolve().parents[1]


def catalog() -> list[dict]:
    """(seq, name, dept code, amount) of every catalog line of the text export."""
    out = []
    for line in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 4 and cells[0].isdigit() and re.match(r"\d{3}-", cells[2]):
            out.append({"seq": int(cells[0]), "name": cells[1], "code": cells[2][:3],
                        "amount": Decimal(cells[3].replace(",", ""))})
    return out


def dept_totals() -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for e in catalog():
        totals[e["code"]] += e["amount"]
    return totals


def numbers(text: str) -> set[Decimal]:
    return {Decimal(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("BUDGETQA_HOME")
    os.environ["BUDGETQA_HOME"] = str(home)
    engine = make_engine(f"sqlite:///{home}/budget.db")
    index = VectorIndex(engine)
    results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT], hook=index)
    assert not any(r.failed for r in results)
    index.fill_dense()  # questions by meaning need the dense vectors, which ingest leaves pending
    yield Assistant(engine)
    if old is None:
        os.environ.pop("BUDGETQA_HOME", None)
    else:
        os.environ["BUDGETQA_HOME"] = old


def ask(assistant: Assistant, q: str, conv: Conversation | None = None):
    answer = assistant.ask(q, conv or Conversation())
    assert answer.text
    return answer


def cited(answer, figure: str) -> bool:
    """Some citation's original text contains the figure as written."""
    return any(figure in c.text for c in answer.citations)


def test_department_ranking_top_and_position(assistant):
    totals = sorted(dept_totals().items(), key=lambda t: -t[1])
    top_code, top_total = totals[0]
    a = ask(assistant, "专项预算合计最多的部门是哪个")
    assert "卫生健康局" in a.text and f"{top_total:,}" in a.text
    assert top_code == "733"
    assert all(c.source == FUNDS_TXT for c in a.citations) and a.citations
    pos = [c for c, _ in totals].index("431") + 1
    b = ask(assistant, "教育局的专项总额在全部部门中排名第几？")
    assert f"排第{pos}" in b.text
    assert a.chart and a.chart_title


def test_nth_and_smallest_fund(assistant):
    ranked = sorted(catalog(), key=lambda e: -e["amount"])
    a = ask(assistant, "单个专项预算排第二的是哪个？")
    assert ranked[1]["name"] in a.text and f"{ranked[1]['amount']:,}" in a.text
    b = ask(assistant, "预算最少的专项是哪个")
    assert ranked[-1]["name"] in b.text


def test_group_of_towns(assistant):
    towns = {c: t for c, t in dept_totals().items() if 101 <= int(c) <= 110}
    best = max(towns, key=towns.get)
    a = ask(assistant, "镇街中专项合计最多的是哪个镇街？")
    assert f"{towns[best]:,}" in a.text


def test_sum_count_share_and_list(assistant):
    traffic = [e for e in catalog() if e["code"] == "335"]
    a = ask(assistant, "交通局的专项加起来一共多少？")
    assert f"{sum(e['amount'] for e in traffic):,}" in a.text
    b = ask(assistant, "卫健局有几个专项？")
    assert "5个" in b.text
    over = [e for e in catalog() if e["amount"] > 1000]
    c = ask(assistant, "预算超过1000万元的专项有几个？")
    assert f"共{len(over)}个" in c.text
    edu = sum(e["amount"] for e in catalog() if e["code"] == "431")
    whole = sum(e["amount"] for e in catalog())
    d = ask(assistant, "教育局的专项占全部重点专项的比例是多少？")
    assert f"{edu * 100 / whole:.1f}%" in d.text
    e = ask(assistant, "交通局有哪些专项？")
    assert all(x["name"] in e.text for x in traffic)


def test_compare_two_funds_both_bases(assistant):
    a = ask(assistant, "公共卫生惠民服务专项比计划生育惠民服务专项多多少？")
    assert Decimal("373.4") in numbers(a.text)  # catalog 2,238.2 − 1,864.8
    assert Decimal("373.36") in numbers(a.text)  # forms 2238.19 − 1864.83


def test_disagreeing_sources_show_both(assistant):
    a = ask(assistant, "林业资源管理专项今年预算多少？")
    assert "1,185.3" in a.text and "1225.3" in a.text and "不一致" in a.text
    assert cited(a, "1,185.3") and cited(a, "1225.3")


def test_missing_form_is_said(assistant):
    a = ask(assistant, "交通运输业发展专项有绩效目标表吗？")
    assert "没有对应的绩效目标表" in a.text and "482.7" in a.text


def test_indicators_contact_and_two_step(assistant):
    a = ask(assistant, "医保惠民补助专项的核心指标有哪些？")
    assert "核心指标" in a.text and a.citations
    assert all("是" in c.text for c in a.citations)
    b = ask(assistant, "应急保供专项的联系电话是多少？")
    assert re.search(r"\d{8}", b.text) and cited(b, re.search(r"\d{8,}", b.text).group())
    c = ask(assistant, "民政局预算最高的专项，联系人是谁？")
    assert "民政局社会救助专项" in c.text and "联系人" in c.text


def test_department_budget_questions(assistant):
    a = ask(assistant, "办公室的三公经费比去年少了多少？")
    assert "44.8" in a.text and "减少4" in a.text and cited(a, "44.8")
    b = ask(assistant, "行政运行经费2023年和2024年各多少？")
    assert {Decimal("720.38"), Decimal("676.22"), Decimal("44.16")} <= numbers(b.text)
    c = ask(assistant, "公务接待费预算多少？")
    assert "4.8" in c.text


def test_unknown_entity_and_year_are_refused(assistant):
    a = ask(assistant, "水务局有几个专项？")
    assert "没有找到" in a.text and not a.understood
    b = ask(assistant, "2021年卫健局的专项预算是多少？")
    assert "没有2021年" in b.text and not b.understood
    c = ask(assistant, "今天食堂吃什么")
    assert not c.understood and not c.citations


def test_follow_up_keeps_context_per_conversation(assistant):
    conv = Conversation()
    ask(assistant, "残疾事业服务专项预算多少？", conv)
    a = ask(assistant, "那它的联系人呢？", conv)
    assert "张昆" in a.text
    other = Conversation()
    b = ask(assistant, "那它的联系人呢？", other)
    assert "张昆" not in b.text


def test_question_by_meaning(assistant):
    a = ask(assistant, "帮失业的人找工作的是哪个专项？")
    assert "创业就业服务专项" in a.text and "4,385.1" in a.text
    assert cited(a, "4,385.1")


def test_cli_json_batch(assistant, tmp_path):
    env = dict(os.environ)
    questions = "卫健局有几个专项？\n残联两个专项加起来多少？\n"
    out = subprocess.run([sys.executable, "-m", "cli", "ask", "--json", "-"], input=questions,
                         capture_output=True, text=True, cwd=ROOT, env=env, check=True).stdout
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["question"] for o in objs] == questions.split()
    for o in objs:
        assert set(o) == {"question", "answer", "citations", "sql", "rows", "engine", "restatement",
                          "query", "unknown", "choices", "unverified"}
        assert o["engine"] == "rules" and o["sql"] and o["citations"]
        assert set(o["citations"][0]) == {"source", "line", "page", "sheet", "row", "text",
                                          "ingested_at", "version"}
        assert isinstance(o["citations"][0]["line"], int)


def dept_table(title: str, nth: int = 0) -> dict[str, list[str]]:
    """Rows of the nth table so titled in the department export, by first cell (code or 合计).

    The body's title lines read "2024 年万盛经开区部门<title>"; the directory's lines
    carry a number and 表N before it, so they never match.
    """
    lines = (SAMPLES / DEPT_TXT).read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == f"2024 年万盛经开区部门{title}"]
    start = starts[nth]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1:]:
        if "年万盛经开区" in line:
            break
        cells = line.split("\t")
        if len(cells) > 2 and cells[0] not in rows:
            rows[cells[0]] = cells
    return rows


def test_economic_item_named_with_its_table(assistant):
    basic = dept_table("一般公共预算财政拨款基本支出预算表")  # the first: 部门经济分类
    project = dept_table("一般公共预算财政拨款项目支出预算表")
    a = ask(assistant, "项目支出中劳务费安排了多少？")
    assert project["30226"][2] in a.text and basic["30226"][2] not in a.text
    assert cited(a, project["30226"][2])
    b = ask(assistant, "差旅费一共多少？基本支出和项目支出加起来算")
    both = Decimal(basic["30211"][2]) + Decimal(project["30211"][2])
    assert {Decimal(basic["30211"][2]), Decimal(project["30211"][2]), both} <= numbers(b.text)
    assert cited(b, basic["30211"][2]) and cited(b, project["30211"][2])


def test_table_named_by_title(assistant):
    total_row = dept_table("支出预算总表")["合计"]
    a = ask(assistant, "部门支出预算总表里项目支出合计是多少？")
    assert total_row[4] in a.text and cited(a, total_row[4])


def test_rate_of_change(assistant):
    row = dept_table("一般公共预算财政拨款支出预算表")["2010302"]  # 2023, then 2024 columns
    before, after = Decimal(row[2]), Decimal(row[3])
    a = ask(assistant, "一般行政管理事务比上年下降了百分之几？")
    assert f"{(before - after) * 100 / before:.1f}%" in a.text
    assert cited(a, row[2]) or cited(a, row[3])
    b = ask(assistant, "一般公共预算财政拨款支出比上年降幅是多少？")
    assert "151.09" in b.text and "7.9%" in b.text  # 151.09 / (1752.98 + 151.09)


def test_narrative_reasons_and_breakdown(assistant):
    a = ask(assistant, "机关运行经费安排多少，主要花在哪些方面？")
    assert "171" in a.text and "办公费" in a.text and cited(a, "主要用于办公费")
    b = ask(assistant, "三公经费比去年少了多少？主要是哪一项减少了？")
    assert "44.8" in b.text and "公务用车运行维护费" in b.text
    c = ask(assistant, "公务用车运行维护费比去年少多少？")
    assert "40" in c.text and "减少4" in c.text and "辆" not in c.text


def test_disclosure_contact(assistant):
    a = ask(assistant, "部门预算公开的联系人是谁？电话？")
    line = next(x for x in (SAMPLES / DEPT_TXT).read_text(encoding="utf-8").splitlines()
                if x.startswith("部门预算公开联系人"))
    phone = re.search(r"[\d-]{8,}", line).group()
    assert phone in a.text and cited(a, phone)


def test_fund_texts_and_indicator_by_unit(assistant):
    a = ask(assistant, "商务局的商贸发展专项主要做什么？")
    assert "限上主体培育" in a.text and cited(a, "限上主体培育")
    b = ask(assistant, "地质灾害防治专项计划搬迁多少户灾民？")
    assert "灾民搬迁户数" in b.text and "32" in b.text and cited(b, "灾民搬迁户数")
    c = ask(assistant, "城市管理设施维护专项的路灯亮灯率指标值是多少，是不是核心指标？")
    assert "路灯亮灯率" in c.text and cited(c, "路灯亮灯率")


def test_execution_figures_are_not_guessed(assistant):
    a = ask(assistant, "城市管理设施维护专项到目前实际执行了多少、执行率多少？")
    assert "无法回答" in a.text and "执行" in a.text


def test_share_within_department_and_departments_over_a_bound(assistant):
    farm = [e for e in catalog() if e["code"] == "632"]
    target = next(e for e in farm if e["name"] == "农业生产发展专项")
    a = ask(assistant, "农业生产发展专项在农林局的专项里占多大比例？")
    assert f"{target['amount'] * 100 / sum(e['amount'] for e in farm):.1f}%" in a.text
    over = [c for c, t in dept_totals().items() if t > 2000]
    b = ask(assistant, "专项合计超过2000万元的部门有几个？")
    assert f"部门共{len(over)}个" in b.text


def test_abbreviation_and_generic_words_do_not_mislink(assistant):
    a = ask(assistant, "卫健局的计生惠民服务专项有多少钱？")
    assert "计划生育惠民服务专项" in a.text
    whole = sum(e["amount"] for e in catalog())
    b = ask(assistant, "今年85个重点专项的预算总规模是多少？")
    assert f"{whole:,}" in b.text and "统计重点专项普查" not in b.text


def test_pronoun_without_context_is_not_guessed(assistant):
    a = ask(assistant, "这个专项多少钱？")
    assert not a.understood and not a.citations
    conv = Conversation()
    ask(assistant, "应急管理局有哪些专项？", conv)
    b = ask(assistant, "那它的联系人呢？", conv)
    assert "联系人" in b.text and b.citations


def forms_budget() -> dict[tuple[str, str], str]:
    """(项目名称, 主管部门 code) → 2024年预算 as the forms of the text export write it (first form)."""
    out: dict[tuple[str, str], str] = {}
    key = None
    for line in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines():
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in line.split("\t")]
        if cells[0] == "项目名称" and len(cells) > 1 and (code := re.search(r"(\d{3})-", line)):
            key = (cells[1], code.group(1))
        elif cells[0] == "2024年预算" and key and len(cells) > 1:
            out.setdefault(key, cells[1])
            key = None
    return out


def test_where_catalog_and_forms_disagree(assistant):
    forms = forms_budget()
    differ = [e for e in catalog() if (key := (e["name"], e["code"])) in forms
              and abs(Decimal(forms[key]) - e["amount"]) > Decimal("0.05")]
    assert differ  # the export has such funds; the answer must list every one of them
    a = ask(assistant, "哪些专项的绩效目标表金额和目录不一致？")
    assert f"共{len(differ)}个" in a.text
    for e in differ:
        assert e["name"] in a.text and cited(a, forms[(e["name"], e["code"])])
    whole = sum(e["amount"] for e in catalog())
    b = ask(assistant, "目录里的合计和编表说明的总数对得上吗？")
    assert f"{whole:,}" in b.text and "编表说明" in b.text and b.citations


def test_department_of_a_fund_and_ranking_from_the_bottom(assistant):
    entry = next(e for e in catalog() if e["name"] == "规划编制专项")
    a = ask(assistant, "规划编制专项是哪个部门管的？")
    assert "主管部门" in a.text and "规划和自然资源局" in a.text and cited(a, f"{entry['code']}-")
    ranked = sorted(dept_totals().items(), key=lambda t: t[1])
    b = ask(assistant, "倒数第二的部门是哪个？")
    assert "倒数第2" in b.text and f"{ranked[1][1]:,}" in b.text


def test_numbers_that_are_not_years_or_ranks(assistant):
    a = ask(assistant, "给党龄40年以上的老党员发生活补贴的是哪个专项？")
    assert a.understood and "2040" not in a.text and "老党员补贴" in a.text
    b = ask(assistant, "搞第五次全国经济普查的经费是哪个专项？")
    assert "统计重点专项普查" in b.text and "排第5" not in b.text


def test_catalog_number_and_the_form_printed_with_it(assistant):
    entry = next(e for e in catalog() if e["seq"] == 69)
    a = ask(assistant, "目录里第69项对应的那页绩效目标表，项目名称实际写的是什么？")
    assert entry["name"] in a.text and "序号：69" in a.text and len(a.citations) >= 3


def test_two_step_rankings(assistant):
    towns = {c: t for c, t in dept_totals().items() if 101 <= int(c) <= 110}
    top_town = max(towns, key=towns.get)
    biggest = max((e for e in catalog() if e["code"] == top_town), key=lambda e: e["amount"])
    a = ask(assistant, "专项总额最多的那个镇，它最大那笔专项的联系电话？")
    assert biggest["name"] in a.text and re.search(r"联系电话：\d{8}", a.text)
    health = [e for e in catalog() if e["code"] == "733"]
    smallest = min(health, key=lambda e: e["amount"])
    b = ask(assistant, "卫健局五个专项里钱最少的那个，核心指标是哪几个？")
    assert smallest["name"] in b.text and "核心指标共" in b.text


def test_compare_wordings(assistant):
    edu = sorted((e for e in catalog() if e["code"] == "431"), key=lambda e: -e["amount"])
    assert len(edu) == 2
    a = ask(assistant, "教育局两个专项差了多少钱？")
    assert edu[0]["amount"] - edu[1]["amount"] in numbers(a.text)
    b = ask(assistant, "科技创新激励扶持专项比科普服务专项多拨了多少？")
    amounts = {e["name"]: e["amount"] for e in catalog()}
    assert amounts["科技创新激励扶持专项"] - amounts["科普服务专项"] in numbers(b.text)


def test_indicator_weights_and_reverse_contact_lookup(assistant):
    a = ask(assistant, "有哪些指标的权重给到了40%？分别是哪个专项的？")
    assert "资源型城市转型发展专项" in a.text and "医疗卫生体制改革专项" in a.text
    assert all("40" in c.text for c in a.citations)
    b = ask(assistant, "81711475这个电话是哪个单位、哪位联系人的？")
    assert "科技局" in b.text and cited(b, "81711475")
    c = ask(assistant, "2010301行政运行今年多少？")
    assert "720.38" not in c.text or "2010301" in c.text  # a subject code is not a phone number
    assert "电话" not in c.text


def test_change_of_the_subject_named_before(assistant):
    row = dept_table("一般公共预算财政拨款支出预算表")["201"]
    before, after = (Decimal(x.replace(",", "")) for x in row[2:4])
    a = ask(assistant, "一般公共服务支出2023年是多少？今年压减了多少？")
    assert {before, after, before - after} <= numbers(a.text)
    grants = dept_table("一般公共预算财政拨款基本支出预算表", nth=1)["505"]
    b = ask(assistant, "按政府经济分类，办公室对事业单位的经常性补助有多少？")
    assert grants[2] in b.text and cited(b, grants[2])


def test_description_beats_a_partial_name(assistant):
    a = ask(assistant, "落实老干部“四就近”、易地安置待遇的钱是哪个专项？")
    assert a.text.index("离退休干部慰问及补助") < a.text.find("老干部服务专项") or (
        "老干部服务专项" not in a.text)


def test_definitions_from_the_disclosure(assistant):
    text = (SAMPLES / DEPT_TXT).read_text(encoding="utf-8").splitlines()
    other = next(x for x in text if re.match(r"（[一二三四五六七八九十]+）其他收入：", x))
    a = ask(assistant, "这份预算说明里的“其他收入”指什么？")
    assert other.split("：", 1)[1][:10] in a.text and cited(a, "其他收入：")
    b = ask(assistant, "公务用车运行维护费按口径反映哪些支出？")
    assert "过路过桥费" in b.text and cited(b, "过路过桥费")


def test_last_years_figure_implied_by_a_stated_change(assistant):
    a = ask(assistant, "管委会办公室2023年的三公经费预算是多少？")
    assert "48.8" in a.text and "推算" in a.text and cited(a, "44.8")
    b = ask(assistant, "去年一般公共预算的基本支出是多少？")
    assert Decimal("1467.78") + Decimal("24.29") in numbers(b.text) and "推算" in b.text
    c = ask(assistant, "去年的机关运行经费是多少？今年压减幅度是百分之几？")
    assert "190.1" in c.text and "10.0%" in c.text  # 19.1 / (171 + 19.1)


def test_parts_children_and_reasons_of_subjects(assistant):
    row = dept_table("一般公共预算财政拨款支出预算表")["201"]
    a = ask(assistant, "一般公共服务支出201里面，基本支出和项目支出各占多少？")
    assert row[4] in a.text and row[5] in a.text  # 2024 基本支出 and 项目支出 columns
    project = dept_table("一般公共预算财政拨款项目支出预算表")
    b = ask(assistant, "一般公共预算项目支出里对个人和家庭的补助有多少？具体是什么补助？")
    assert project["303"][2] in b.text and project["30305"][1] in b.text
    c = ask(assistant, "一般公共预算的项目支出为什么比上年少？少了多少？")
    assert "126.8" in c.text and "148.5" in c.text and cited(c, "主要原因")


def test_which_town_pays_for_something(assistant):
    a = ask(assistant, "村社区食品药品安全协管员的补助是哪个镇的专项在出？多少钱？")
    assert "关坝镇" in a.text and cited(a, "食品药品")
    b = ask(assistant, "万东镇跟南桐镇比，哪个镇的专项多，差额多少？")
    towns = dept_totals()
    codes = {e["code"] for e in catalog() if e["name"].startswith("万东镇")} | {
        e["code"] for e in catalog() if e["name"].startswith("南桐镇")}
    first, second = sorted((towns[c] for c in codes), reverse=True)
    assert first - second in numbers(b.text)


def test_groups_by_a_word_in_the_name(assistant):
    named = [e for e in catalog() if "惠民" in e["name"]]
    a = ask(assistant, "名称里带“惠民”两个字的专项有几个？合计多少万？")
    assert f"共{len(named)}个" in a.text and f"{sum(e['amount'] for e in named):,}" in a.text
    investing = [e for e in catalog() if "招商引资" in e["name"]]
    b = ask(assistant, "所有叫“招商引资专项”的（各镇的加上投促中心的）一共安排了多少？")
    assert f"{sum(e['amount'] for e in investing):,}" in b.text


def test_indicator_listing_and_exact_weights(assistant):
    a = ask(assistant, "哪几个专项把“垃圾清运次数”列为指标？各自目标多少次？")
    lines = [x for x in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines()
             if x.split("\t")[0].strip() == "垃圾清运次数" or "\t垃圾清运次数\t" in x]
    assert lines and f"专项共{len(lines)}个" in a.text
    b = ask(assistant, "全部绩效目标表里，权重恰好是30%的指标一共有几条？")
    assert re.search(r"指标\d+条", b.text) and all("30" in c.text for c in b.citations)


def test_shares_comparisons_and_rank_among_all(assistant):
    towns = {c: t for c, t in dept_totals().items() if 101 <= int(c) <= 110}
    wandong = next(e["code"] for e in catalog() if e["name"].startswith("万东镇"))
    a = ask(assistant, "万东镇的专项占十个镇街专项合计的比例，保留一位小数")
    assert f"{towns[wandong] * 100 / sum(towns.values()):.1f}%" in a.text
    b = ask(assistant, "人社局和教育局，谁的专项盘子大？大多少？")
    totals = dept_totals()
    assert abs(totals["431"] - totals["732"]) in numbers(b.text)  # 教育局, 人力资源和社会保障局
    ranked = sorted(catalog(), key=lambda e: -e["amount"])
    pos = next(i for i, e in enumerate(ranked, 1) if e["name"] == "招商引资专项")
    c = ask(assistant, "投促中心那笔招商引资专项306万，放到全部85个专项里排老几？")
    assert f"排第{pos}" in c.text


def test_forms_of_a_fund_and_a_towns_own_fund(assistant):
    a = ask(assistant, "农业农村基础设施建设专项的绩效目标表在文件里出现了几次？分别挂在哪个序号下？")
    assert "出现2次" in a.text
    b = ask(assistant, "专项总额最少的那个镇，它的城乡环境管理专项计划聘用多少名清运处置人员？")
    assert "黑山镇" in b.text and "聘用清运处置人员数量" in b.text and "万盛街道" not in b.text


def test_terse_meeting_wordings(assistant):
    health = [e for e in catalog() if e["code"] == "733"]
    a = ask(assistant, "卫健局专项里过千万的有几个")
    assert f"共{sum(e['amount'] > 1000 for e in health)}个" in a.text
    picked = [dept_totals()[c] for c in ("733", "336", "632")]  # 卫健、城管、农林
    whole = sum(e["amount"] for e in catalog())
    b = ask(assistant, "卫健、城管、农林三家加起来占全部重点专项的百分之几？")
    assert f"{sum(picked) * 100 / whole:.1f}%" in b.text
    c = ask(assistant, "土地及自然资源综合利用管理专项有问题联系谁？电话多少？")
    assert "联系人" in c.text and "联系电话" in c.text
    d = ask(assistant, "办公室水电费一共多少 基本加项目")
    basic = dept_table("一般公共预算财政拨款基本支出预算表")
    project = dept_table("一般公共预算财政拨款项目支出预算表")
    total = sum(Decimal(t[code][2]) for t in (basic, project) for code in ("30205", "30206"))
    assert total in numbers(d.text)


def test_indicator_noticed_at_ingest_is_flagged(assistant):
    a = ask(assistant, "信息化建设水平这个指标的权重是多少？")
    assert "是否核心" in a.text and "注意" in a.text


def test_the_departments_own_projects(assistant):
    a = ask(assistant, "办公室的一般项目有哪几个？各多少钱？")
    assert "政务业务专项" in a.text and "政务信息建设" in a.text and len(a.citations) >= 2


def test_counts_of_departments_by_number_of_funds(assistant):
    per_dept = defaultdict(int)
    for e in catalog():
        per_dept[e["code"]] += 1
    a = ask(assistant, "名下有三个或更多专项的部门有几个？")
    assert f"共有{sum(n >= 3 for n in per_dept.values())}个" in a.text
    towns = {c: n for c, n in per_dept.items() if 101 <= int(c) <= 110}
    b = ask(assistant, "十个镇街里只设了两个专项的有几个？")
    assert f"共有{sum(n == 2 for n in towns.values())}个" in b.text


def test_same_named_funds_of_two_towns_compared(assistant):
    own = {e["name"]: e["amount"] for e in catalog()}
    a = ask(assistant, "南桐镇和关坝镇的村社区组织经费保障专项差了多少钱？")
    assert own["南桐镇村社区组织经费保障"] - own["关坝镇村社区组织经费保障"] in numbers(a.text)


def test_year_parts_of_one_question(assistant):
    row = dept_table("一般公共预算财政拨款支出预算表")["2101199"]
    a = ask(assistant, "其他行政事业单位医疗支出23年预算是多少，今年多少，增减了多少？")
    before, after = Decimal(row[2]), Decimal(row[3])
    assert {before, after, after - before} <= numbers(a.text)
    b = ask(assistant, "办公室今年基本支出是多少？和2023年比减了多少？")
    assert "1467.78" in b.text and "24.29" in b.text and b.text.count("24.29") == 1


def test_two_narrative_figures_named_together(assistant):
    a = ask(assistant, "2023年办公室用车中，有条件实物保障用车和应急保障用车分别有几辆？")
    text = (SAMPLES / DEPT_TXT).read_text(encoding="utf-8").splitlines()
    line = next(x for x in text if "应急保障用车" in x)
    for item in ("有条件实物保障用车", "应急保障用车"):
        count = re.search(item + r"\s*(\d+)\s*辆", line).group(1)
        assert re.search(item + r"[^；。]*?" + count + "辆", a.text)


def test_no_figure_implied_from_another_items_change(assistant):
    a = ask(assistant, "办公室2023年基本支出预算是多少？")
    assert Decimal("1467.78") + Decimal("24.29") in numbers(a.text)
    assert Decimal("1952.98") + Decimal("24.29") not in numbers(a.text)  # not the total's figure


def test_two_bounds_and_bounds_on_groups(assistant):
    a = ask(assistant, "预算超过300万、不到400万的专项有几个？")
    assert f"共{sum(300 < e['amount'] < 400 for e in catalog())}个" in a.text
    clean = [e for e in catalog() if "城乡环境管理" in e["name"]]
    b = ask(assistant, "各镇街的城乡环境管理专项里，超过100万元的有几个？")
    assert f"共{sum(e['amount'] > 100 for e in clean)}个" in b.text
    per_dept = defaultdict(list)
    for e in catalog():
        per_dept[e["code"]].append(e)
    single = [v[0]["name"] for v in per_dept.values() if len(v) == 1 and v[0]["amount"] > 2000]
    c = ask(assistant, "哪些部门只有一个专项、而且金额超过2000万？分别是哪个专项？")
    assert f"共有{len(single)}个" in c.text and all(name in c.text for name in single)


def test_chained_superlatives_reach_the_indicator_or_contact(assistant):
    ranked = sorted(catalog(), key=lambda e: -e["amount"])
    a = ask(assistant, "85个专项里钱最多的那个，联系人和电话是什么？")
    assert ranked[0]["name"] in a.text and "联系人" in a.text and "联系电话" in a.text
    b = ask(assistant, "教育局两个专项里钱少的那个，国家助学贷款办理周期要求多长？")
    assert "国家助学贷款办理周期" in b.text and cited(b, "国家助学贷款办理周期")
    towns = sorted(((c, t) for c, t in dept_totals().items() if 101 <= int(c) <= 110), key=lambda x: -x[1])
    c = ask(assistant, "镇街按专项合计从高到低排，第五名是哪个镇？")
    assert f"{towns[4][1]:,}" in c.text


def test_indicator_counts_and_changes_added_up(assistant):
    a = ask(assistant, "应急局的应急管理发展专项一共设了几条绩效指标？其中核心指标几条？")
    assert re.search(r"共设\d+条绩效指标，其中核心指标\d+条", a.text)
    table = dept_table("一般公共预算财政拨款支出预算表")
    change = sum(Decimal(table[c][3]) - Decimal(table[c][2]) for c in ("2101101", "2101102"))
    b = ask(assistant, "行政单位医疗和事业单位医疗两项合起来，今年比2023年增加了多少？")
    assert change in numbers(b.text)


def test_form_text_and_indicator_shown_together_when_asked(assistant):
    a = ask(assistant, "残疾事业服务专项的残疾人创业扶持人数，文字说明和指标表一致吗？")
    goal = next(x for x in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines()
                if x.startswith("当年绩效目标") and "残疾人创业扶持" in x)
    stated = re.search(r"残疾人创业扶持(\d+)人", goal).group(1)
    assert f"残疾人创业扶持{stated}人" in a.text and "请对照核实" in a.text
    b = ask(assistant, "残疾事业服务专项的残疾人创业扶持人数是多少？")
    assert "请对照核实" not in b.text  # only when the question asks whether they agree


def test_subjects_ranked_by_their_change(assistant):
    table = dept_table("一般公共预算财政拨款支出预算表")
    items = {c: Decimal(r[3].replace(",", "")) - Decimal(r[2].replace(",", ""))
             for c, r in table.items() if c.isdigit() and len(c) == 7 and r[3]}
    best = max(items, key=items.get)
    a = ask(assistant, "表五里比上年增加最多的项级科目是哪个？增加多少？")
    assert best in a.text and items[best] in numbers(a.text)
    b = ask(assistant, "表五里有几个项级科目比上年增加了？")
    assert f"共{sum(v > 0 for v in items.values())}个" in b.text


def test_definitions_asked_as_explanations(assistant):
    a = ask(assistant, "“事业单位经营收入”这个名词在说明里是怎么解释的？")
    assert "非独立核算经营" in a.text and cited(a, "事业单位经营收入")
    b = ask(assistant, "因公出国（境）费按口径反映哪些支出？")
    assert "国际旅费" in b.text


def test_figures_implied_for_unchanged_parts_and_named_by_tail(assistant):
    a = ask(assistant, "按说明推算，2023年公务用车运行维护费和公务接待费的预算各是多少？")
    assert "44" in a.text and "4.8" in a.text and "持平" in a.text
    row = dept_table("一般公共预算财政拨款支出预算表")["2080506"]
    b = ask(assistant, "职业年金缴费支出比上年减少了多少？减幅多少？")
    before, after = Decimal(row[2]), Decimal(row[3])
    assert before - after in numbers(b.text) and f"{(before - after) * 100 / before:.1f}%" in b.text


def test_counts_and_groups_across_a_department(assistant):
    a = ask(assistant, "规资局四个专项的绩效表里，核心指标一共有几条？")
    assert re.search(r"共设\d+条绩效指标，其中核心指标\d+条", a.text) and len(a.citations) >= 4
    b = ask(assistant, "东林街道名下有哪些专项？")
    dongli = [e for e in catalog() if e["code"] == "102"]
    assert f"共{len(dongli)}个" in b.text and "万盛街道" not in b.text
    towns = {c: t for c, t in dept_totals().items() if 101 <= int(c) <= 110}
    c = ask(assistant, "哪些镇街的专项合计超过了1000万元？")
    assert f"共{sum(t > 1000 for t in towns.values())}个" in c.text


def test_share_of_the_largest_funds(assistant):
    ranked = sorted(catalog(), key=lambda e: -e["amount"])
    whole = sum(e["amount"] for e in ranked)
    a = ask(assistant, "预算最大的前三个专项合计占全部重点专项的百分之多少？")
    assert f"{sum(e['amount'] for e in ranked[:3]) * 100 / whole:.1f}%" in a.text


def test_named_funds_added_and_nth_fund_of_a_department(assistant):
    own = {e["name"]: e["amount"] for e in catalog()}
    a = ask(assistant, "卫健局的计划生育惠民服务和公共卫生惠民服务两个专项合计多少？")
    assert f"{own['计划生育惠民服务专项'] + own['公共卫生惠民服务专项']:,}" in a.text
    land = sorted((e for e in catalog() if e["code"] == "332"), key=lambda e: -e["amount"])
    b = ask(assistant, "规资局预算第二多的专项是哪个？它的生态修复面积目标是多少？")
    assert land[1]["name"] in b.text and "生态修复面积" in b.text
    c = ask(assistant, "科技局钱少的那个专项，要指导多少个社区科普大学教学点？")
    assert "指导社区科普大学教学点" in c.text and cited(c, "指导社区科普大学教学点")
    d = ask(assistant, "专项合计在1000万元以上的主管部门有几个？")
    assert f"部门共{sum(t > 1000 for t in dept_totals().values())}个" in d.text


def test_towns_by_number_of_funds_shares_within_a_town_and_amount_bounds_near_codes(assistant):
    per_town = defaultdict(int)
    for e in catalog():
        if 101 <= int(e["code"]) <= 110:
            per_town[e["code"]] += 1
    a = ask(assistant, "十个镇街里设了三个专项的有几个？")
    assert f"共有{sum(n == 3 for n in per_town.values())}个" in a.text
    own = [e for e in catalog() if e["name"].startswith("万东镇")]
    big = next(e for e in own if e["name"] == "万东镇村社区组织经费保障")
    b = ask(assistant, "万东镇村社区组织经费保障占万东镇专项合计的比例？")
    assert f"{big['amount'] * 100 / sum(e['amount'] for e in own):.1f}%" in b.text
    c = ask(assistant, "预算超过300万、不到310万的专项有哪些？")
    assert f"共{sum(300 < e['amount'] < 310 for e in catalog())}个" in c.text  # 310 is no subject code here


def test_two_classes_added_up_by_year(assistant):
    table = dept_table("一般公共预算财政拨款支出预算表")
    before = sum(Decimal(table[c][2].replace(",", "")) for c in ("201", "208"))
    after = sum(Decimal(table[c][3].replace(",", "")) for c in ("201", "208"))
    a = ask(assistant, "一般公共服务支出和社会保障和就业支出两类合计，2023年和2024年各是多少？")
    assert {before, after} <= numbers(a.text)


def test_no_key_projects_is_said_as_the_disclosure_says_it(assistant):
    a = ask(assistant, "办公室的部门重点项目绩效目标表（表十五）里有哪些项目？")
    assert "无一级重点项目" in a.text and cited(a, "无一级重点项目") and "一般项目" in a.text


def test_which_of_two_figures_shows_both_sources(assistant):
    a = ask(assistant, "办公室的项目支出到底是285.2万还是485.2万？")
    assert "285.2" in a.text and "485.2" in a.text and cited(a, "485.20") and cited(a, "285.2")


def test_largest_item_under_a_subject_or_in_a_table(assistant):
    basic = dept_table("一般公共预算财政拨款基本支出预算表")
    goods = {c: Decimal(r[2].replace(",", "")) for c, r in basic.items()
             if c.startswith("302") and c != "302"}
    top = max(goods, key=goods.get)
    a = ask(assistant, "办公室基本支出的商品和服务支出里，哪一项金额最大？多少？")
    assert top in a.text and goods[top] in numbers(a.text)
    project = dept_table("一般公共预算财政拨款项目支出预算表")
    items = {c: Decimal(r[2].replace(",", "")) for c, r in project.items() if c.isdigit() and len(c) >= 5}
    b = ask(assistant, "办公室一般公共预算项目支出按部门经济分类，哪一科目最多？多少钱？")
    assert max(items, key=items.get) in b.text


def test_departments_left_out_by_the_question(assistant):
    others = [e for e in catalog() if not 101 <= int(e["code"]) <= 110]
    a = ask(assistant, "除了十个镇街，其他部门名下一共有多少个重点专项？")
    assert f"共有{len(others)}个" in a.text and f"{sum(e['amount'] for e in others):,}" in a.text
    towns = [e for e in catalog() if "招商引资" in e["name"] and 101 <= int(e["code"]) <= 110]
    b = ask(assistant, "各镇街自己设的招商引资专项（不含投促中心）一共多少钱？")
    assert f"共{len(towns)}个" in b.text and f"{sum(e['amount'] for e in towns):,}" in b.text


def test_share_of_a_subject_in_its_tables_total_by_year(assistant):
    table = dept_table("一般公共预算财政拨款支出预算表")
    part, whole = table["210"], table["合计"]
    a = ask(assistant, "卫生健康支出占一般公共预算财政拨款支出的比重，2023年和2024年各是多少？")
    for col in (2, 3):
        share = Decimal(part[col].replace(",", "")) * 100 / Decimal(whole[col].replace(",", ""))
        assert f"{share:.1f}%" in a.text
    assert cited(a, part[2]) and cited(a, whole[2])
