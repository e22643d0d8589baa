"""``budgetqa check``: each rule on the two sample .txt files, then on a tiny document built to break it.

The real documents show that each rule finds what the data really contains;
the synthetic compilations (three catalog entries, three forms, otherwise clean)
show that the rules are general: break one thing, and exactly that is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.checks import RULES, Finding, render_text, report_json, run_checks
from cli import main
from db import models as m
from db.engine import make_engine
from ingest.pipeline import ingest_paths

Check = Callable[..., list[Finding]]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The two sample .txt files in one fresh store."""
    folder = tmp_path_factory.mktemp("reconcile")
    engine = make_engine(f"sqlite:///{folder}/budget.db")
    results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
    assert not any(r.failed for r in results)
    return engine


@pytest.fixture(scope="module")
def real(real_store: Engine) -> list[Finding]:
    return run_checks(real_store)


@pytest.fixture
def check(tmp_path: Path) -> Check:
    """Write documents into tmp_path, ingest them into a fresh store, return the findings."""

    def run(*docs: tuple[str, str]) -> list[Finding]:
        paths = []
        for name, text in docs:
            (tmp_path / name).write_text(text, encoding="utf-8")
            paths.append(tmp_path / name)
        engine = make_engine(f"sqlite:///{tmp_path}/store.db")
        assert not any(r.failed for r in ingest_paths(engine, paths))
        return run_checks(engine)

    return run


def of(findings: list[Finding], rule: str, group: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and (group is None or f.group == group)]


def problems(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in of(findings, rule) if f.severity != "info"]


def seqs(findings: list[Finding]) -> set[int]:
    """The 序号 the messages start with (序号N“…”)."""
    return {int(mt.group(1)) for f in findings if (mt := re.search(r"序号(\d+)", f.message))}


# --- a tiny compilation: 3 catalog entries, 3 forms, nothing wrong unless a test breaks it ---

CITY, TRADE = "301-测试区城市管理局", "302-测试区商务局"
CATALOG = [(1, "城乡环境管理专项", CITY, "100.0"), (2, "社区组织经费保障", CITY, "200.8"),
           (3, "招商引资专项", TRADE, "50.0")]
INDICATORS = ["\t服务人数\t≥\t100\t人\t30\t是", "\t任务完成率\t=\t100\t%\t30\t是",
              "\t群众满意度\t≥\t90\t%\t30\t否"]


@dataclass
class Form:
    """One 绩效目标表 of the synthetic compilation."""

    seq: int | None
    name: str
    dept: str
    budget: str
    indicators: list[str] = field(default_factory=lambda: list(INDICATORS))

    def text(self) -> str:
        seq = f"序号：{self.seq}\n\n" if self.seq is not None else ""
        rows = [f"项目名称\t{self.name}\t主管部门\t{self.dept}\t\t\t", f"2024年预算\t{self.budget}\t\t\t\t\t",
                "项目概况\t项目概况。\t\t\t\t\t", "当年绩效目标\t绩效目标。\t\t\t\t\t",
                "绩效指标\t指标名称\t指标性质\t指标值\t计量单位\t指标权重(%)\t是否核心", *self.indicators]
        return (f"{seq}## 2024年区级重点专项资金绩效目标表（一级项目）\n\n单位：万元\n\n"
                + "\n".join(rows) + "\n\n联系人：张三\n\n联系电话：12345678\n\n")


FORMS = [Form(1, "城乡环境管理专项", CITY, "100.00"), Form(2, "社区组织经费保障", CITY, "200.80"),
         Form(3, "招商引资专项", TRADE, "50")]


def compilation(forms: list[Form] = FORMS, catalog: list[tuple] = CATALOG, total: str = "351") -> str:
    lines = "\n".join("\t".join(str(c) for c in entry) for entry in catalog)
    return (
        "预算报告附件\n测试区2024年重点专项预算绩效\n\n# 编 表 说 明\n\n"
        f"一、重点专项绩效目标，涉及预算资金{total}万元。\n\n# 2024年重点专项资金目录\n\n单位：万元\n\n"
        f"序号\t专项资金名称\t主管部门\t2024年预算\n{lines}\n\n" + "".join(f.text() for f in forms)
    )


def test_clean_synthetic_compilation_has_no_problems(check: Check) -> None:
    found = check(("clean.txt", compilation()))
    assert [f for f in found if f.severity != "info"] == []
    assert {f.rule for f in found} == {"stated_total"}


# --- rule 1: catalog vs form amounts beyond rounding ---

