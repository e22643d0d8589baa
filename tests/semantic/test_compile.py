"""Query → SQL → rows on a tiny store built row by row, with every figure worked out by hand.

Four departments (卫生 A, 城管 B, 甲镇 C, 乙街道 D), ten key funds of 2024 whose
catalog and form figures sometimes differ or are missing, two funds of 2023, a
rendition and a department's own project that must never be counted, a few
indicators and contacts, and department-budget lines and narrative figures for
A (and one line for B).  The Query objects are built directly, so these tests
hold the compiler alone to the arithmetic; ties are placed on purpose (funds
at 100 and at 50, departments at 180, contacts with two funds each).  A subset
runs on a throwaway PostgreSQL cluster too (tests/pg_server.py); as in
tests/test_postgres.py, a machine without PostgreSQL fails them rather than
skipping, because CI installs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pg_server import postgres_url
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.semantic.compile.figures import (
    changes_of,
    child_level,
    children_of,
    figure_statements,
    parts_of_fact,
    ranked_figures,
    sum_of,
)
from assistant.semantic.compile.statements import compile_query, ranked_rows
from assistant.semantic.query import (
    AMOUNT,
    AVG,
    BOTH,
    CNT,
    CONTACTS,
    COUNT,
    DEPARTMENTS,
    FIGURES,
    FORM,
    INDICATOR_COUNT,
    INDICATORS,
    MEDIAN,
    SUM,
    WEIGHT,
    AmountIs,
    BasesDiffer,
    Bound,
    ContactIs,
    Derived,
    Describes,
    FigureIs,
    FigureKey,
    FundIs,
    HasIndicator,
    Having,
    InDepartments,
    InGroup,
    NameHas,
    Order,
    Output,
    Query,
    SeqIs,
)
from assistant.semantic.sqlrun import Runner
from db import models as m
from db.engine import make_engine
from db.records import DEPT_BUDGET, PROGRAM_DEPT, PROGRAM_KEY, SPECIAL_FUNDS

DEPARTMENTS_ = {"A": ("701", "测试区卫生局"), "B": ("702", "测试区城管局"),
                "C": ("101", "测试区甲镇人民政府"), "D": ("102", "测试区乙街道办事处")}
# seq, name, department, catalog figure, form figure, contact, phone
FUNDS_2024 = [
    (1, "卫生甲专项", "A", "100.0", "100.00", "张三", "11111111"),
    (2, "卫生乙专项", "A", "50.0", "60.00", "张三", "11111111"),  # the two figures differ
    (3, "卫生丙专项", "A", "30.0", None, None, None),  # no form
    (4, "城管甲专项", "B", "200.0", "200.00", "李四", "22222222"),
    (None, "城管乙专项", "B", None, "80.00", "李四", "22222222"),  # a form, no catalog line
    (6, "城管丙专项", "B", "100.0", "100.00", "李四", "22222222"),
    (7, "甲镇环境专项", "C", "50.0", "50.04", "王五", "33333333"),  # within the catalog's rounding
    (8, "甲镇招商专项", "C", "20.0", "20.00", "王五", "33333333"),
    (9, "乙街道环境专项", "D", "170.0", "170.00", "赵六", "44444444"),
    (10, "乙街道社区专项", "D", "10.0", "10.00", "赵六", "44444444"),
]
FUNDS_2023 = [(1, "卫生甲专项", "A", "90.0", "90.00", "张三", "11111111"),
              (2, "城管甲专项", "B", "150.0", "150.00", "李四", "22222222")]
# fund name → (indicator, value as written, value as a number, unit, weight, core)
INDICATORS_ = {
    "卫生甲专项": [("群众满意度", "95", 95, "%", 10, True), ("资金到位率", "100", 100, "%", 20, False),
               ("服务人次", "5000", 5000, "人次", 30, True)],
    "卫生乙专项": [("患者满意度", "90", 90, "%", 20, False)],
    "城管甲专项": [("群众满意度", "98", 98, "%", 15, True), ("道路保洁合格率", "98", 98, "%", 25, True)],
    "城管丙专项": [("市容市貌", "持续提高", None, "", None, None)],
    "甲镇环境专项": [("环境卫生合格率", "95", 95, "%", 40, True)],
    "乙街道环境专项": [("群众满意度", "85", 85, "%", 10, False)],
}
# department A's 2024 disclosure: (table, code, subject, year, column, amount)
LINES_A = [
    (3, None, "合计", 2024, "总计", "300"),
    (3, "201", "一般公共服务支出", 2024, "总计", "200"),
    (3, "20103", "政府办公厅事务", 2024, "总计", "200"),
    (3, "2010301", "行政运行", 2024, "总计", "120"),
    (3, "2010302", "一般行政管理事务", 2024, "总计", "80"),
    (3, "208", "社会保障和就业支出", 2024, "总计", "100"),
    (3, "20805", "行政事业单位养老支出", 2024, "总计", "100"),
    (3, "2080501", "行政单位离退休", 2024, "总计", "60"),
    (3, "2080505", "基本养老保险缴费", 2024, "总计", "40"),
    (3, "201", "一般公共服务支出", 2024, "基本支出", "150"),
    (3, "2010301", "行政运行", 2024, "基本支出", "120"),
    (3, "2010302", "一般行政管理事务", 2024, "基本支出", "30"),
    (5, None, "合计", 2024, "预算数/小计", "300"),
    (5, "201", "一般公共服务支出", 2024, "预算数/小计", "200"),
    (5, "2010301", "行政运行", 2024, "预算数/小计", "120"),
    (5, "2010302", "一般行政管理事务", 2024, "预算数/小计", "80"),
    (5, None, "合计", 2023, "预算数", "285"),
    (5, "201", "一般公共服务支出", 2023, "预算数", "190"),
    (5, "2010301", "行政运行", 2023, "预算数", "100"),
    (5, "2010302", "一般行政管理事务", 2023, "预算数", "90"),
]
LINES_B = [(3, "201", "一般公共服务支出", 2024, "总计", "500")]
# department A's narrative: (topic, item, amount, change, change amount)
SANGONG = "“三公”经费"
FACTS_A = [
    (SANGONG, "“三公”经费预算", "10.5", "减少", "1.5"), (SANGONG, "因公出国（境）费用", "0", "持平", None),
    (SANGONG, "公务接待费", "2.5", "持平", None), (SANGONG, "公务用车运行维护费", "8.0", "减少", "1.5"),
    ("机关运行经费", "一般公共预算财政拨款运行经费", "50", "增加", "5"),
]


@dataclass
class Tiny:
    """The tiny store and the ids the tests name things by."""

    engine: Engine
    dept: dict[str, int]
    fund: dict[str, int]

    def depts(self, *labels: str) -> InDepartments:
        return InDepartments(tuple(self.dept[x] for x in labels), labels)

    def group(self, *labels: str, asked: bool = False) -> InGroup:
        return InGroup("".join(labels), tuple(self.dept[x] for x in labels), asked)

    def funds(self, *names: str) -> FundIs:
        return FundIs(tuple(self.fund[n] for n in names), names)


def build(engine: Engine) -> Tiny:
    """Insert the tiny store's rows with the ORM models; every fact gets a source row of its own."""
    with Session(engine) as s:
        dept = {}
        for label, (code, name) in DEPARTMENTS_.items():
            row = m.Department(code=code, name=name)
            s.add(row)
            s.flush()
            dept[label] = row.id

        def document(kind: str, year: int, name: str, of: int | None = None, dept_id: int | None = None):
            doc = m.Document(identity=name, file_name=name, fmt="txt", sha256=name.ljust(64, "0")[:64],
                             size=1, kind=kind, title=name, year=year, department_id=dept_id,
                             content_key=name,
                             rendition_of_id=of, ingested_at=datetime(2024, 4, 1))
            s.add(doc)
            s.flush()
            return doc

        counter = iter(range(1, 10_000))

        def source(doc, text: str) -> int:
            row = m.SourceRow(document_id=doc.id, ordinal=next(counter), block="table_row", text=text)
            s.add(row)
            s.flush()
            return row.id

        def funds(doc, rows, program=PROGRAM_KEY) -> dict[str, int]:
            ids = {}
            for seq, name, label, catalog, form, contact, phone in rows:
                fund = m.Fund(document_id=doc.id, program=program, year=doc.year, unit="万元", name=name,
                              department_id=dept[label], catalog_seq=seq,
                              catalog_name=name if catalog else None,
                              catalog_amount=Decimal(catalog) if catalog else None,
                              catalog_amount_text=catalog,
                              catalog_row_id=source(doc, f"{seq}\t{name}\t{catalog}") if catalog else None,
                              table_amount=Decimal(form) if form else None, table_amount_text=form,
                              table_row_id=source(doc, f"2024年预算\t{form}") if form else None)
                s.add(fund)
                s.flush()
                ids[name] = fund.id
                if form is None:
                    continue
                copies = 2 if name == "城管甲专项" else 1  # one form printed twice
                for copy in range(copies):
                    row = m.FundForm(document_id=doc.id, fund_id=fund.id, program=program, seq=seq, name=name,
                                     department_id=dept[label], dept_text=DEPARTMENTS_[label][1],
                                     budget=Decimal(form), budget_text=form, overview=f"{name}的概况",
                                     goal=f"{name}的目标", contact=contact, phone=phone, is_repeat=copy > 0,
                                     contact_row_id=source(doc, f"联系人：{contact}"))
                    s.add(row)
                    s.flush()
                    if copy == 0:
                        fund.form_id = row.id
                for ordinal, (ind, value, number, unit, weight, core) in enumerate(
                        INDICATORS_.get(name, []) if doc.year == 2024 else []):
                    s.add(m.Indicator(form_id=fund.form_id, fund_id=fund.id, ordinal=ordinal, name=ind,
                                      nature="≥",
                                      value=value, value_number=None if number is None else Decimal(number),
                                      unit=unit, weight=None if weight is None else Decimal(weight),
                                      weight_text="" if weight is None else str(weight), is_core=core,
                                      core_text={True: "是", False: "否", None: ""}[core], realigned=False,
                                      source_row_id=source(doc, f"\t{ind}\t≥\t{value}\t{unit}\t{weight}")))
            return ids

        compilation = document(SPECIAL_FUNDS, 2024, "funds_2024.txt")
        fund = funds(compilation, FUNDS_2024)
        funds(document(SPECIAL_FUNDS, 2023, "funds_2023.txt"), FUNDS_2023)
        rendition = document(SPECIAL_FUNDS, 2024, "funds_2024.pdf", of=compilation.id)
        funds(rendition, FUNDS_2024[:2])
        budget_a = document(DEPT_BUDGET, 2024, "budget_a_2024.txt", dept_id=dept["A"])
        funds(budget_a, [(None, "卫生业务专项", "A", "500.0", None, None, None)], program=PROGRAM_DEPT)
        budget_b = document(DEPT_BUDGET, 2024, "budget_b_2024.txt", dept_id=dept["B"])
        for doc, label, lines in ((budget_a, "A", LINES_A), (budget_b, "B", LINES_B)):
            for table, code, subject, year, column, amount in lines:
                s.add(m.BudgetLine(document_id=doc.id, department_id=dept[label], table_no=table,
                                   table_title=f"表{table}", classification=None, subject_code=code,
                                   subject_name=subject, year=year, column=column, amount=Decimal(amount),
                                   amount_text=amount, unit="万元",
                                   source_row_id=source(doc, f"{code or ''}\t{subject}\t{amount}")))
        for topic, item, amount, change, gap in FACTS_A:
            s.add(m.StatedFact(document_id=budget_a.id, department_id=dept["A"], topic=topic, item=item,
                               year=2024, amount=Decimal(amount), amount_text=amount, unit="万元",
                               change=change,
                               change_amount=Decimal(gap) if gap else None, change_text=gap or "",
                               base_year=2023,
                               source_row_id=source(budget_a, f"{item}{amount}万元")))
        s.commit()
    return Tiny(engine, dept, fund)


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    return build(make_engine(f"sqlite:///{tmp_path_factory.mktemp('tiny')}/tiny.db"))


