"""End to end on the two sample text files: questions as staff ask them → answers, figures, sources.

Each expected figure is computed here from the raw text export (a small parse of
the catalog lines, the forms and the department budget's narrative and tables),
never from project code, so a wrong SQL aggregate cannot agree with itself.  An
answer must state the figure, cite a source row holding each figure it rests on
as the file writes it, say what it computed (the restatement) and carry the
understood query in its JSON.  Refusals and words not understood must give no
figure.  Answers come from the embedded engine without a vector index.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES

from assistant.conversation import Conversation

from .conftest import everyday_name

CENT = Decimal("0.005")
TOWNS = ("镇人民政府", "街道办事处")


def clean(line: str) -> str:
    return re.sub(r"<[^>]+>", "", line)


@dataclass(frozen=True)
class Entry:
    """One catalog line: number, fund, department code and full name, the amount as written."""

    seq: int
    name: str
    code: str
    dept: str
    text: str

    @property
    def amount(self) -> Decimal:
        return Decimal(self.text.replace(",", ""))


@dataclass
class Form:
    """One 绩效目标表 as the text export prints it."""

    seq: int
    name: str = ""
    budget: str = ""
    overview: str = ""
    contact: str = ""
    phone: str = ""
    core: list[str] = field(default_factory=list)


def catalog() -> list[Entry]:
    out = []
    for line in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines():
        cells = clean(line).split("\t")
        if len(cells) == 4 and cells[0].isdigit() and re.match(r"\d{3}-", cells[2]):
            out.append(Entry(int(cells[0]), cells[1], cells[2][:3], cells[2][4:], cells[3]))
    return out


def forms() -> list[Form]:
    out: list[Form] = []
    indicators = False
    for raw in (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines():
        line = clean(raw)
        cells = [c.strip() for c in line.split("\t")]
        if line.startswith("序号："):
            out.append(Form(int(line.removeprefix("序号：").strip())))
            indicators = False
        elif not out:
            continue
        elif cells[0] == "项目名称":
            out[-1].name = cells[1]
        elif cells[0] == "2024年预算":
            out[-1].budget = cells[1]
        elif cells[0] == "项目概况":
            out[-1].overview = cells[1]
        elif cells[0] == "绩效指标":
            indicators = True
        elif line.startswith("联系人："):
            out[-1].contact = line.removeprefix("联系人：").strip()
            indicators = False
        elif line.startswith("联系电话："):
            out[-1].phone = line.removeprefix("联系电话：").strip()
        elif indicators and len([c for c in cells if c]) >= 3:
            named = [c for c in cells if c]
            if named[-1] == "是":
                out[-1].core.append(named[0])
    return out


def department_text() -> str:
    return (SAMPLES / DEPT_TXT).read_text(encoding="utf-8")


def stated(pattern: str) -> re.Match:
    match = re.search(pattern, department_text())
    assert match, pattern
    return match


def subject_lines(code: str) -> list[str]:
    """The amounts (as written, first amount column) of a subject code in every table of the disclosure."""
    return [line.split("\t")[2] for line in department_text().splitlines() if line.startswith(f"{code}\t")]


CATALOG = catalog()
FORMS = forms()


def by_code(code: str) -> list[Entry]:
    return [e for e in CATALOG if e.code == code]


def dept_totals() -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for e in CATALOG:
        totals[e.code] += e.amount
    return totals


def form_of(name: str) -> Form:
    return next(f for f in FORMS if f.name == name)


def total(entries) -> Decimal:
    return sum((e.amount for e in entries), Decimal(0))


def numbers(text: str) -> set[Decimal]:
    return {Decimal(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


# ----- the questions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A question, the figures its answer must state, the source figures (as written) it must cite, and
    words that must appear in the answer."""

    question: str
    figures: tuple[Decimal, ...] = ()
    sources: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    near: tuple[Decimal, ...] = ()  # derived figures, stated to the cent
    bug: str = ""  # why the engine answers it wrong today (an expected failure)


def lookup(question: str, seq: int) -> Case:
    entry = CATALOG[seq - 1]
    return Case(question, (entry.amount,), (entry.text,), (entry.name,))


def department(question: str, code: str, count: bool = False, words: tuple[str, ...] = ()) -> Case:
    entries = by_code(code)
    figures = (total(entries), *((Decimal(len(entries)),) if count else ()))
    return Case(question, figures, tuple(e.text for e in entries), words)


