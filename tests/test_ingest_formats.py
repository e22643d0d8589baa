"""PDF, XLSX and DOCX renderings give the records of the .txt exports they were typeset from."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import (
    DEPT_TXT,
    FUNDS_TXT,
    SAMPLES,
    assert_same,
    provenance_problems,
    records,
    snapshot,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.engine import make_engine
from db.stats import stats
from ingest.pipeline import ADDED, UNCHANGED, ingest_paths
from ingest.recognisers.dispatch import recognise

FUNDS_PDF = "wansheng_2024_key_special_funds.pdf"
DEPT_PDF = "wansheng_2024_admin_office_dept_budget.pdf"
DEPT_XLSX = "wansheng_2024_admin_office_dept_budget.xlsx"
DEPT_DOCX = "wansheng_2024_admin_office_dept_budget.docx"
PRIMARY = {FUNDS_PDF: FUNDS_TXT, DEPT_PDF: DEPT_TXT, DEPT_XLSX: DEPT_TXT, DEPT_DOCX: DEPT_TXT}
KINDS = ["catalog", "funds", "forms", "indicators", "budget_lines", "facts"]


def expected(rendition: str, kind: str, of_text: Counter) -> Counter:
    """What the rendition should give: the text export's records, less what it cannot hold."""
    if rendition == DEPT_XLSX and kind == "facts":
        # the workbook holds the 16 tables only, not the narrative 情况说明 (data/README.md)
        return Counter()
    return of_text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rendition", list(PRIMARY))
def test_rendition_gives_the_records_of_the_text_export(ingested, rendition, kind):
    engine, result = ingested(rendition)
    assert result.status == ADDED, result.describe()
    want = expected(rendition, kind, records(ingested(PRIMARY[rendition])[0])[kind])
    assert_same(records(engine)[kind], want, f"{rendition} {kind}")


def _document(engine) -> dict:
    with Session(engine) as s:
        doc = s.scalars(select(m.Document)).one()
        dept = s.get(m.Department, doc.department_id) if doc.department_id else None
        return {"kind": doc.kind, "year": doc.year, "unit": doc.unit, "key": doc.content_key,
                "dept": dept and (dept.code, dept.name), "title": re.sub(r"\s", "", doc.title)}


@pytest.mark.parametrize("rendition", list(PRIMARY))
def test_rendition_recognises_the_same_document(ingested, rendition):
    got, want = _document(ingested(rendition)[0]), _document(ingested(PRIMARY[rendition])[0])
    # titles compare without spaces: a PDF line break at the space in "2024 年" leaves no space
    if rendition == DEPT_XLSX:
        # the workbook has no 情况说明 narrative, whose heading names the text export;
        # its first title is the 目录 sheet's
        assert got.pop("title") == "2024年万盛经开区部门预算公开表（目录）"
        want.pop("title")
    assert got == want


@pytest.mark.parametrize("rendition", [DEPT_PDF, DEPT_DOCX, DEPT_XLSX])
def test_rendition_finds_all_16_tables(cached_reads, rendition):
    found = [
        recognise(cached_reads(SAMPLES / name), name).tables_found
        for name in (rendition, DEPT_TXT)
    ]
    assert len(found[0]) == 16
    assert found[0] == found[1]


def _anomalies(engine) -> tuple[Counter, Counter]:
    """(kind, message) of all anomalies, and of those not on a row the export had shifted."""
    with Session(engine) as s:
        shifted = set(s.scalars(
            select(m.AnomalyRow.source_row_id)
            .join(m.Anomaly, m.AnomalyRow.anomaly_id == m.Anomaly.id)
            .where(m.Anomaly.kind == "行错位")
        ))
        every, kept = Counter(), Counter()
        for a in s.scalars(select(m.Anomaly)):
            rows = set(s.scalars(select(m.AnomalyRow.source_row_id)
                                 .where(m.AnomalyRow.anomaly_id == a.id)))
            every[(a.kind, a.message)] += 1
            if not rows & shifted:
                kept[(a.kind, a.message)] += 1
    return every, kept


@pytest.mark.parametrize("rendition", list(PRIMARY))
def test_rendition_keeps_the_source_inconsistencies_but_not_the_export_shifts(ingested, rendition):
    got, _ = _anomalies(ingested(rendition)[0])
    every, kept = _anomalies(ingested(PRIMARY[rendition])[0])
    # The renditions were typeset with the text export's shifted rows put back in their
    # columns (data/README.md "Shifted rows"), so the 行错位 anomalies and whatever else was
    # only noticed on those rows are absent; every other inconsistency is preserved.
    assert sum(n for (kind, _), n in every.items() if kind == "行错位") > 0
    assert_same(got, kept, f"{rendition} anomalies")


@pytest.mark.parametrize("rendition", list(PRIMARY))
def test_rendition_facts_cite_rows_with_their_location(ingested, rendition):
    engine = ingested(rendition)[0]
    assert provenance_problems(engine) == []
    fmt = rendition.rsplit(".", 1)[1]
    with Session(engine) as s:
        rows = s.scalars(select(m.SourceRow)).all()
        assert {(r.document.file_name, r.document.fmt) for r in rows} == {(rendition, fmt)}
    for r in rows:
        assert r.line is None, "only text files have line numbers"
        if fmt == "pdf":
            assert r.page is not None and r.page >= 1
        elif fmt == "xlsx":
            assert r.sheet and r.row is not None
        else:
            assert r.row is not None


@pytest.fixture(scope="module")
def all_samples(tmp_path_factory, cached_reads):
    """Every file of data/samples ingested into one store."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('all')}/t.db")
    results = ingest_paths(engine, [SAMPLES])
    return engine, results


def test_renditions_point_at_the_text_export_in_one_store(all_samples, ingested):
    engine, results = all_samples
    assert {r.path.name: r.status for r in results} == {
        name: ADDED for name in [*PRIMARY, FUNDS_TXT, DEPT_TXT]
    }
    documents = {d["file_name"]: d for d in stats(engine)["documents"]}
    assert {name: d["rendition_of"] for name, d in documents.items()} == {
        **PRIMARY, FUNDS_TXT: None, DEPT_TXT: None,
    }
    for primary in (FUNDS_TXT, DEPT_TXT):
        alone = stats(ingested(primary)[0])["documents"][0]["counts"]
        for what in ("funds", "fund_forms", "indicators", "budget_lines", "stated_facts"):
            assert documents[primary]["counts"][what] == alone[what], (primary, what)
    # primary documents answer: their records are exactly those of the text exports alone
    together = records(engine, primary_only=True)
    for kind in KINDS:
        want = records(ingested(FUNDS_TXT)[0])[kind] + records(ingested(DEPT_TXT)[0])[kind]
        assert_same(together[kind], want, kind)


def test_ingesting_the_folder_again_changes_nothing(all_samples):
    engine, first = all_samples
    before = snapshot(engine)
    again = ingest_paths(engine, [SAMPLES])
    assert [r.status for r in again] == [UNCHANGED] * len(first)
    assert [r.kind for r in again] == [r.kind for r in first]
    assert snapshot(engine) == before