@pytest.fixture(scope="module")
def pg() -> Iterator[Tiny]:
    with postgres_url() as url:
        engine = make_engine(url)
        yield build(engine)
        engine.dispose()


BOTH_DATABASES = pytest.mark.parametrize("db", ["lite", "pg"])


def run(tiny: Tiny, query: Query) -> dict[str, list[dict[str, Any]]]:
    """Every statement the query compiles to, run; rows as dicts (the SQL is rendered too, as answers
    show it)."""
    with Session(tiny.engine) as session:
        runner = Runner(session)
        out = {role: runner.rows(stmt) for role, stmt in compile_query(query).statements.items()}
        assert len(runner.sql) == len(out) and all("SELECT" in sql for sql in runner.sql)
    return out


def rows_of(tiny: Tiny, stmt) -> list[dict[str, Any]]:
    with Session(tiny.engine) as session:
        return Runner(session).rows(stmt)


def money(value: Any) -> Decimal | None:
    """A figure from SQL to the cent, whatever the driver returned (Decimal, float, int)."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def D(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


COUNT_AND_SUM = (Output(COUNT, CNT), Output(AMOUNT, SUM))


def funds_query(tiny: Tiny, *filters, outputs=COUNT_AND_SUM, **kw) -> Query:
    return Query(over="funds", outputs=outputs, filters=filters, year=kw.pop("year", 2024), **kw)


def totals(tiny: Tiny, query: Query) -> tuple[int, Decimal | None]:
    result = run(tiny, query)["totals"][0]
    return result["count"], money(result["sum"])


# ----- funds: totals, bases, years, and each filter type ------------------------------------------

@BOTH_DATABASES
def test_totals_count_sum_and_average_of_the_key_funds(db, request):
    """Catalog figures, the form's where the catalog has none; the rendition, 2023 and the department's own
    project are not counted: 100+50+30+200+80+100+50+20+170+10 = 810 over 10 funds."""
    tiny = request.getfixturevalue(db)
    result = run(tiny, funds_query(tiny, outputs=(*COUNT_AND_SUM, Output(AMOUNT, AVG))))
    assert result["totals"][0]["count"] == 10
    assert money(result["totals"][0]["sum"]) == D("810")
    assert money(result["totals"][0]["avg"]) == D("81")
    assert len(result["rows"]) == 10


@pytest.mark.parametrize(("basis", "year", "count", "total"), [
    ("catalog", 2024, 10, "810"),
    (FORM, 2024, 10, "820.04"),  # 100+60+30(catalog)+200+80+100+50.04+20+170+10
    ("catalog", 2023, 2, "240"),
    (BOTH, 2024, 10, "810"),  # anything but the form basis takes the catalog first
])
def test_the_basis_and_the_year_pick_the_figures(lite, basis, year, count, total):
    assert totals(lite, funds_query(lite, basis=basis, year=year)) == (count, D(total))


def _amount(op: str, value: int) -> AmountIs:
    return AmountIs(Bound(op, Decimal(value)))


# what, (filters, exclusions) made from the store's ids, count, sum (None: no funds)
FILTER_CASES = [
    ("department", lambda t: ((t.depts("A"),), ()), 3, "180"),
    ("two departments", lambda t: ((t.depts("A", "B"),), ()), 6, "560"),
    ("group", lambda t: ((t.group("C", "D"),), ()), 4, "250"),
    ("a department and a group are one set", lambda t: ((t.depts("A"), t.group("C", "D")), ()), 7, "430"),
    ("an asked group narrows", lambda t: ((t.depts("A", "C"), t.group("C", asked=True)), ()), 2, "70"),
    ("fund", lambda t: ((t.funds("城管乙专项"),), ()), 1, "80"),
    ("a fund not found", lambda t: ((FundIs((), ()),), ()), 0, None),
    ("name", lambda t: ((NameHas("环境"),), ()), 2, "220"),
    ("a name with a LIKE wildcard", lambda t: ((NameHas("%"),), ()), 0, None),
    ("a name with an underscore", lambda t: ((NameHas("_"),), ()), 0, None),
    ("a catalog number", lambda t: ((SeqIs(4),), ()), 1, "200"),
    ("a catalog number no fund has", lambda t: ((SeqIs(5),), ()), 0, None),
    ("a catalog number beyond SQL integers", lambda t: ((SeqIs(10**30),), ()), 0, None),
    ("contact", lambda t: ((ContactIs(contact="李四"),), ()), 3, "380"),
    ("phone", lambda t: ((ContactIs(phone="33333333"),), ()), 2, "70"),
    ("the two figures differ", lambda t: ((BasesDiffer(),), ()), 1, "50"),
    ("more than 100", lambda t: ((_amount(">", 100),), ()), 2, "370"),
    ("at least 100", lambda t: ((_amount(">=", 100),), ()), 4, "570"),
    ("below 50", lambda t: ((_amount("<", 50),), ()), 3, "60"),
    ("at most 50", lambda t: ((_amount("<=", 50),), ()), 5, "160"),
    ("exactly 100", lambda t: ((_amount("=", 100),), ()), 2, "200"),
    ("from 50 to 100", lambda t: ((_amount(">=", 50), _amount("<=", 100)), ()), 5, "380"),
    ("between 50 and 100, ends excluded", lambda t: ((_amount(">", 50), _amount("<", 100)), ()), 1, "80"),
    ("a satisfaction indicator", lambda t: ((HasIndicator(words=("满意度",)),), ()), 4, "520"),
    ("a core satisfaction indicator",
     lambda t: ((HasIndicator(words=("满意度",), core=True),), ()), 2, "300"),
    ("a satisfaction target of at least 95",
     lambda t: ((HasIndicator(words=("满意度",), value=Bound(">=", Decimal(95), "%")),), ()), 2, "300"),
    ("an indicator weighing more than 20",
     lambda t: ((HasIndicator(weight=Bound(">", Decimal(20), "%")),), ()), 3, "350"),
    ("an indicator by its exact name", lambda t: ((HasIndicator(exact="患者满意度"),), ()), 1, "50"),
    ("a description is settled before compiling", lambda t: ((Describes("环境整治"),), ()), 10, "810"),
    ("a figure filter does not narrow funds", lambda t: ((FigureIs((), "三公经费"),), ()), 10, "810"),
    ("a department left out", lambda t: ((), (t.depts("B"),)), 7, "430"),
    ("a group left out", lambda t: ((), (t.group("C", "D"),)), 6, "560"),
    ("a fund left out of its department", lambda t: ((t.depts("B"),), (t.funds("城管甲专项"),)), 2, "180"),
    ("a bound, a department left out", lambda t: ((_amount(">=", 50),), (t.depts("A"),)), 5, "600"),
]


@pytest.mark.parametrize(("make", "count", "total"), [pytest.param(*c[1:], id=c[0]) for c in FILTER_CASES])
def test_each_filter_type_narrows_the_funds(lite, make, count, total):
    filters, exclusions = make(lite)
    got = totals(lite, funds_query(lite, *filters, exclusions=exclusions))
    assert got == (count, None if total is None else D(total))


def test_the_rows_qualifying_by_an_indicator_cite_that_indicator(lite):
    """The evidence statement gives, for each fund in scope, the indicator rows that made it qualify."""
    result = run(lite, funds_query(lite, HasIndicator(words=("满意度",), core=True)))
    cited = {(r["fund_id"]) for r in result["evidence"]}
    assert cited == {lite.fund["卫生甲专项"], lite.fund["城管甲专项"]}
    assert len(result["evidence"]) == 2 and all(r["source_row_id"] for r in result["evidence"])


def test_attributes_bring_every_printed_form(lite):
    """A fund whose form is printed twice has both forms, so both can be cited; a fund without a form
    has none."""
    scope = lite.funds("城管甲专项", "卫生丙专项")
    result = run(lite, funds_query(lite, scope, outputs=(Output("contact"),)))
    forms = result["forms"]
    assert [f["fund_id"] for f in forms] == [lite.fund["城管甲专项"]] * 2
    assert [f["is_repeat"] for f in forms] == [False, True] and {f["contact"] for f in forms} == {"李四"}


# ----- funds: rankings, ties, positions, medians -----------------------------------------------------

@BOTH_DATABASES
@pytest.mark.parametrize(("order", "names"), [
    (Order(desc=True, limit=1), ["城管甲专项"]),
    # a tie at the third place: both funds at 100 are shown
    (Order(desc=True, limit=3), ["城管甲专项", "乙街道环境专项", "卫生甲专项", "城管丙专项"]),
    (Order(desc=False, limit=2), ["乙街道社区专项", "甲镇招商专项"]),
    (Order(desc=False, limit=4),
     ["乙街道社区专项", "甲镇招商专项", "卫生丙专项", "卫生乙专项", "甲镇环境专项"]),
    (Order(desc=True, offset=2, limit=1), ["卫生甲专项"]),  # third place: the tie goes by catalog number
    (Order(desc=False, offset=1, limit=1), ["甲镇招商专项"]),
])
def test_fund_rankings_keep_ties_with_the_last_place(db, request, order, names):
    tiny = request.getfixturevalue(db)
    result = run(tiny, funds_query(tiny, order=order, outputs=(Output(AMOUNT),)))
    assert sorted(r["name"] for r in result["rows"]) == sorted(names)
    amounts = [r["amount"] for r in result["rows"]]
    assert amounts == sorted(amounts, reverse=order.desc)


@BOTH_DATABASES
@pytest.mark.parametrize(("fund", "position"), [("城管甲专项", 1), ("卫生甲专项", 3), ("城管丙专项", 3),
                                                ("城管乙专项", 5), ("乙街道社区专项", 10)])
def test_a_funds_position_is_its_rank_among_all_funds(db, request, fund, position):
    """RANK over the whole scope, then the fund named: tied funds share a place and the next is skipped."""
    tiny = request.getfixturevalue(db)
    query = funds_query(tiny, tiny.funds(fund), order=Order(position_of=True), outputs=(Output(AMOUNT),))
    ranked = run(tiny, query)["ranked"]
    assert [(r["name"], r["position"], r["out_of"]) for r in ranked] == [(fund, position, 10)]


def test_a_position_within_a_department(lite):
    query = funds_query(lite, lite.depts("B"), lite.funds("城管丙专项"), order=Order(position_of=True))
    assert [(r["position"], r["out_of"]) for r in run(lite, query)["ranked"]] == [(2, 3)]


@BOTH_DATABASES
@pytest.mark.parametrize(("filters", "basis", "median"), [
    ((), "catalog", "65"),  # 10 20 30 50 50 | 80 100 100 170 200: (50+80)/2
    ((), FORM, "70"),  # 10 20 30 50.04 60 | 80 100 100 170 200: (60+80)/2
    (("A",), "catalog", "50"),  # 30 50 100
    (("C",), "catalog", "35"),  # 20 50
    (("B",), "catalog", "100"),  # 80 100 200
])
def test_the_median_is_the_middle_value_or_the_mean_of_the_middle_two(db, request, filters, basis, median):
    tiny = request.getfixturevalue(db)
    extra = (tiny.depts(*filters),) if filters else ()
    result = run(tiny, funds_query(tiny, *extra, basis=basis, outputs=(Output(AMOUNT, MEDIAN),)))
    assert money(result["median"][0]["median"]) == D(median)


@BOTH_DATABASES
def test_funds_ranked_by_their_number_of_indicators(db, request):
    """Counted on each fund's own form (城管甲's second printing has none of its own to add)."""
    tiny = request.getfixturevalue(db)
    query = funds_query(tiny, order=Order(desc=True, limit=2), outputs=(Output(INDICATOR_COUNT),))
    rows = run(tiny, query)["rows"]
    assert [(r["name"], r["indicators"]) for r in rows] == [("卫生甲专项", 3), ("城管甲专项", 2)]


# ----- departments: grouped, HAVING, rankings with ties, positions --------------------------------------

TOTAL = (Output(AMOUNT, SUM),)


def dept_query(tiny: Tiny, *filters, outputs=TOTAL, order=None, having=(), **kw) -> Query:
    return Query(over=DEPARTMENTS, outputs=outputs, filters=filters, order=order, having=having,
                 group_by_department=True, year=2024, **kw)


@BOTH_DATABASES
@pytest.mark.parametrize(("outputs", "order", "want"), [
    ((Output(AMOUNT, SUM),), Order(desc=True, limit=1), {"测试区城管局": "380"}),
    ((Output(AMOUNT, SUM),), Order(desc=True, limit=2), {"测试区城管局": "380", "测试区卫生局": "180",
                                                          "测试区乙街道办事处": "180"}),  # a tie at second
    ((Output(AMOUNT, SUM),), Order(desc=False, limit=1), {"测试区甲镇人民政府": "70"}),
    ((Output(AMOUNT, AVG),), Order(desc=True, limit=1), {"测试区城管局": "380"}),  # average 126.67
    ((Output(AMOUNT, AVG),), Order(desc=False, limit=1), {"测试区甲镇人民政府": "70"}),  # average 35
    # by number of funds: 3 each
    ((Output(COUNT),), Order(desc=True, limit=1), {"测试区卫生局": "180", "测试区城管局": "380"}),
])
def test_departments_ranked_by_their_funds(db, request, outputs, order, want):
    tiny = request.getfixturevalue(db)
    rows = run(tiny, dept_query(tiny, outputs=outputs, order=order))["rows"]
    assert {r["department"]: money(r["sum"]) for r in rows} == {k: D(v) for k, v in want.items()}


@BOTH_DATABASES
@pytest.mark.parametrize(("having", "departments"), [
    (Having(CNT, Bound("=", Decimal(2), "个")), {"测试区甲镇人民政府", "测试区乙街道办事处"}),
    (Having(CNT, Bound(">=", Decimal(3), "个")), {"测试区卫生局", "测试区城管局"}),
    (Having(SUM, Bound(">", Decimal(150))), {"测试区卫生局", "测试区城管局", "测试区乙街道办事处"}),
    (Having(SUM, Bound("<=", Decimal(180))), {"测试区卫生局", "测试区甲镇人民政府", "测试区乙街道办事处"}),
])
def test_conditions_on_each_departments_funds_taken_together(db, request, having, departments):
    tiny = request.getfixturevalue(db)
    result = run(tiny, dept_query(tiny, outputs=(Output(COUNT, CNT),), having=(having,), order=Order()))
    assert {r["department"] for r in result["rows"]} == departments
    assert result["totals"][0]["count"] == len(departments)


def test_having_combines_with_a_group_and_a_bound_on_each_fund(lite):
    """In 镇街, funds of at least 20: 甲镇 50+20, 乙街道 170 (its 10 is out); more than 100 in all:
    乙街道 only."""
    query = dept_query(lite, lite.group("C", "D"), AmountIs(Bound(">=", Decimal(20))),
                       having=(Having(SUM, Bound(">", Decimal(100))),), order=Order())
    rows = run(lite, query)["rows"]
    got = [(r["department"], r["count"], money(r["sum"])) for r in rows]
    assert got == [("测试区乙街道办事处", 1, D("170"))]


@BOTH_DATABASES
@pytest.mark.parametrize(("named", "group", "position", "out_of"), [
    ("B", None, 1, 4), ("A", None, 2, 4), ("D", None, 2, 4), ("C", None, 4, 4),
    ("C", ("C", "D"), 2, 2),  # within 镇街
])
def test_a_departments_position_among_departments(db, request, named, group, position, out_of):
    tiny = request.getfixturevalue(db)
    filters = (tiny.depts(named),) + ((tiny.group(*group, asked=True),) if group else ())
    ranked = run(tiny, dept_query(tiny, *filters, order=Order(position_of=True)))["ranked"]
    assert [(r["department_id"], r["position"], r["out_of"]) for r in ranked] == [
        (tiny.dept[named], position, out_of)]


@BOTH_DATABASES
def test_the_whole_ranking_comes_with_its_first_places(db, request):
    """For the table and the chart: every department in order (180 tied: by name, 乙 before 卫)."""
    tiny = request.getfixturevalue(db)
    result = run(tiny, dept_query(tiny, order=Order(desc=True, limit=1)))
    assert [r["department"] for r in result["rows"]] == ["测试区城管局"]
    assert [(r["department"], money(r["sum"])) for r in result["ranking"]] == [
        ("测试区城管局", D("380")), ("测试区乙街道办事处", D("180")), ("测试区卫生局", D("180")),
        ("测试区甲镇人民政府", D("70"))]


def test_the_members_of_each_department_are_listed_for_citing(lite):
    result = run(lite, dept_query(lite, lite.group("C", "D"), order=Order(desc=True, limit=1)))
    assert [r["department"] for r in result["rows"]] == ["测试区乙街道办事处"]
    assert [money(r["amount"]) for r in result["members"]] == [D("170"), D("50"), D("20"), D("10")]


# ----- indicators ----------------------------------------------------------------------------------

LISTED = (Output("indicators"),)


def indicator_query(*filters, outputs=LISTED, order=None) -> Query:
    return Query(over=INDICATORS, outputs=outputs, filters=filters, order=order, year=2024)


@BOTH_DATABASES
@pytest.mark.parametrize(("filters", "outputs", "order", "want"), [
    ((HasIndicator(words=("合格率",)),), (Output(WEIGHT),), Order(desc=True, limit=1),
     [("环境卫生合格率", 40)]),
    ((HasIndicator(),), (Output(WEIGHT),), Order(desc=True, limit=1), [("环境卫生合格率", 40)]),
    # the lightest: a tie at 10, and the qualitative indicator without a weight is not ranked
    ((HasIndicator(),), (Output(WEIGHT),), Order(desc=False, limit=1),
     [("群众满意度", 10), ("群众满意度", 10)]),
    ((HasIndicator(value=Bound(">=", Decimal(95), "%"), core=True),), (Output("target"),),
     Order(desc=True, limit=1), [("服务人次", 30)]),
    ((HasIndicator(words=("满意度",)),), (Output("target"),), Order(desc=False, limit=1),
     [("群众满意度", 10)]),
])
def test_indicators_ranked_by_weight_or_target(db, request, filters, outputs, order, want):
    tiny = request.getfixturevalue(db)
    rows = run(tiny, indicator_query(*filters, outputs=outputs, order=order))["rows"]
    assert sorted((r["indicator"], int(r["weight"])) for r in rows) == sorted(want)


@pytest.mark.parametrize(("filters", "count", "funds"), [
    ((HasIndicator(core=True),), 5, 3),
    ((HasIndicator(words=("满意度",)),), 4, 4),
    ((HasIndicator(weight=Bound(">=", Decimal(20), "%")),), 5, 4),
    ((HasIndicator(value=Bound("<", Decimal(95), "%")),), 2, 2),  # 90 and 85; the text value is no number
    ((HasIndicator(exact="群众满意度", core=False),), 1, 1),
])
def test_indicators_counted_with_their_funds(lite, filters, count, funds):
    result = run(lite, indicator_query(*filters, outputs=(Output(COUNT, CNT),)))
    assert (result["totals"][0]["count"], result["totals"][0]["funds"]) == (count, funds)


def test_a_funds_indicators_in_form_order(lite):
    rows = run(lite, indicator_query(lite.funds("卫生甲专项"), HasIndicator()))["rows"]
    assert [r["indicator"] for r in rows] == ["群众满意度", "资金到位率", "服务人次"]
    assert [r["is_core"] for r in rows] == [True, False, True]


def test_indicators_of_a_department_and_a_year(lite):
    """A's funds' indicators in 2024 (4 rows); 2023's forms carry none."""
    assert len(run(lite, indicator_query(lite.depts("A"), HasIndicator()))["rows"]) == 4
    query = Query(over=INDICATORS, outputs=(Output("indicators"),), filters=(HasIndicator(),), year=2023)
    assert run(lite, query)["rows"] == []


