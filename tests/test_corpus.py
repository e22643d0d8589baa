"""The generated corpus (bench.corpus): reproducible, and stored by ingest exactly as its manifest says.

A small library (4 departments × 2 years, text and workbook, half of it messy)
is generated once through the command line and ingested into a fresh SQLite
store; every check compares plain SQL over the store with manifest.json, which
the generator computed itself.  So these tests hold the generator and the
ingest chain to each other: a figure stored differently from what the file
states fails here, and so does mess that was silently repaired.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import provenance_problems
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db import models as m
from db.engine import make_engine
from ingest.pipeline import ingest_paths

ROOT = Path(__file__).resolve().parent.parent
SEED = 11
LIBRARY = ("--departments", "4", "--years", "2023,2024", "--formats", "txt,xlsx", "--messy", "0.5")
NARRATIVE_FORMATS = ("txt", "docx")  # the sample workbook, and so the generated one, holds tables only
REALIGNED, WEIGHT_MOVED = "行错位", "权重错列"  # anomaly kinds the recognisers record


def generate(out: Path, seed: int, *args: str) -> dict:
    """Run ``python -m bench.corpus`` and return the manifest it wrote."""
    subprocess.run([sys.executable, "-m", "bench.corpus", "--out", str(out), "--seed", str(seed), *args],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def D(text: str) -> Decimal:
    """A manifest amount ("1,086.6", "502.00") as a number."""
    return Decimal(text.replace(",", ""))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, SEED, *LIBRARY)


@pytest.fixture(scope="module")
def store(corpus: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Every generated file ingested into one fresh store (no vector index)."""
    out, manifest = corpus
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('store')}/corpus.db")
    results = ingest_paths(engine, [out / name for doc in manifest["documents"] for name in doc["files"]])
    assert not [r.describe() for r in results if r.failed]
    return engine


def renditions(manifest: dict, kind: str) -> Iterator[tuple[dict, str, str]]:
    """(manifest entry, file name, format) for every file of a kind."""
    for doc in manifest["documents"]:
        if doc["kind"] == kind:
            for name in doc["files"]:
                yield doc, name, name.rsplit(".", 1)[1]


def document_id(s: Session, name: str) -> int:
    return s.scalar(select(m.Document.id).where(m.Document.file_name == name))


def lines_of(s: Session, doc_id: int) -> dict[tuple, Decimal]:
    """Budget lines of a document by (table, code, subject, year, column)."""
    rows = s.scalars(select(m.BudgetLine).where(m.BudgetLine.document_id == doc_id))
    return {(b.table_no, b.subject_code, b.subject_name, b.year, b.column): b.amount for b in rows}


def in_format(doc: dict, fmt: str) -> list[dict]:
    """The anomalies the manifest says a given rendition carries."""
    return [a for a in doc["anomalies"] if fmt in a["formats"]]


def test_same_seed_gives_the_same_bytes_another_seed_other_documents(corpus, tmp_path):
    out, manifest = corpus
    again = tmp_path / "again"
    generate(again, SEED, *LIBRARY)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert [n for n in names if (out / n).read_bytes() != (again / n).read_bytes()] == []

    other = tmp_path / "other"
    other_manifest = generate(other, SEED + 1, "--departments", "4", "--years", "2023,2024")
    assert other_manifest["documents"] != manifest["documents"]
    for year in (2023, 2024):
        name = f"key_special_funds_{year}.txt"
        assert (other / name).read_bytes() != (out / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--departments", "0", "--years", "2024"), "departments must be between 1 and"),
        (("--departments", "46", "--years", "2024"), "departments must be between 1 and"),
        (("--departments", "2", "--years", "2020"), "years must be within 2021–2025"),
        (("--departments", "2", "--years", "2024", "--formats", "pdf"), "unknown formats: pdf"),
        (("--departments", "2", "--years", "2024", "--messy", "1.5"), "messy must be between 0 and 1"),
    ],
)
def test_arguments_out_of_range_are_refused(tmp_path, args, message):
    command = [sys.executable, "-m", "bench.corpus", "--out", str(tmp_path / "x"), "--seed", "1", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "x").exists()


