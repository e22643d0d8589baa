"""A deterministic corpus of budget documents for tests and benchmarks: ``python -m bench.corpus``.

From the two real documents in data/samples (a year's 重点专项预算绩效
compilation and one department's 部门预算公开), the generator makes one
compilation per year and one disclosure per department and year, in the
layout of the originals, with figures that are consistent within a document
and from one year to the next, and with the originals' kinds of mess in a
chosen share of documents.  Everything it writes is described in
``manifest.json``: the figures each document states and every piece of mess
it was given, computed by the generator itself, so that what an ingest stores
can be compared with what the files say.

Same arguments and seed give byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.corpus.departments import Department, pick_departments
from bench.corpus.dept_doc import dept_document
from bench.corpus.funds_doc import funds_document
from bench.corpus.layout import ALL_FORMATS, Document
from bench.corpus.money import rng
from bench.corpus.render_text import render_text

YEARS = range(2021, 2026)
FORMATS = ALL_FORMATS


@dataclass(frozen=True)
class Options:
    """What to generate; see ``python -m bench.corpus --help``."""

    departments: int
    years: tuple[int, ...]
    seed: int
    formats: tuple[str, ...] = ("txt",)
    messy: float = 0.0

    def check(self) -> None:
        if not self.years or any(y not in YEARS for y in self.years):
            raise ValueError(f"years must be within {YEARS.start}–{YEARS.stop - 1}")
        if unknown := set(self.formats) - set(FORMATS):
            raise ValueError(f"unknown formats: {', '.join(sorted(unknown))} (known: {', '.join(FORMATS)})")
        if not 0 <= self.messy <= 1:
            raise ValueError("messy must be between 0 and 1")


def _renderer(fmt: str) -> Callable[[Document], bytes]:
    # office libraries are imported only when their format is asked for
    if fmt == "xlsx":
        from bench.corpus.render_xlsx import render_xlsx

        return render_xlsx
    if fmt == "docx":
        from bench.corpus.render_docx import render_docx

        return render_docx
    return render_text


def _messy(seed: int, kind: str, keys: list[str], share: float) -> set[str]:
    """Which documents of a kind get mess: ``share`` of them (at least one when the share is not nil)."""
    if not share:
        return set()
    count = max(1, round(share * len(keys)))
    return set(rng(seed, "messy", kind).sample(keys, min(count, len(keys))))


def _documents(options: Options, departments: list[Department],
               years: list[int]) -> Iterator[tuple[Document, dict]]:
    """Each document with its manifest entry: the compilations first, then the disclosures."""
    seed = options.seed
    messy_funds = _messy(seed, "funds", [str(y) for y in years], options.messy)
    messy_depts = _messy(seed, "dept", [f"{d.code}/{y}" for d in departments for y in years], options.messy)
    for year in years:
        yield funds_document(seed, year, str(year) in messy_funds)
    for dept in departments:
        for year in years:
            yield dept_document(seed, dept, year, f"{dept.code}/{year}" in messy_depts)


def generate(out: Path, options: Options) -> dict:
    """Write the corpus into ``out`` (created if needed) and return the manifest it also writes there."""
    options.check()
    departments = pick_departments(options.seed, options.departments)  # refuses before anything is written
    out.mkdir(parents=True, exist_ok=True)
    years = sorted(set(options.years))
    renderers = {fmt: _renderer(fmt) for fmt in options.formats}
    documents = []
    for doc, entry in _documents(options, departments, years):
        files = []
        for fmt, render in renderers.items():
            name = f"{doc.stem}.{fmt}"
            (out / name).write_bytes(render(doc))
            files.append(name)
        documents.append({"files": files, **entry})
    manifest = {
        "generator": "bench.corpus",
        "arguments": {"departments": options.departments, "years": years, "seed": options.seed,
                      "formats": list(options.formats), "messy": options.messy},
        "documents": documents,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return manifest