def test_amounts_real(real: list[Finding]) -> None:
    found = of(real, "amount_mismatch")
    assert seqs(found) == {38, 41, 45, 80}
    for f in found:
        texts = [s.text for s in f.sources]
        assert len(texts) == 2
        assert f.figures["catalog_amount"] in texts[0] and f.figures["table_amount"] in texts[1]
    assert any("122.2" in f.message and "48.20" in f.message for f in found)


def test_amounts_synthetic(check: Check) -> None:
    catalog = [CATALOG[0], (2, "社区组织经费保障", CITY, "1,086.6"), CATALOG[2]]
    forms = [FORMS[0], replace(FORMS[1], budget="1086.61"), replace(FORMS[2], budget="48.20")]
    found = of(check(("t.txt", compilation(forms, catalog))), "amount_mismatch")
    assert [(f.figures["catalog_amount"], f.figures["table_amount"]) for f in found] == [("50.0", "48.20")]
    assert found[0].figures["difference"] == "1.80"


# --- rule 2: names ---

def test_names_real(real: list[Finding]) -> None:
    found = of(real, "name_mismatch")
    assert len(found) == 1
    assert "社区组织运作" in found[0].message and "社区组织运转" in found[0].message
    assert "社区组织运作" in found[0].sources[0].text and "社区组织运转" in found[0].sources[1].text


def test_names_synthetic(check: Check) -> None:
    forms = [FORMS[0], replace(FORMS[1], name="社区组织经费保证"), FORMS[2]]
    found = of(check(("t.txt", compilation(forms))), "name_mismatch")
    assert len(found) == 1 and "“障”写作“证”" in found[0].message


# --- rule 3: department spellings ---

def test_departments_real(real: list[Finding]) -> None:
    spellings = of(real, "department_spelling", "同一部门多种写法")
    assert {f.figures["code"] for f in spellings} == {"106", "241", "331"}
    assert any("多出“（本级）”" in f.message for f in spellings)
    assert any("“局”写作“委”" in f.message for f in spellings)
    prefixed = of(real, "department_spelling", "主管部门前多出文字")
    assert seqs(prefixed) == {16} and "如：" in prefixed[0].sources[0].text
    no_code = of(real, "department_spelling", "主管部门未写编码")
    assert [f.severity for f in no_code] == ["info"]
    assert no_code[0].sources[0].source == DEPT_TXT


def test_departments_synthetic(check: Check) -> None:
    forms = [replace(FORMS[0], dept="301-测试区 城市管理局"), replace(FORMS[1], dept="测试区城市管理局"),
             replace(FORMS[2], dept="如：" + TRADE)]
    found = of(check(("t.txt", compilation(forms))), "department_spelling")
    groups = {f.group: f for f in found}
    assert set(groups) == {"同一部门多种写法", "主管部门未写编码", "主管部门前多出文字"}
    assert "多出“ ”" in groups["同一部门多种写法"].message
    assert groups["主管部门未写编码"].severity == "info"
    assert seqs([groups["主管部门前多出文字"]]) == {3}


# --- rule 4: entries without a form, repeated forms ---

def test_coverage_real(real: list[Finding]) -> None:
    missing = of(real, "form_coverage", "目录条目没有绩效目标表")
    assert {f.figures["catalog_seq"] for f in missing} == {50, 68}
    repeats = of(real, "form_coverage", "绩效目标表重复")
    pairs = {(f.figures["form_seq"], f.figures["repeats_catalog_seq"]) for f in repeats}
    assert pairs == {(50, 48), (69, 85)}
    assert not of(real, "form_coverage", "绩效目标表不在目录中")


def test_coverage_synthetic(check: Check) -> None:
    forms = [FORMS[0], FORMS[1], replace(FORMS[1], seq=3), Form(4, "完全不同的工作", "303-测试区农业局", "9")]
    found = of(check(("t.txt", compilation(forms))), "form_coverage")
    assert {f.group: f.figures.get("form_seq") or f.figures.get("catalog_seq") for f in found} == {
        "目录条目没有绩效目标表": 3, "绩效目标表重复": 3, "绩效目标表不在目录中": 4}
    repeat = next(f for f in found if f.group == "绩效目标表重复")
    assert repeat.figures["repeats_catalog_seq"] == 2 and "目录序号3是“招商引资专项”" in repeat.message


# --- rule 5: printed 序号 ---

def test_seq_real(real: list[Finding]) -> None:
    found = of(real, "seq_mismatch")
    assert [(f.figures["form_seq"], f.figures["catalog_seq"]) for f in found] == [(68, 69)]
    assert found[0].sources[0].text.strip() == "序号：68"