def _cases() -> list[Case]:
    towns = [e for e in CATALOG if e.dept.endswith(TOWNS)]
    district = sorted(e.amount for e in CATALOG if not e.dept.endswith(TOWNS))
    totals = dept_totals()
    everything = total(CATALOG)
    ranked = sorted(CATALOG, key=lambda e: e.amount, reverse=True)
    third_smallest = sorted(e.amount for e in CATALOG)[2]
    transport_place = 1 + sum(1 for v in totals.values() if v > totals["335"])
    largest = max(totals, key=totals.get)
    two_fund_codes = [c for c, n in Counter(e.code for e in CATALOG).items() if n == 1]
    forest = next(e for e in CATALOG if e.name == "林业资源管理专项")
    differ = [e for e in CATALOG for f in FORMS if f.seq == e.seq and f.name == e.name and f.budget
              and abs(Decimal(f.budget) - e.amount) > Decimal("0.05")]
    disabled = form_of("残疾事业服务专项")
    office = form_of("办公用房管理专项")
    medical = form_of("医保惠民补助专项")
    chen = [f.name for f in FORMS if f.contact == "陈虹宇"]
    sangong = stated(r"(\d{4})年“三公”经费预算([\d.]+)万元，比(\d{4})年(减少|增加)([\d.]+)万元")
    running = stated(r"(\d{4})年一般公共预算财政拨款运行经费([\d.]+)万元，比(\d{4})年(减少|增加)([\d.]+)万元")
    car = stated(r"公务用车运行维护费([\d.]+)万元")
    transit = next(e for e in CATALOG if e.name == "交通惠民服务专项")
    facilities = next(e for e in CATALOG if e.name == "交通设施建设专项")
    health, city, disabled_total = totals["733"], totals["336"], totals["751"]
    def texts(entries) -> tuple[str, ...]:
        return tuple(e.text for e in entries)

    over_1000 = [e for e in CATALOG if e.amount > 1000]
    middle_fund = sorted(CATALOG, key=lambda e: e.amount)[len(CATALOG) // 2]  # 85 funds: one middle
    middle = [e for e in CATALOG if 500 <= e.amount <= 1000]
    smallest = [e for e in CATALOG if e.amount <= third_smallest]
    single = [e for e in CATALOG if e.code in two_fund_codes]
    housing, running_cost = subject_lines("30113")[0], subject_lines("2010301")[0]
    basic = Decimal(stated(r"其中：基本支出 ([\d.]+) 万元")[1])
    spent = stated(r"一般公共预算财政拨款支出 (?P<now>[\d.]+) 万元，"
                   r"比 2023 年(?P<way>减少|增加) (?P<gap>[\d.]+) 万元")
    spent_2023 = Decimal(spent["now"]) + (1 if spent["way"] == "减少" else -1) * Decimal(spent["gap"])
    assert disabled.core and chen and differ and medical.overview and len(smallest) > 3
    return [
        lookup("农业生产发展专项今年预算多少？", 69),
        lookup("办公用房管理专项安排了多少钱", 36),
        lookup("评审会上要核对交通局的情况，交通惠民服务专项报了多少？", 49),
        lookup("科普服务专项的预算金额", 57),
        department("残联的两个专项一共多少钱？", "751"),
        department("卫健局有几个专项，合计多少？", "733", count=True),
        department("请把人社局的专项加一加，总额多少", "732"),
        Case("镇街的专项总额是多少？", (total(towns),)),
        Case("农林局专项平均每个多少钱？", sources=texts(by_code("632")),
             near=(total(by_code("632")) / len(by_code("632")),)),
        Case("区级部门专项的中位数是多少", (district[len(district) // 2],)),
        Case("全部专项金额的中位数", (middle_fund.amount,), (middle_fund.text,)),  # cites the middle line
        Case("超过1000万元的专项有几个？", (Decimal(len(over_1000)),), texts(over_1000)),
        Case("500万到1000万之间的专项有哪些", sources=texts(middle), words=tuple(e.name for e in middle)),
        Case("不含镇街，专项合计多少？", (everything - total(towns),)),
        Case("除了卫健局和城管局，其他部门的专项合计多少？", (everything - health - city,)),
        Case("哪个部门的专项预算最多？", (totals[largest],), texts(by_code(largest)),
             (by_code(largest)[0].dept[-5:],)),
        Case("预算金额第二大的专项是哪个", (ranked[1].amount,), (ranked[1].text,), (ranked[1].name,)),
        Case("专项预算最少的三个专项是哪些",  # a tie at the third place: every fund at that amount
             sources=texts(smallest), words=tuple(e.name for e in smallest)),
        Case("交通局的专项总额在全部部门中排第几", (Decimal(transport_place), totals["335"]),
             texts(by_code("335"))),
        Case("只有一个专项的部门有多少个", (Decimal(len(two_fund_codes)),), texts(single)),
        Case("专项合计超过2000万元的部门有几个", (Decimal(sum(1 for v in totals.values() if v > 2000)),)),
        Case("卫健局专项占全部专项的比重是多少", (health, everything), texts(by_code("733")),
             near=(100 * health / everything,)),
        Case("城管专项是残联的几倍", (city, disabled_total), texts(by_code("336") + by_code("751")),
             near=(city / disabled_total,)),
        Case("交通惠民服务专项比交通设施建设专项多多少", (transit.amount - facilities.amount,),
             (transit.text, facilities.text)),
        Case("残疾事业服务专项的核心指标有哪些？", sources=tuple(disabled.core), words=tuple(disabled.core)),
        Case("办公用房管理专项的联系人和联系电话是什么", sources=(office.contact, office.phone),
             words=(office.contact, office.phone)),
        Case("医保惠民补助专项的项目概况", sources=(medical.overview[:20],), words=(medical.overview[:20],)),
        Case("陈虹宇负责哪几个专项", sources=("陈虹宇",), words=tuple(chen),
             bug="funds found by their contact do not cite the form row naming the contact "
                 "(funds found by an indicator do cite theirs)"),
        Case("林业资源管理专项目录和绩效目标表的金额一致吗",
             (forest.amount, Decimal(form_of(forest.name).budget)),
             (forest.text, form_of(forest.name).budget)),
        Case("目录与绩效目标表金额不一致的专项有哪些", sources=texts(differ),
             words=tuple(e.name for e in differ)),
        Case("办公室的三公经费是多少", (Decimal(sangong[2]),), (f"经费预算{sangong[2]}万元",)),
        Case("办公室三公经费比上年减少了多少", (Decimal(sangong[5]),), (f"{sangong[4]}{sangong[5]}万元",),
             ("减少",)),
        Case("机关运行经费比2023年变化了多少", (Decimal(running[2]), Decimal(running[5])),
             (f"运行经费{running[2]}万元", f"{running[4]}{running[5]}万元")),
        Case("办公室住房公积金预算是多少", (Decimal(housing),), (housing,)),
        Case("公务用车运行维护费是多少", (Decimal(car[1]),), (f"运行维护费{car[1]}万元",)),
        Case("办公室今年的基本支出是多少", (basic,), (f"{basic:,}",)),
        Case("2023年办公室的一般公共预算财政拨款支出是多少",  # not stated: this year's figure and its change
             (spent_2023,), (spent["now"], spent["gap"])),
        Case("2010301行政运行今年预算多少", (Decimal(running_cost),), (running_cost,)),
    ]


CASES = _cases()


@pytest.fixture(scope="module")
def ask(sample_engine):
    def run(question: str, conversation: Conversation | None = None):
        return sample_engine.ask(question, conversation if conversation is not None else Conversation())

    return run


def assert_answered(answer, case: Case) -> None:
    said = numbers(answer.text)
    for figure in case.figures:
        assert figure in said, f"{figure} not in {answer.text}"
    for figure in case.near:
        assert any(abs(n - figure) <= CENT for n in said), f"{figure:.4f} not in {answer.text}"
    for word in case.words:
        assert word in answer.text, f"{word} not in {answer.text}"
    for source in case.sources:
        assert any(source in c.text for c in answer.citations), f"no citation holds {source}"
    assert answer.understood and answer.citations and answer.restatement
    data = answer.to_json()
    assert data["query"] and data["query"]["parts"] and data["restatement"] == answer.restatement


@pytest.mark.parametrize("case", [
    pytest.param(c, id=f"{i:02d}", marks=[pytest.mark.xfail(reason=c.bug, strict=True)] if c.bug else [])
    for i, c in enumerate(CASES)])
def test_answer_states_the_figures_and_cites_their_rows(ask, case):
    assert_answered(ask(case.question), case)


def test_a_total_over_the_tables_a_subject_appears_in(ask):
    basic, project = subject_lines("30211")[:2]
    case = Case("办公室的差旅费合计是多少", (Decimal(basic) + Decimal(project),), (basic, project))
    assert_answered(ask(case.question), case)


def test_the_examples_cover_the_operations_and_both_documents():
    """Guards the table against shrinking into a few easy questions."""
    assert len(CASES) >= 35 and len(CATALOG) == 85 and len(FORMS) == 85
    assert sum(1 for c in CASES if "办公室" in c.question or "经费" in c.question) >= 4


# ----- what is not answered ---------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "must", "forbid"), [
    ("教育局2021年的专项预算是多少", ("2024年", "2021年"), {total(by_code("431"))}),
    ("人社局前年的专项合计多少", ("2024年", "2022年"), {total(by_code("732"))}),
    ("办公室2021年的三公经费是多少", ("2023年、2024年", "2021年"), {Decimal("44.8")}),
    ("农林局专项的决算是多少", ("决算",), {total(by_code("632"))}),
    ("卫健局专项执行进度怎么样", ("执行",), {total(by_code("733"))}),
    ("教育局今年的机关运行经费是多少", ("管理委员会办公室",), {Decimal(171)}),
])
def test_what_the_store_does_not_hold_is_refused_with_what_it_holds(ask, question, must, forbid):
    answer = ask(question)
    assert all(word in answer.text for word in must), answer.text
    assert not numbers(answer.text) & forbid, answer.text
    assert answer.to_json()["query"]["refusal"]


@pytest.mark.parametrize(("question", "word", "forbid"), [
    ("教育局专项的碳排放强度是多少", "碳", {total(by_code("431")), Decimal("4510.0")}),
    ("卫健局专项的人均经费是多少", "人均", {total(by_code("733"))}),
    ("农林局的专项里哪个人均补助最高", "人均", {Decimal("5763.0")}),
])
def test_a_word_not_understood_gets_no_figure(ask, question, word, forbid):
    answer = ask(question)
    assert answer.understood is False
    assert any(word in w for w in answer.unknown), answer.unknown
    assert not numbers(answer.text) & forbid, answer.text


# ----- follow-ups ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "then", "code", "figure"), [
    ("农林局有几个专项？", "那它们一共多少钱？", "632", "sum"),
    ("卫健局专项合计多少？", "那平均每个多少？", "733", "avg"),
    ("残联有几个专项？", "这些专项加起来多少", "751", "sum"),
])
def test_a_follow_up_works_on_the_previous_answer(ask, first, then, code, figure):
    conversation = Conversation()
    ask(first, conversation)
    answer = ask(then, conversation)
    entries = by_code(code)
    want = total(entries) if figure == "sum" else total(entries) / len(entries)
    assert any(abs(n - want) <= CENT for n in numbers(answer.text)), answer.text
    assert answer.restatement and all(any(e.text in c.text for c in answer.citations) for e in entries)