# ----- contacts ------------------------------------------------------------------------------------

@BOTH_DATABASES
@pytest.mark.parametrize(("filters", "order", "want"), [
    ((), Order(desc=True, limit=1), {"李四": 3}),  # 城管甲's form printed twice counts once
    ((), Order(desc=True, limit=2), {"李四": 3, "张三": 2, "王五": 2, "赵六": 2}),
    (("C", "D"), Order(desc=True, limit=1), {"王五": 2, "赵六": 2}),
    (("A",), Order(desc=False, limit=1), {"张三": 2}),  # 卫生丙 has no form, so no contact
])
def test_contacts_ranked_by_the_funds_naming_them(db, request, filters, order, want):
    tiny = request.getfixturevalue(db)
    query = Query(over=CONTACTS, outputs=(Output(COUNT, CNT),), order=order, year=2024,
                  filters=(tiny.group(*filters),) if filters else ())
    result = run(tiny, query)
    assert {r["contact"]: r["count"] for r in result["rows"]} == want
    assert {r["contact"] for r in result["members"]} >= set(want)


# ----- department-budget figures ----------------------------------------------------------------------

GENERAL = FigureKey("line", 3, "201", "一般公共服务支出", "总计")
TOTAL_3 = FigureKey("line", 3, None, "合计", "总计")
BASIC = FigureKey("line", 3, None, "", "基本支出")  # a whole column: every coded subject in it
GENERAL_5 = FigureKey("line", 5, "201", "一般公共服务支出", "预算数/小计")
GENERAL_5_BEFORE = FigureKey("line", 5, "201", "一般公共服务支出", "预算数")
SANGONG_TOTAL = FigureKey("fact", topic=SANGONG, item="“三公”经费预算")
RUNNING = FigureKey("fact", topic="机关运行经费", item="一般公共预算财政拨款运行经费")


