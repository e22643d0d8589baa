"""PDF, XLSX and DOCX renderings give the records of the .txt exports they were typeset from."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import (
    DEPT_TXT,
    FUNDS_TXT,
    SAMPLES,
    assert_same,
    provenance_problems,
    records,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.engine import make_engine
from db.stats import stats
from ingest.pipeline import ADDED, ingest_paths

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


@pytest.mark.parametrize("rendition", list(PRIMARY))
def test_rendition_recognises_the_same_document(ingested, rendition):
    docs = []
    for name in (rendition, PRIMARY[rendition]):
        with Session(ingested(name)[0]) as s:
            doc = s.scalars(select(m.Document)).one()
            dept = s.get(m.Department, doc.department_id) if doc.department_id else None
            docs.append((doc.kind, doc.year, doc.unit, doc.content_key,
                         dept and (dept.code, dept.name)))
    assert docs[0] == docs[1]


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