# ----- the generated library: changes against last year -------------------------------------------------

@pytest.mark.parametrize("question", ["{F1}比上年增加了多少", "{D1}专项合计比去年增加了多少"])
def test_a_change_of_funds_against_last_year(library, library_engine, question):
    names = library.names
    by_year = {d["year"]: d["funds"] for d in library.manifest["documents"] if d["kind"] == "special_funds"}
    dept = next(f["dept_name"] for f in by_year[2024] if f["name"] == names["F1"])

    def amount(year: int) -> Decimal:
        if "{F1}" in question:
            chosen = [f for f in by_year[year] if f["name"] == names["F1"]]
        else:
            chosen = [f for f in by_year[year] if f["dept_name"] == dept]
        return sum((Decimal(f["catalog_amount"].replace(",", "")) for f in chosen), Decimal(0))

    answer = library_engine.ask(question.format(**names), Conversation())
    assert abs(amount(2024) - amount(2023)) in numbers(answer.text), answer.text


def test_departments_ranked_by_a_department_budget_figure(library, library_engine):
    """The disclosing departments of the generated library ranked by their 三公经费 (from the manifest)."""
    disclosed = [d for d in library.manifest["documents"] if d["kind"] == "dept_budget" and d["year"] == 2024]
    amounts = {d["dept_name"]: Decimal(d["sangong"]["total"]["amount"]) for d in disclosed}
    top = max(amounts.values())
    answer = library_engine.ask("哪个部门的三公经费最多", Conversation())
    assert top in numbers(answer.text), answer.text
    assert all(everyday_name(name) in answer.text for name, v in amounts.items() if v == top), answer.text
    assert any(f"{top.normalize():f}万元" in c.text for c in answer.citations)