def figure_query(tiny: Tiny, keys, depts=("A",), years=(2024,), derived=None) -> Query:
    filters = (tiny.depts(*depts), FigureIs(tuple(keys), ""))
    return Query(over=FIGURES, outputs=(Output("figure"),), filters=filters, year=years[-1], years=years,
                 derived=derived)


def figures(tiny: Tiny, query: Query) -> dict[str, list[dict]]:
    with Session(tiny.engine) as session:
        runner = Runner(session)
        return {role: runner.rows(stmt) for role, stmt in figure_statements(query).items()}


@pytest.mark.parametrize(("keys", "depts", "years", "derived", "lines", "facts"), [
    ((GENERAL,), ("A",), (2024,), None, ["200"], []),
    ((GENERAL,), ("A", "B"), (2024,), None, ["200", "500"], []),  # each department's disclosure
    ((TOTAL_3,), ("A",), (2024,), None, ["300"], []),  # the total line has no code
    ((BASIC,), ("A",), (2024,), None, ["150", "120", "30"], []),
    ((GENERAL_5, GENERAL_5_BEFORE), ("A",), (2024,), None, ["200"], []),
    ((GENERAL_5, GENERAL_5_BEFORE), ("A",), (2023,), None, ["190"], []),
    ((GENERAL_5, GENERAL_5_BEFORE), ("A",), (2024,), Derived("change", base_year=2023), ["190", "200"], []),
    ((SANGONG_TOTAL, GENERAL), ("A",), (2024,), None, ["200"], ["10.5"]),
    ((SANGONG_TOTAL, RUNNING), ("A",), (2024,), None, [], ["10.5", "50"]),
    ((SANGONG_TOTAL,), ("B",), (2024,), None, [], []),  # B's disclosure states no such item
])
def test_figures_are_the_lines_and_items_of_the_keys_asked(lite, keys, depts, years, derived, lines, facts):
    got = figures(lite, figure_query(lite, keys, depts, years, derived))
    assert sorted(money(r["amount"]) for r in got.get("lines", [])) == sorted(D(x) for x in lines)
    assert sorted(money(r["amount"]) for r in got.get("facts", [])) == sorted(D(x) for x in facts)
    roles = {"lines" if k.source == "line" else "facts" for k in keys}
    assert set(got) == roles


