"""Shared fixtures and helpers: fresh stores, the sample folder, and what a store holds.

Helpers read the store with plain SQL so that tests compare what was *stored*,
whatever path (reader, recogniser, writer) produced it.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db import models as m
from db.blocks import Block
from db.engine import make_engine
from db.stats import stats
from ingest.pipeline import FileResult, ingest_file
from ingest.readers.dispatch import read_blocks
from ingest.settings import Limits

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def pytest_configure(config: pytest.Config) -> None:
    """One embedding cache for the whole run, subprocesses included, kept between local runs."""
    del config
    os.environ.setdefault(
        "BUDGETQA_EMBEDDING_CACHE", str(Path(tempfile.gettempdir()) / "budgetqa-test-embeddings.sqlite3")
    )
FUNDS_TXT = "wansheng_2024_key_special_funds.txt"
DEPT_TXT = "wansheng_2024_admin_office_dept_budget.txt"
ANSWER_TIMEOUT = 30_000  # ms a browser test waits for the page (answers take well under a second)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, without background network traffic, for one test module.

    Playwright's waits default to 5 s; a busy machine may need longer to open a viewer
    or take an upload, so they wait ``ANSWER_TIMEOUT`` (waits, not timed assertions).
    """
    expect.set_options(timeout=ANSWER_TIMEOUT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def samples() -> Path:
    """The sample corpus folder (data/samples)."""
    return SAMPLES


@pytest.fixture
def store(tmp_path: Path) -> Callable[..., Engine]:
    """Factory of fresh SQLite stores under tmp_path: ``store()``, ``store("other")``."""

    def make(name: str = "t") -> Engine:
        return make_engine(f"sqlite:///{tmp_path}/{name}.db")

    return make


@pytest.fixture(scope="session")
def cached_reads() -> Iterator[Callable[[Path], list[Block]]]:
    """While active, the pipeline reads each sample file once per session (PDFs are slow).

    Only files under data/samples are cached; they do not change during a run.  The
    fixture's value is the caching reader, for tests that look at blocks themselves.
    """
    blocks: dict[Path, list[Block]] = {}

    def read(path: Path, limits: Limits | None = None) -> list[Block]:
        key = path.resolve()
        if key.parent != SAMPLES:
            return read_blocks(path, limits)
        if key not in blocks:
            blocks[key] = read_blocks(path, limits)
        return blocks[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("ingest.pipeline.read_blocks", read)
        yield read


@pytest.fixture(scope="session")
def ingested(tmp_path_factory, cached_reads) -> Callable[[str], tuple[Engine, FileResult]]:
    """One sample file ingested into its own fresh store, once per session."""
    cache: dict[str, tuple[Engine, FileResult]] = {}

    def get(file_name: str) -> tuple[Engine, FileResult]:
        if file_name not in cache:
            folder = tmp_path_factory.mktemp(file_name.replace(".", "_"))
            engine = make_engine(f"sqlite:///{folder}/t.db")
            cache[file_name] = (engine, ingest_file(engine, SAMPLES / file_name))
        return cache[file_name]

    return get


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table."""
    return stats(engine)["tables"]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table (ingest time left out): equal snapshots mean nothing changed."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            cols = [c for c in table.columns if c.name != "ingested_at"]
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    return out


def norm(text: str | Decimal | None) -> str | None:
    """An amount as a canonical string ("1,086.60" → "1086.6"); other text unchanged."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        return format(text.normalize(), "f")
    t = text.strip()
    try:
        return format(Decimal(t.replace(",", "")).normalize(), "f")
    except InvalidOperation:
        return t


def records(engine: Engine, primary_only: bool = False) -> dict[str, Counter]:
    """The recognised content of a store as multisets of tuples, free of ids and locations.

    ``primary_only`` leaves out documents that are renditions of another one.
    """
    with Session(engine) as s:
        docs = select(m.Document.id)
        if primary_only:
            docs = docs.where(m.Document.rendition_of_id.is_(None))
        code = {d.id: d.code for d in s.scalars(select(m.Department))}
        catalog, funds, forms, indicators, lines, facts = (Counter() for _ in range(6))
        for f in s.scalars(select(m.Fund).where(m.Fund.document_id.in_(docs))):
            if f.catalog_row_id is not None:
                catalog[(f.catalog_seq, f.catalog_name, code.get(f.department_id),
                         norm(f.catalog_amount_text))] += 1
            funds[(f.program, f.name, f.catalog_seq, code.get(f.department_id),
                   norm(f.catalog_amount_text), norm(f.table_amount_text))] += 1
        for f in s.scalars(select(m.FundForm).where(m.FundForm.document_id.in_(docs))):
            forms[(f.program, f.seq, f.name, f.dept_text, norm(f.budget_text), f.is_repeat,
                   f.contact, f.phone)] += 1
        for i, f in s.execute(
            select(m.Indicator, m.FundForm).join(m.FundForm, m.Indicator.form_id == m.FundForm.id)
            .where(m.FundForm.document_id.in_(docs))
        ).all():
            indicators[(f.seq, f.name, i.name, i.nature, norm(i.value), i.unit,
                        norm(i.weight_text), i.core_text)] += 1
        for b in s.scalars(select(m.BudgetLine).where(m.BudgetLine.document_id.in_(docs))):
            lines[(b.table_no, b.subject_code, b.subject_name, b.year, b.column,
                   norm(b.amount_text))] += 1
        for f in s.scalars(select(m.StatedFact).where(m.StatedFact.document_id.in_(docs))):
            facts[(f.topic, f.item, f.year, norm(f.amount_text), f.unit, f.change,
                   norm(f.change_text), f.base_year)] += 1
    return {"catalog": catalog, "funds": funds, "forms": forms, "indicators": indicators,
            "budget_lines": lines, "facts": facts}


def assert_same(got: Counter, want: Counter, what: str) -> None:
    """Multisets equal, with the differences both ways in the failure message."""
    missing, extra = want - got, got - want
    assert not missing and not extra, (
        f"{what}: {len(missing)} missing, {len(extra)} extra\n"
        f"missing: {sorted(missing, key=str)[:8]}\nextra: {sorted(extra, key=str)[:8]}"
    )


def provenance_problems(engine: Engine) -> list[str]:
    """Stored figures whose source row is missing or does not contain the figure as written."""
    problems: list[str] = []
    with Session(engine) as s:
        text = dict(s.execute(select(m.SourceRow.id, m.SourceRow.text)).all())

        def check(what: str, row_id: int | None, *figures: str | None) -> None:
            if row_id is None or row_id not in text:
                problems.append(f"{what}: no source row")
                return
            for fig in figures:
                if fig and fig not in text[row_id]:
                    problems.append(f"{what}: {fig!r} not in source row {text[row_id]!r}")

        for f in s.scalars(select(m.Fund)):
            if f.catalog_seq is not None or f.catalog_amount_text:
                check(f"fund {f.name} catalog", f.catalog_row_id, f.catalog_amount_text)
            if f.form_id is not None and f.table_amount_text:
                check(f"fund {f.name} table", f.table_row_id, f.table_amount_text)
            if f.catalog_row_id is None and f.table_row_id is None and f.form_id is None:
                problems.append(f"fund {f.name}: neither catalog nor form")
        for f in s.scalars(select(m.FundForm)):
            check(f"form {f.name}", f.name_row_id, f.name)
            if f.budget_text:
                check(f"form {f.name} budget", f.budget_row_id, f.budget_text)
        for i in s.scalars(select(m.Indicator)):
            check(f"indicator {i.name}", i.source_row_id, i.value, i.weight_text)
        for b in s.scalars(select(m.BudgetLine)):
            check(f"line {b.table_no}/{b.subject_name}/{b.column}", b.source_row_id, b.amount_text)
        for f in s.scalars(select(m.StatedFact)):
            check(f"fact {f.item}", f.source_row_id, f.amount_text or None, f.change_text or None)
    return problems
