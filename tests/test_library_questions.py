"""Questions over a library of many departments and many years, as the office's real shelf grows.

The library is generated (``python -m bench.corpus``, fixed seed, text only): a
重点专项 compilation for each of three years and a 部门预算 disclosure for each of
twenty departments and each year, ingested once into SQLite without a vector
index.  Every expected figure is computed here from the generator's manifest (the
figures the documents state), and every name a question uses is read from it, so
a row passes only if the engine finds the figure of the named department *and*
year among sixty-odd look-alike documents.  Where a year matters, the departments
asked about are chosen so the figure differs from year to year: an answer taken
from the wrong year's document cannot pass by accident.

Each answer must state the figure and cite a row of the right document that
states it; declines must name what the store holds and give none of the figures.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from semantic.conftest import everyday_name, plain, wan
from sqlalchemy import Engine

from assistant.answer import Answer
from assistant.conversation import Conversation
from assistant.semantic.engine import SemanticEngine
from db.engine import make_engine
from ingest.pipeline import REPLACED, ingest_file, ingest_paths

ROOT = Path(__file__).resolve().parents[1]
SEED = 11
DEPARTMENTS = 20
YEARS = (2022, 2023, 2024)
LATEST = YEARS[-1]

# What staff call each department-budget figure, and where the manifest keeps it for a disclosure's year.
MEASURES: dict[str, Callable[[dict], str]] = {
    "三公经费": lambda d: d["sangong"]["total"]["amount"],
    "机关运行经费": lambda d: d["op_cost"]["amount"],
    "基本支出": lambda d: d["basic"],
}


def staff_name(full: str) -> str:
    """What staff call a department: ``everyday_name``, and the Party offices by their own name (组织部)."""
    return re.sub(r"^中共.+?工作委员会", "", everyday_name(full))


def numbers(text: str) -> set[Decimal]:
    """Every number a text writes ("3,444.36" → 3444.36); Decimals compare by value, so 70.20 == 70.2."""
    return {wan(n) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


@dataclass(frozen=True)
class Shelf:
    """The generated library in its store: where the files are, the manifest, and the store's identities."""

    folder: Path
    engine: Engine
    manifest: dict
    identity: dict[str, str]  # file name → the identity the store keeps it under

    def disclosures(self, year: int) -> list[dict]:
        return [d for d in self.manifest["documents"] if d["kind"] == "dept_budget" and d["year"] == year]

    def disclosure(self, code: str, year: int) -> dict:
        return next(d for d in self.disclosures(year) if d["dept_code"] == code)

    def compilation(self, year: int) -> dict:
        docs = self.manifest["documents"]
        return next(d for d in docs if d["kind"] == "special_funds" and d["year"] == year)

    def figure(self, code: str, year: int, measure: str) -> Decimal:
        return wan(MEASURES[measure](self.disclosure(code, year)))

    def funds_of(self, dept: str, year: int) -> list[dict]:
        return [f for f in self.compilation(year)["funds"] if f["dept_name"] == dept]

    def fund_totals(self, year: int) -> dict[str, Decimal]:
        """Each department's key special funds added up, by catalog amount (the compilation's 目录口径)."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for fund in self.compilation(year)["funds"]:
            totals[fund["dept_name"]] += wan(fund["catalog_amount"])
        return dict(totals)

    def budget_years(self) -> list[int]:
        """Years the store has 部门预算 figures for: the disclosures' own years and the years before them."""
        own = {d["year"] for d in self.manifest["documents"] if d["kind"] == "dept_budget"}
        return sorted(own | {y - 1 for y in own})

    def fund_years(self) -> list[int]:
        return sorted(d["year"] for d in self.manifest["documents"] if d["kind"] == "special_funds")


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Shelf:
    """≥20 departments × three years, generated text-only into a temporary folder and ingested once."""
    out = tmp_path_factory.mktemp("shelf")
    years = ",".join(map(str, YEARS))
    subprocess.run([sys.executable, "-m", "bench.corpus", "--out", str(out), "--seed", str(SEED),
                    "--departments", str(DEPARTMENTS), "--years", years, "--formats", "txt"],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    engine = make_engine(f"sqlite:///{out}/shelf.db")
    results = ingest_paths(engine, [out / name for doc in manifest["documents"] for name in doc["files"]])
    assert not [r.describe() for r in results if r.failed]
    shelf = Shelf(out, engine, manifest, {r.path.name: r.identity for r in results})
    assert all(len(shelf.disclosures(y)) >= 20 for y in YEARS) and shelf.fund_years() == list(YEARS)
    return shelf


@pytest.fixture(scope="module")
def bot(shelf: Shelf) -> SemanticEngine:
    return SemanticEngine(shelf.engine)


@pytest.fixture(scope="module")
def ask(bot: SemanticEngine) -> Callable[..., Answer]:
    def run(question: str, conversation: Conversation | None = None) -> Answer:
        return bot.ask(question, conversation if conversation is not None else Conversation())

    return run


def source_of(doc: dict) -> str:
    return doc["files"][0]


def assert_states(answer: Answer, figure: Decimal, source: str, written: str = "") -> None:
    """The answer states ``figure`` and cites a row of ``source`` that states it (as ``written``, if given).

    The engine's own check must have found every stated figure in a cited row (``unverified`` empty),
    and the answer must say what it computed.
    """
    assert figure in numbers(answer.text), f"{figure} not in {answer.text}"
    rows = [c for c in answer.citations if c.source == source]
    cited = [(c.source, c.text[:60]) for c in answer.citations]
    assert any(figure in numbers(c.text) and written in c.text for c in rows), \
        f"no citation of {source} states {written or figure}: {cited}"
    assert answer.understood and answer.restatement and not answer.unverified, answer.unverified
    assert answer.to_json()["query"]["parts"]


def assert_adds_up(answer: Answer, total: Decimal, funds: list[dict], source: str) -> None:
    """The answer states a department's ``total`` and cites each fund's catalog line it adds up.

    No row states a total of several funds, so the figure's text is in the citations as its parts,
    each as the catalog writes it ("5,085.8").
    """
    assert total in numbers(answer.text), f"{total} not in {answer.text}"
    for fund in funds:
        line = f"{fund['name']} {fund['catalog_amount']}"
        assert any(fund["catalog_amount"] in c.text and fund["name"] in c.text and c.source == source
                   for c in answer.citations), f"{line} not cited from {source}"
    assert answer.understood and answer.restatement and not answer.unverified, answer.unverified
    assert answer.to_json()["query"]["parts"]


def assert_names(answer: Answer, departments: list[str]) -> None:
    assert all(staff_name(d) in answer.text for d in departments), (departments, answer.text)


def spread(items: list, n: int) -> list:
    """``n`` items taken evenly across a list (streets and towns first, district departments after)."""
    assert len(items) >= n, "the generated library is too small"
    return [items[i * len(items) // n] for i in range(n)]


def changing_disclosures(shelf: Shelf) -> list[str]:
    """Department codes whose every figure asked about differs in each of the three years.

    A question naming a year is then answered right only from that year's document.
    """
    codes = sorted(d["dept_code"] for d in shelf.disclosures(LATEST))
    return [c for c in codes
            if all(len({shelf.figure(c, y, m) for y in YEARS}) == len(YEARS) for m in MEASURES)]


def changing_fund_departments(shelf: Shelf) -> list[str]:
    """Departments with two or more funds in every compilation and a different total each year."""
    names = sorted(shelf.fund_totals(LATEST))
    return [n for n in names if all(len(shelf.funds_of(n, y)) >= 2 for y in YEARS)
            and len({shelf.fund_totals(y)[n] for y in YEARS}) == len(YEARS)]


# ----- cross-department rankings -------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("measure", "word", "pick"), [
    ("三公经费", "最多", max), ("机关运行经费", "最多", max), ("基本支出", "最多", max),
    ("三公经费", "最少", min), ("机关运行经费", "最少", min),
], ids=["sangong-most", "running-most", "basic-most", "sangong-least", "running-least"])
def test_departments_ranked_by_their_own_disclosures(shelf, ask, year, measure, word, pick):
    """Each department's figure comes from its own 部门预算 of that year; ties name every department."""
    amounts = {d["dept_code"]: shelf.figure(d["dept_code"], year, measure) for d in shelf.disclosures(year)}
    best = pick(amounts.values())
    tied = [c for c, v in amounts.items() if v == best]
    answer = ask(f"{year}年哪个部门的{measure}{word}")
    assert_names(answer, [shelf.disclosure(c, year)["dept_name"] for c in tied])
    for code in tied:
        assert_states(answer, best, source_of(shelf.disclosure(code, year)))


@pytest.mark.parametrize("year", YEARS)
def test_top_three_departments_by_sangong(shelf, ask, year):
    """A top three lists the three largest in order, each with its own figure and document."""
    ranked = sorted(shelf.disclosures(year), key=lambda d: shelf.figure(d["dept_code"], year, "三公经费"),
                    reverse=True)
    values = [shelf.figure(d["dept_code"], year, "三公经费") for d in ranked]
    assert values[2] != values[3], "a tie at third place: the seed no longer makes a clean top three"
    answer = ask(f"{year}年三公经费排名前三的部门")
    places = [answer.text.find(staff_name(d["dept_name"])) for d in ranked[:3]]
    assert -1 not in places and places == sorted(places), answer.text
    for doc, value in zip(ranked[:3], values[:3], strict=True):
        assert_states(answer, value, source_of(doc))


@pytest.mark.parametrize("year", YEARS)
def test_departments_ranked_by_key_special_funds(shelf, ask, year):
    """The department with the most key special funds that year: its total, and each of its funds cited."""
    totals = shelf.fund_totals(year)
    best = max(totals.values())
    tied = [d for d, v in totals.items() if v == best]
    source = source_of(shelf.compilation(year))
    answer = ask(f"{year}年哪个部门的重点专项合计最多")
    assert_names(answer, tied)
    for dept in tied:
        assert_adds_up(answer, best, shelf.funds_of(dept, year), source)


@pytest.mark.parametrize("year", YEARS)
def test_top_three_departments_by_key_special_funds(shelf, ask, year):
    """Three departments in order of their funds added up, each total shown with its funds cited."""
    totals = shelf.fund_totals(year)
    ranked = sorted(totals, key=totals.get, reverse=True)
    assert totals[ranked[2]] != totals[ranked[3]], "a tie at third place"
    answer = ask(f"{year}年专项合计最多的三个部门是哪些")
    places = [answer.text.find(staff_name(d)) for d in ranked[:3]]
    assert -1 not in places and places == sorted(places), answer.text
    source = source_of(shelf.compilation(year))
    for dept in ranked[:3]:
        assert_adds_up(answer, totals[dept], shelf.funds_of(dept, year), source)


# ----- a year named: that year's document ------------------------------------------------------------

@pytest.mark.parametrize("slot", range(4))
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("measure", list(MEASURES), ids=["sangong", "running", "basic"])
def test_a_year_named_is_answered_from_that_years_disclosure(shelf, ask, slot, year, measure):
    """Four departments (street or town to district) × each year × each figure, from that year's 部门预算."""
    code = spread(changing_disclosures(shelf), 4)[slot]
    doc = shelf.disclosure(code, year)
    answer = ask(f"{staff_name(doc['dept_name'])}{year}年的{measure}是多少")
    assert_states(answer, shelf.figure(code, year, measure), source_of(doc))


@pytest.mark.parametrize("slot", range(3))
@pytest.mark.parametrize("year", YEARS)
def test_a_year_named_is_answered_from_that_years_compilation(shelf, ask, slot, year):
    """A department's key special funds added up from the named year's compilation, every fund cited."""
    dept = spread(changing_fund_departments(shelf), 3)[slot]
    source = source_of(shelf.compilation(year))
    answer = ask(f"{staff_name(dept)}{year}年的专项合计多少")
    assert_adds_up(answer, shelf.fund_totals(year)[dept], shelf.funds_of(dept, year), source)


# ----- a year the store lacks; 决算 --------------------------------------------------------------------

def _missing_year_cases(shelf: Shelf) -> dict[str, tuple[str, list[int], set[Decimal]]]:
    """Question → (the missing year, the years the decline must list, figures it must not give)."""
    code = spread(changing_disclosures(shelf), 4)[1]
    dept = staff_name(shelf.disclosure(code, LATEST)["dept_name"])
    funder = spread(changing_fund_departments(shelf), 3)[0]
    gone = min(shelf.budget_years()) - 1
    after = LATEST + 1
    every_total = {sum(shelf.fund_totals(y).values()) for y in YEARS}
    return {
        f"{gone}年的重点专项合计多少": (str(gone), shelf.fund_years(), every_total),
        f"{dept}{gone}年的三公经费是多少": (
            str(gone), shelf.budget_years(), {shelf.figure(code, y, "三公经费") for y in YEARS}),
        f"{staff_name(funder)}{after}年的专项合计多少": (
            str(after), shelf.fund_years(), {shelf.fund_totals(y)[funder] for y in YEARS}),
        # the disclosures reach back a year further than the compilations: 2021 is a 部门预算 year only
        f"{staff_name(funder)}{min(YEARS) - 1}年的专项合计多少": (
            str(min(YEARS) - 1), shelf.fund_years(), {shelf.fund_totals(y)[funder] for y in YEARS}),
    }


@pytest.mark.parametrize("case", range(4),
                         ids=["funds-before", "sangong-before", "funds-after", "funds-budget-only"])
def test_a_year_the_store_lacks_is_declined_with_the_years_it_has(shelf, ask, case):
    """No other year's figure stands in: the decline names the year asked and lists exactly the years held."""
    question, (missing, held, forbid) = list(_missing_year_cases(shelf).items())[case]
    answer = ask(question)
    named = {int(y) for y in re.findall(r"(\d{4})年", answer.text)}
    assert named == {*held, int(missing)}, (question, answer.text)
    assert not numbers(answer.text) & forbid, answer.text
    assert answer.to_json()["query"]["refusal"]


@pytest.mark.parametrize("template", ["{funder}专项的决算是多少", "{dept}{year}年三公经费的决算数是多少",
                                      "{year}年{dept}的基本支出决算是多少"],
                         ids=["funds", "sangong", "basic"])
def test_a_final_accounts_question_is_declined(shelf, ask, template):
    """The store holds 预算 only: a 决算 question gets a decline, never the budget figure in its place."""
    code = spread(changing_disclosures(shelf), 4)[2]
    funder = spread(changing_fund_departments(shelf), 3)[1]
    year = YEARS[1]
    dept = staff_name(shelf.disclosure(code, year)["dept_name"])
    answer = ask(template.format(funder=staff_name(funder), dept=dept, year=year))
    forbid = {shelf.figure(code, y, m) for y in YEARS for m in MEASURES}
    forbid |= {shelf.fund_totals(y)[funder] for y in YEARS}
    assert "决算" in answer.text and answer.to_json()["query"]["refusal"], answer.text
    assert not numbers(answer.text) & forbid, answer.text


# ----- 去年 / 上年 in a follow-up ----------------------------------------------------------------------


@pytest.mark.parametrize(("first", "then", "year", "measure"), [
    ("{dept}{year}年的三公经费是多少", "那去年呢", YEARS[1], "三公经费"),
    ("{dept}{year}年的机关运行经费是多少", "上年呢", YEARS[2], "机关运行经费"),
    ("{dept}{year}年的基本支出是多少", "那上年呢", YEARS[1], "基本支出"),
    ("{year}年哪个部门的三公经费最多", "那去年呢", YEARS[1], "三公经费"),
    ("{funder}{year}年的专项合计多少", "那去年呢", YEARS[2], "专项"),
    ("{year}年哪个部门的专项合计最多", "那去年呢", YEARS[1], "专项"),
], ids=["sangong", "running", "basic", "sangong-ranking", "funds", "funds-ranking"])
def test_last_year_in_a_follow_up_is_the_year_before_the_one_in_focus(shelf, ask, first, then, year, measure):
    """去年 means the year before the year the conversation is about, not the year before the latest."""
    code = spread(changing_disclosures(shelf), 4)[3]
    funder = spread(changing_fund_departments(shelf), 3)[2]
    ranking = "哪个部门" in first

    def expected(y: int) -> tuple[Decimal, str, list[dict] | None]:
        """Year ``y``'s figure, the document stating it, and for a funds total the funds it adds up."""
        if measure == "专项":
            totals = shelf.fund_totals(y)
            dept = max(totals, key=totals.get) if ranking else funder
            return totals[dept], source_of(shelf.compilation(y)), shelf.funds_of(dept, y)
        if ranking:
            doc = max(shelf.disclosures(y), key=lambda d: shelf.figure(d["dept_code"], y, measure))
        else:
            doc = shelf.disclosure(code, y)
        return shelf.figure(doc["dept_code"], y, measure), source_of(doc), None

    def check(answer: Answer, y: int) -> None:
        figure, source, funds = expected(y)
        if funds is None:
            assert_states(answer, figure, source)
        else:
            assert_adds_up(answer, figure, funds, source)

    # 去年 of the latest year would be another figure: the case must tell the two readings apart
    assert year == LATEST or expected(year - 1)[0] != expected(LATEST - 1)[0]
    conversation = Conversation()
    dept = staff_name(shelf.disclosure(code, year)["dept_name"])
    check(ask(first.format(dept=dept, funder=staff_name(funder), year=year), conversation), year)
    check(ask(then, conversation), year - 1)


# ----- a replaced document ------------------------------------------------------------------------------

RUNNING = re.compile(r"运行经费(?P<now>[\d.]+)万元，"
                     r"比(?P<before>\d{4})年(?P<way>增加|减少)(?P<gap>[\d.]+)万元")


@contextmanager
def revised(shelf: Shelf) -> Iterator[tuple[dict, Decimal, str]]:
    """One department's latest disclosure re-ingested with a larger 机关运行经费, then put back.

    The department with the smallest figure (its change against last year stated) is given more
    than any other department, so the new version must change a ranking as well as a look-up;
    the revised sentence keeps its change against last year consistent.  The original goes back
    on leaving (re-ingested under the same identity), so the module's other tests see the
    generated library whatever order they run in.  Yields the disclosure's manifest entry, the new
    figure and the new file's SHA-256 (the version citations name).
    """
    docs = [d for d in shelf.disclosures(LATEST) if d["op_cost"]["change"] in ("增加", "减少")]
    doc = min(docs, key=lambda d: wan(d["op_cost"]["amount"]))
    new = max(wan(d["op_cost"]["amount"]) for d in shelf.disclosures(LATEST)) + Decimal("37.4")
    path = shelf.folder / source_of(doc)
    original = path.read_bytes()
    text = original.decode("utf-8")
    match = RUNNING.search(text)
    assert match and wan(match["now"]) == wan(doc["op_cost"]["amount"]), "the disclosure's wording changed"
    gap = new - wan(doc["op_cost"]["last_year"])
    sentence = f"运行经费{plain(new)}万元，比{match['before']}年增加{plain(gap)}万元"
    path.write_text(text.replace(match[0], sentence), encoding="utf-8")
    identity = shelf.identity[path.name]
    try:
        assert ingest_file(shelf.engine, path, identity=identity).status == REPLACED
        yield doc, new, hashlib.sha256(path.read_bytes()).hexdigest()
    finally:
        path.write_bytes(original)
        assert ingest_file(shelf.engine, path, identity=identity).status == REPLACED


def test_a_replaced_document_changes_the_answers_and_cites_the_new_version(shelf, ask):
    """Re-ingesting a changed version of one disclosure: look-up and ranking follow it, and cite it."""
    with revised(shelf) as (doc, new, version):
        old = wan(doc["op_cost"]["amount"])
        source, dept = source_of(doc), staff_name(doc["dept_name"])

        answer = ask(f"{dept}{LATEST}年的机关运行经费是多少")
        assert_states(answer, new, source, f"运行经费{plain(new)}万元")
        assert old not in numbers(answer.text), answer.text
        assert {c.version for c in answer.citations if c.source == source} == {version}

        ranking = ask(f"{LATEST}年哪个部门的机关运行经费最多")
        assert_names(ranking, [doc["dept_name"]])
        assert_states(ranking, new, source)
        assert {c.version for c in ranking.citations} == {version}

        # the department's other years are other documents, untouched
        year = LATEST - 1
        assert_states(ask(f"{dept}{year}年的机关运行经费是多少"),
                      shelf.figure(doc["dept_code"], year, "机关运行经费"),
                      source_of(shelf.disclosure(doc["dept_code"], year)))

    # put back: the generated figure answers again, citing the generated file's version
    generated = hashlib.sha256((shelf.folder / source).read_bytes()).hexdigest()
    answer = ask(f"{dept}{LATEST}年的机关运行经费是多少")
    assert_states(answer, old, source)
    assert new not in numbers(answer.text)
    assert {c.version for c in answer.citations if c.source == source} == {generated} != {version}