@BOTH_DATABASES
@pytest.mark.parametrize(("with_fact", "desc", "want"), [
    (False, True, [("B", "500"), ("A", "200")]),
    (False, False, [("A", "200"), ("B", "500")]),
    (True, True, [("B", "500"), ("A", "200"), ("A", "10.5")]),
])
def test_departments_ranked_by_their_chosen_figures(db, request, with_fact, desc, want):
    tiny = request.getfixturevalue(db)
    lines = figures(tiny, figure_query(tiny, (GENERAL,), depts=("A", "B")))["lines"]
    facts = figures(tiny, figure_query(tiny, (SANGONG_TOTAL,)))["facts"] if with_fact else []
    got = rows_of(tiny, ranked_figures([r["line_id"] for r in lines], [f["fact_id"] for f in facts], desc))
    label = {v: k for k, v in tiny.dept.items()}
    assert [(label[r["department_id"]], money(r["amount"])) for r in got] == [(d, D(a)) for d, a in want]
    assert all(r["source_row_id"] for r in got)


def _line(tiny: Tiny, key: FigureKey, year: int = 2024) -> dict:
    return figures(tiny, figure_query(tiny, (key,), years=(year,)))["lines"][0]


@BOTH_DATABASES
def test_sum_of_chosen_lines_and_items_is_added_by_sql(db, request):
    tiny = request.getfixturevalue(db)
    general = _line(tiny, GENERAL)["line_id"]
    facts = figures(tiny, figure_query(tiny, (SANGONG_TOTAL, RUNNING)))["facts"]
    by_item = {f["item"]: f["fact_id"] for f in facts}
    assert money(rows_of(tiny, sum_of([general], [by_item[RUNNING.item]]))[0]["sum"]) == D("250")
    assert money(rows_of(tiny, sum_of([], list(by_item.values())))[0]["sum"]) == D("60.5")
    assert money(rows_of(tiny, sum_of([general], []))[0]["sum"]) == D("200")