def test_seq_synthetic(check: Check) -> None:
    forms = [FORMS[0], replace(FORMS[1], seq=3), replace(FORMS[2], seq=2)]
    found = of(check(("t.txt", compilation(forms))), "seq_mismatch")
    assert sorted((f.figures["form_seq"], f.figures["catalog_seq"]) for f in found) == [(2, 3), (3, 2)]


# --- rule 6: weights ---

def test_weights_real(real: list[Finding]) -> None:
    off = of(real, "weight_total", "合计不为90或100")
    assert {(f.figures["total"], tuple(f.figures["empty_weight"])) for f in off} == {
        ("95", ()), ("70", ("群众出行方便快捷",))}
    assert seqs(off) == {37, 49}
    full = of(real, "weight_total", "合计为100（说明）")
    assert all(f.severity == "info" for f in full)
    assert seqs(full) == {56, 64, 65, 66, 67}
    assert len(full) == 6  # and the 部门整体 form of the department budget


def test_weights_synthetic(check: Check) -> None:
    forms = [
        replace(FORMS[0], indicators=[*INDICATORS[:2], "\t群众满意度\t≥\t90\t%\t25\t否"]),
        replace(FORMS[1], indicators=[*INDICATORS[:2], "\t群众满意度\t≥\t90\t%\t40\t否"]),
        replace(FORMS[2], indicators=["\t服务人数\t≥\t100\t人\t45\t是", "\t任务完成率\t=\t100\t%\t45\t是",
                                 "\t群众满意度\t≥\t90\t%\t\t否"]),
    ]
    found = of(check(("t.txt", compilation(forms))), "weight_total")
    assert {(f.group, f.figures["total"]) for f in found} == {
        ("合计不为90或100", "85"), ("合计为100（说明）", "100"), ("有指标未填权重", "90")}
    empty = next(f for f in found if f.group == "有指标未填权重")
    assert empty.figures["empty_weight"] == ["群众满意度"] and "群众满意度" in empty.sources[-1].text


# --- rule 7: units and values ---

def test_units_real(real: list[Finding]) -> None:
    found = of(real, "unit_mismatch")
    assert {f.figures["indicator"] for f in found} == {
        "清掏无主化粪池数量", "扶持企业总数", "3岁以下婴幼儿托位数", "农村人居环境"}
    for f in found:
        assert f.figures["indicator"] in f.sources[0].text


def test_units_synthetic(check: Check) -> None:
    odd = ["\t培训人数\t≥\t100\t%\t30\t是", "\t验收合格率\t=\t100\t个\t20\t是",
           "\t按时完成\t=\t是\t项\t20\t否", "\t环境质量\t定性\t5\t\t20\t否"]
    fine = ["\t村民幸福指数\t≥\t90\t%\t30\t是", "\t补贴人数（人）\t≥\t10\t人\t30\t是",
            "\t培训覆盖率\t≥\t95\t%\t30\t否"]
    forms = [replace(FORMS[0], indicators=odd), replace(FORMS[1], indicators=fine), FORMS[2]]
    found = of(check(("t.txt", compilation(forms))), "unit_mismatch")
    assert {f.figures["indicator"]: f.group for f in found} == {
        "培训人数": "计数指标用了比率单位", "验收合格率": "比率指标用了计数单位",
        "按时完成": "定量指标的指标值不是数字", "环境质量": "定性指标的指标值是数字"}


# --- rule 8: anomalies recorded at ingest ---

def test_anomalies_real(real: list[Finding], real_store: Engine) -> None:
    found = of(real, "ingest_anomaly")
    with Session(real_store) as s:
        stored = dict(s.execute(select(m.Anomaly.kind, func.count()).group_by(m.Anomaly.kind)).all())
    assert {k: len(of(found, "ingest_anomaly", k)) for k in stored} == stored == {"行错位": 21, "权重错列": 4}
    assert all(f.sources and f.message.startswith("绩效目标表") for f in found)
    assert any(f.group == "权重错列" and "序号79" in f.message for f in found)


def test_anomalies_synthetic(check: Check) -> None:
    forms = [replace(FORMS[0], indicators=[*INDICATORS[:2], "群众满意度\t≥\t90\t%\t30\t否"]),
             replace(FORMS[1], indicators=[*INDICATORS[:2], "\t群众满意度\t≥\t90\t%\t\t30"]), FORMS[2]]
    found = of(check(("t.txt", compilation(forms))), "ingest_anomaly")
    assert sorted((f.group, min(seqs([f]))) for f in found) == [("权重错列", 2), ("行错位", 1)]