def test_the_library_has_every_kind_of_mess_and_clean_documents(corpus):
    """Guards the other tests against passing vacuously."""
    _, manifest = corpus
    kinds = {a["kind"] for doc in manifest["documents"] for a in doc["anomalies"]}
    assert kinds == {"html_tags", "shifted_row", "weight_in_core_column", "catalog_form_mismatch",
                     "unit_typo", "rounding_gap"}
    assert Counter(doc["messy"] for doc in manifest["documents"]) == {True: 5, False: 5}


def test_each_file_is_recognised_as_its_kind_year_and_department(corpus, store):
    _, manifest = corpus
    want = {name: (doc["kind"], doc["year"], doc.get("dept_code"), doc.get("dept_name"))
            for doc in manifest["documents"] for name in doc["files"]}
    with Session(store) as s:
        rows = s.execute(select(m.Document.file_name, m.Document.kind, m.Document.year, m.Department.code,
                                m.Department.name)
                         .outerjoin(m.Department, m.Document.department_id == m.Department.id)).all()
    assert {name: tuple(rest) for name, *rest in rows} == want


def test_catalog_forms_and_stated_total_are_stored_as_written(corpus, store):
    _, manifest = corpus
    with Session(store) as s:
        for doc, name, _ in renditions(manifest, "special_funds"):
            doc_id = document_id(s, name)
            funds = s.scalars(select(m.Fund).where(m.Fund.document_id == doc_id)).all()
            code = {d.id: d.code for d in s.scalars(select(m.Department))}
            got = {f.catalog_seq: (f.name, code[f.department_id], f.catalog_amount, f.table_amount)
                   for f in funds}
            want = {e["seq"]: (e["name"], e["dept_code"], D(e["catalog_amount"]), D(e["form_amount"]))
                    for e in doc["funds"]}
            assert got == want, name
            forms = s.scalar(select(func.count()).select_from(m.FundForm)
                             .where(m.FundForm.document_id == doc_id))
            assert forms == len(doc["funds"]), name
            total = s.scalar(select(m.StatedFact.amount).where(m.StatedFact.document_id == doc_id,
                                                               m.StatedFact.item == "重点专项预算资金合计"))
            assert total == D(doc["stated_total"]), name


def test_indicators_are_stored_as_the_file_writes_them(corpus, store):
    """Each indicator as the manifest has it, except where a rendition's mess changes what it says."""
    _, manifest = corpus
    with Session(store) as s:
        for doc, name, fmt in renditions(manifest, "special_funds"):
            written = {(a["seq"], a["ordinal"]): a for a in in_format(doc, fmt) if "ordinal" in a}
            want = {}
            for e in doc["funds"]:
                for n, i in enumerate(e["indicators"], start=1):
                    mess = written.get((e["seq"], n), {})
                    unit = mess.get("written", i["unit"]) if mess.get("kind") == "unit_typo" else i["unit"]
                    core = None if mess.get("kind") == "weight_in_core_column" else i["core"]
                    want[(e["seq"], n)] = (i["name"], i["nature"], i["value"], unit, Decimal(i["weight"]),
                                           core)
            rows = s.execute(select(m.Fund.catalog_seq, m.Indicator)
                             .join(m.Indicator, m.Indicator.fund_id == m.Fund.id)
                             .where(m.Fund.document_id == document_id(s, name))).all()
            got = {(seq, i.ordinal): (i.name, i.nature, i.value, i.unit, i.weight, i.is_core)
                   for seq, i in rows}
            assert got == want, name