@pytest.mark.parametrize(("key", "leaves", "level", "children"), [
    (GENERAL, False, 5, {"政府办公厅事务": "200"}),
    (GENERAL, True, 7, {"行政运行": "120", "一般行政管理事务": "80"}),
    (TOTAL_3, False, 3, {"一般公共服务支出": "200", "社会保障和就业支出": "100"}),
    (TOTAL_3, True, 7,
     {"行政运行": "120", "一般行政管理事务": "80", "行政单位离退休": "60", "基本养老保险缴费": "40"}),
])
def test_subjects_under_a_line_in_its_table_column_and_year(lite, key, leaves, level, children):
    parent = _line(lite, key)
    assert rows_of(lite, child_level(parent, leaves=leaves))[0]["level"] == level
    got = rows_of(lite, children_of(parent, level))
    assert {r["subject"]: money(r["amount"]) for r in got} == {k: D(v) for k, v in children.items()}
    assert [r["amount"] for r in got] == sorted((r["amount"] for r in got), reverse=True)


def test_a_leaf_has_no_level_below(lite):
    leaf = _line(lite, FigureKey("line", 3, "2010301", "行政运行", "总计"))
    assert rows_of(lite, child_level(leaf))[0]["level"] is None


@BOTH_DATABASES
@pytest.mark.parametrize(("order", "want"), [
    (Order(desc=True, limit=1), [("行政运行", "120", "100", "20")]),
    (Order(desc=False, limit=1), [("一般行政管理事务", "80", "90", "-10")]),
    (None, [("行政运行", "120", "100", "20"), ("一般行政管理事务", "80", "90", "-10")]),
])
def test_changes_of_the_subjects_under_a_line_against_the_base_year(db, request, order, want):
    tiny = request.getfixturevalue(db)
    parent = _line(tiny, GENERAL_5)
    listed = changes_of(parent, 7, 2023).subquery("listed")
    got = rows_of(tiny, ranked_rows(listed, listed.c.change, order, listed.c.line_id))
    assert [(r["subject"], money(r["amount"]), money(r["before"]), money(r["change"])) for r in got] == [
        (s, D(a), D(b), D(c)) for s, a, b, c in want]
    assert all(r["before_row_id"] for r in got)


def test_the_parts_of_a_narrative_figure_add_up_to_it(lite):
    parent = dict(figures(lite, figure_query(lite, (SANGONG_TOTAL,)))["facts"][0])
    parts = rows_of(lite, parts_of_fact(parent))
    assert {r["item"]: money(r["amount"]) for r in parts} == {
        "因公出国（境）费用": D("0"), "公务接待费": D("2.5"), "公务用车运行维护费": D("8")}
    assert sum(r["amount"] for r in parts) == parent["amount"]


def test_statements_only_read_primary_documents(lite):
    """The rendition's copies of 卫生甲 and 卫生乙 are never rows of an answer."""
    rows = run(lite, funds_query(lite, lite.funds("卫生甲专项")))["rows"]
    with Session(lite.engine) as s:
        copies = s.scalars(select(m.Fund.id).where(m.Fund.name == "卫生甲专项")).all()
    assert len(copies) == 3 and [r["fund_id"] for r in rows] == [lite.fund["卫生甲专项"]]