# --- rule 9: stated total vs details ---

def test_stated_total_real(real: list[Finding]) -> None:
    catalog, forms = of(real, "stated_total")
    assert (catalog.severity, catalog.figures["detail_sum"], catalog.figures["conclusion"]) == (
        "info", "67,309.9", "一致（在四舍五入范围内）")
    assert (forms.severity, forms.figures["detail_sum"], forms.figures["difference"]) == (
        "error", "64,820.92", "-2,489.08")
    assert forms.figures["entries_without_form"] == 2
    assert "67,310" in catalog.sources[0].text


def test_stated_total_synthetic(check: Check) -> None:
    found = of(check(("t.txt", compilation(total="400"))), "stated_total")
    assert [(f.severity, f.figures["detail_sum"]) for f in found] == [("error", "350.8"), ("error", "350.80")]
    text = render_text(found)
    assert "不一致" in text


# --- rule 10: subtotals in 部门预算 tables ---

def test_subtotals_real(real: list[Finding]) -> None:
    found = of(real, "subtotal")
    assert len(found) == 6 and all(f.severity == "info" for f in found)
    assert {abs(float(f.figures["difference"])) for f in found} == {0.01}
    assert {f.figures["table_no"] for f in found} == {5, 6}
    assert all(f.sources[0].source == DEPT_TXT for f in found)


DEPT_DOC = """测试局2024年部门预算情况说明

2024 年测试区部门支出预算总表

部门全称：测试局

单位：万元

科目编码\t科目名称\t总计\t基本支出\t项目支出
合计\t\t310.00\t200.00\t100.00
201\t一般公共服务支出\t300.00\t200.00\t100.00
20103\t政府办公厅（室）及相关机构事务\t300.00\t200.00\t100.00
2010301\t行政运行\t200.00\t200.00\t
2010302\t一般行政管理事务\t99.99\t\t99.99

2024 年测试区部门政府性基金预算财政拨款支出预算表

本部门无政府性基金预算。

2024 年测试区部门国有资本经营预算财政拨款支出预算表

本部门无国有资本经营预算。
"""


def test_subtotals_synthetic(check: Check) -> None:
    found = of(check(("dept.txt", DEPT_DOC)), "subtotal")
    summary = sorted((f.severity, f.figures["subject_code"], f.figures["column"], f.figures["difference"])
                     for f in found)
    assert summary == [("error", None, "总计", "10.00"), ("info", "20103", "总计", "0.01"),
                       ("info", "20103", "项目支出", "0.01")]


# --- rule 11: renditions, and folding of per-document findings ---

def test_no_renditions_real(real: list[Finding]) -> None:
    assert of(real, "rendition") == []


def test_renditions_fold_synthetic(check: Check) -> None:
    text = compilation([FORMS[0], replace(FORMS[1], dept="301-测试区 城市管理局"),
                        replace(FORMS[2], budget="48.20")])
    found = check(("a.txt", text), ("b.md", text))
    (rendition,) = of(found, "rendition")
    assert rendition.figures == {"primary": "a.txt", "renditions": ["b.md"]}
    (amount,) = of(found, "amount_mismatch")  # inside one document: one finding, both files cited
    assert [s.source for s in amount.sources] == ["a.txt", "a.txt", "b.md", "b.md"]
    (spelling,) = of(found, "department_spelling")  # across documents: primary only
    assert {s.source for s in spelling.sources} == {"a.txt"}


# --- output ---

def test_json_and_text_report(real: list[Finding]) -> None:
    data = report_json(real)
    assert list(data["summary"]) == list(RULES)
    assert sum(data["summary"].values()) == len(data["findings"])
    first = data["findings"][0]
    assert set(first) >= {"rule", "rule_name", "severity", "message", "figures", "sources"}
    assert set(first["sources"][0]) == {"source", "line", "page", "sheet", "row", "text",
                                        "ingested_at", "version"}
    text = render_text(real)
    for name in RULES.values():
        assert name in text
    assert f"{FUNDS_TXT} 第70行" in text


def test_cli_check(real_store: Engine, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BUDGETQA_DB_URL", str(real_store.url))
    assert main(["check", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["amount_mismatch"] == 4
    assert main(["check"]) == 0
    assert "目录与绩效目标表金额不一致：问题 4 条" in capsys.readouterr().out