def test_department_totals_sangong_and_running_costs_are_stored(corpus, store):
    _, manifest = corpus
    problems = []
    with Session(store) as s:
        for doc, name, fmt in renditions(manifest, "dept_budget"):
            doc_id, year = document_id(s, name), doc["year"]
            lines = lines_of(s, doc_id)
            for key, amount in (((3, None, "合计", year, "总计"), doc["expenditure_total"]),
                                ((1, None, "合计", year, "收入/预算数"), doc["income_total"]),
                                ((5, None, "合计", year, "预算数/小计"), doc["general_budget"]),
                                ((10, None, "合计", year, "预算数"), doc["sangong"]["total"]["amount"])):
                if lines.get(key) != D(amount):
                    problems.append((name, key, lines.get(key), amount))
            forms = s.scalars(select(m.FundForm).where(m.FundForm.document_id == doc_id,
                                                       m.FundForm.program == "部门项目")).all()
            if {f.name: f.budget for f in forms} != {p["name"]: D(p["amount"]) for p in doc["projects"]}:
                problems.append((name, "表十六", [(f.name, f.budget) for f in forms], doc["projects"]))
            if fmt not in NARRATIVE_FORMATS:
                continue
            facts = {(f.topic, f.item): f for f in s.scalars(select(m.StatedFact)
                                                              .where(m.StatedFact.document_id == doc_id))}
            stated = [(("“三公”经费", "“三公”经费预算"), doc["sangong"]["total"]),
                      (("机关运行经费", "一般公共预算财政拨款运行经费"), doc["op_cost"]),
                      *((("“三公”经费", item), v) for item, v in doc["sangong"]["items"].items())]
            for key, want in stated:
                f = facts.get(key)
                got = f and (f.amount, f.change, f.change_amount, f.base_year)
                change = None if want["change"] == "持平" else D(want["change_amount"])
                expected = (D(want["amount"]), want["change"], change, year - 1)
                if got != expected:
                    problems.append((name, key, got, expected))
    assert problems == []


def test_previous_year_column_equals_the_previous_years_document(corpus, store):
    """表五's 上年 column of year Y holds year Y-1's figures (but a 合计 put a cent off on purpose)."""
    _, manifest = corpus
    txt = {(doc["dept_code"], doc["year"]): (doc, name)
           for doc, name, fmt in renditions(manifest, "dept_budget") if fmt == "txt"}
    compared = 0
    with Session(store) as s:
        for (code, year), (doc, name) in txt.items():
            if (code, year - 1) not in txt:
                continue
            earlier = lines_of(s, document_id(s, txt[(code, year - 1)][1]))
            want = {(c, n): a for (t, c, n, y, col), a in earlier.items()
                    if (t, y, col) == (5, year - 1, "预算数/小计")}
            for gap in (a for a in doc["anomalies"] if a["kind"] == "rounding_gap"):
                want[(None, "合计")] = D(gap["printed"])
            got = {(c, n): a for (t, c, n, y, col), a in lines_of(s, document_id(s, name)).items()
                   if (t, y, col) == (5, year - 1, "预算数")}
            assert got == want, name
            compared += 1
    assert compared == 4


@pytest.mark.parametrize("table", [2, 3, 5, 6, 7, 8, 9, 11])
def test_subtotals_add_up_except_an_injected_rounding_gap(corpus, store, table):
    """In tables by subject, 合计 is the sum of the classes and every code the sum of the codes under it."""
    _, manifest = corpus
    with Session(store) as s:
        for doc, name, _ in renditions(manifest, "dept_budget"):
            gaps = {(a["table"], a["year"]): D(a["printed"]) - D(a["sum_of_rows"])
                    for a in doc["anomalies"] if a["kind"] == "rounding_gap"}
            columns: dict[tuple[int, str], dict[str | None, Decimal]] = {}
            for (t, code, _, year, column), amount in lines_of(s, document_id(s, name)).items():
                if t == table:
                    columns.setdefault((year, column), {})[code] = amount
            for (year, column), cells in columns.items():
                classes = sum(a for code, a in cells.items() if code and len(code) == 3)
                assert cells[None] - classes == gaps.get((table, year), 0), (name, column)
                for code, amount in cells.items():
                    below = [a for c, a in cells.items() if code and c and c[: len(code)] == code and
                             len(c) == len(code) + 2]
                    assert not below or sum(below) == amount, (name, column, code)


def _anomalies(s: Session, doc_id: int, kind: str) -> list[str]:
    return list(s.scalars(select(m.Anomaly.message).where(m.Anomaly.document_id == doc_id,
                                                          m.Anomaly.kind == kind)))


def _indicator(s: Session, doc_id: int, a: dict) -> m.Indicator:
    """The stored indicator an anomaly is about (by fund 序号, or by project form name)."""
    form = select(m.FundForm.id).where(m.FundForm.document_id == doc_id)
    form = form.where(m.FundForm.seq == a["seq"]) if "seq" in a else form.where(m.FundForm.name == a["form"])
    return s.scalar(select(m.Indicator).where(m.Indicator.form_id.in_(form),
                                              m.Indicator.ordinal == a["ordinal"]))


def _shifted(s: Session, doc_id: int, a: dict) -> bool:
    ind = _indicator(s, doc_id, a)
    return ind.realigned and ind.name == a["indicator"] and any(
        a["indicator"] in msg for msg in _anomalies(s, doc_id, REALIGNED))


def _weight_moved(s: Session, doc_id: int, a: dict) -> bool:
    ind = _indicator(s, doc_id, a)
    return ind.weight == a["weight"] and ind.is_core is None and any(
        a["indicator"] in msg for msg in _anomalies(s, doc_id, WEIGHT_MOVED))


def _unit_typo(s: Session, doc_id: int, a: dict) -> bool:
    return _indicator(s, doc_id, a).unit == a["written"]


def _catalog_mismatch(s: Session, doc_id: int, a: dict) -> bool:
    fund = s.scalar(select(m.Fund).where(m.Fund.document_id == doc_id, m.Fund.catalog_seq == a["seq"]))
    return (fund.catalog_amount, fund.table_amount) == (D(a["catalog_amount"]), D(a["form_amount"]))


def _html_tags(s: Session, doc_id: int, a: dict) -> bool:
    form = s.scalar(select(m.FundForm).where(m.FundForm.document_id == doc_id, m.FundForm.seq == a["seq"]))
    raw = s.scalar(select(m.SourceRow.text).where(m.SourceRow.id == form.name_row_id))
    return "<b>项目名称</b>" in raw and "<" not in form.name


def _rounding_gap(s: Session, doc_id: int, a: dict) -> bool:
    total = lines_of(s, doc_id)[(a["table"], None, a["subject"], a["year"], "预算数")]
    return total == D(a["printed"]) != D(a["sum_of_rows"])


MESS_CHECKS: dict[str, Callable[[Session, int, dict], bool]] = {
    "shifted_row": _shifted, "weight_in_core_column": _weight_moved, "unit_typo": _unit_typo,
    "catalog_form_mismatch": _catalog_mismatch, "html_tags": _html_tags, "rounding_gap": _rounding_gap,
}


@pytest.mark.parametrize("kind", sorted(MESS_CHECKS))
def test_injected_mess_is_recorded_never_repaired(corpus, store, kind):
    _, manifest = corpus
    seen = 0
    with Session(store) as s:
        for doc in manifest["documents"]:
            for name in doc["files"]:
                doc_id = document_id(s, name)
                for a in in_format(doc, name.rsplit(".", 1)[1]):
                    if a["kind"] == kind:
                        seen += 1
                        assert MESS_CHECKS[kind](s, doc_id, a), (name, a)
    assert seen


def test_the_store_records_no_anomaly_the_files_do_not_have(corpus, store):
    """Clean renditions record nothing; messy ones exactly one anomaly per shifted row or moved weight."""
    _, manifest = corpus
    with Session(store) as s:
        for doc in manifest["documents"]:
            for name in doc["files"]:
                fmt = name.rsplit(".", 1)[1]
                recorded = {"shifted_row": REALIGNED, "weight_in_core_column": WEIGHT_MOVED}
                want = Counter(recorded[a["kind"]] for a in in_format(doc, fmt) if a["kind"] in recorded)
                kinds = select(m.Anomaly.kind).where(m.Anomaly.document_id == document_id(s, name))
                assert Counter(s.scalars(kinds)) == want, name


def test_every_stored_figure_is_found_in_its_source_row(store):
    assert provenance_problems(store) == []
