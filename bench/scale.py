"""How ingest and answers scale with the library: ``python -m bench.scale [--quick]``.

At 1×, 10× and 100× the sample corpus (1× = one 重点专项 compilation and one
department disclosure, the two sample documents' kinds and size), a library is
generated with ``bench.corpus`` (text only, fixed seed) and, on SQLite and on a
throwaway PostgreSQL server (tests/pg_server.py), measured for:

* ingest throughput, documents/s and stored rows/s (rows counted in the store),
  without the vector index (bench/retrieval.py measures the index);
* warm answer latency, median and p95, of a fixed question mix worded from the
  generated manifest (bench/scale_questions.py), timed by bench.latency's loop;
* peak RSS of the ingest and of the answering, each in its own fresh process so
  one phase's peak never hides in the other's;
* the statements taking most time in one extra answering pass (SQLAlchemy cursor
  events), to show where a slow scale spends it.

Writes bench/scale_report.md and bench/scale.png (bench/scale_results.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.corpus import Options, generate
from bench.latency import time_questions
from bench.scale_questions import question_mix
from bench.scale_results import Cell, write_outputs

SCALES = (1, 10, 100)
QUICK_SCALES = (1, 10)
BACKENDS = ("sqlite", "postgresql")
ALL_YEARS = (2021, 2022, 2023, 2024, 2025)
MAX_DEPARTMENTS = 45  # the generator names at most the departments the samples name
SEED = 11
ROUNDS = {"sqlite": 5, "postgresql": 5}  # timed passes over the mix after the warm-up pass
TOP_STATEMENTS = 5


def ingest_repeats(scale: int) -> int:
    """Short ingests run several times (the median is kept): one second of a busy machine
    must not decide the 1× rate every other scale is compared with."""
    return 5 if scale == 1 else 3 if scale <= 10 else 1


def layout(scale: int) -> tuple[int, tuple[int, ...]]:
    """Departments and years so that the documents, years × (1 + departments), come to 2 × scale.

    1× is the samples' year with one disclosure; above it, the years grow first (at most
    five), then the departments (at most 45, so at most 115×).  The compilation is one per
    year and keeps its size, so stored rows grow slower than documents: the report says how much.
    """
    if scale == 1:
        return 1, (2024,)
    years = ALL_YEARS[-min(len(ALL_YEARS), scale):]
    departments = round(2 * scale / len(years)) - 1
    if not 1 <= departments <= MAX_DEPARTMENTS:
        raise ValueError(f"scale {scale}× needs {departments} departments; "
                         f"the generator has 1–{MAX_DEPARTMENTS}")
    return departments, years


def peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM, KiB).  Not ``ru_maxrss``: Linux keeps that
    across fork and exec, so a fresh interpreter started by a large parent (``make bench`` after
    the embedding model is loaded) would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def files_of(corpus: Path) -> list[Path]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return [corpus / name for doc in manifest["documents"] for name in doc["files"]]


# ----- the two phases, each run in a fresh process ------------------------------------------------------

def stored_counts(engine) -> dict[str, int]:
    """Rows in every table of the store (Alembic's bookkeeping aside), counted after the ingest."""
    from sqlalchemy import inspect, text

    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def ingest_phase(url: str, corpus: Path) -> dict:
    """Ingest the corpus into an empty store (schema made before the clock starts); count what is stored.

    Besides wall time, this process's CPU time: on a shared machine it shows how much of
    the wall time was the ingest's own work (PostgreSQL's server work is not in it).
    """
    from db.engine import make_engine
    from ingest.pipeline import ingest_paths

    engine = make_engine(url)
    paths = files_of(corpus)
    start, cpu = time.perf_counter(), time.process_time()
    results = ingest_paths(engine, paths)  # no hook: no vector index
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    counts = stored_counts(engine)
    engine.dispose()
    return {"seconds": seconds, "cpu_s": cpu_s, "failed": sum(r.failed for r in results),
            "counts": counts, "rss_mb": peak_rss_mb()}


@contextmanager
def statement_clock(engine) -> Iterator[dict[str, list[float]]]:
    """Milliseconds of every SQL statement run while inside, by statement text (whitespace folded)."""
    from sqlalchemy import event

    spent: dict[str, list[float]] = {}

    def before(conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, _cursor, statement, _params, _context, _many) -> None:
        ms = (time.perf_counter() - conn.info["bench_started"].pop()) * 1000
        spent.setdefault(re.sub(r"\s+", " ", statement).strip(), []).append(ms)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _spent_ms(spent: dict[str, list[float]]) -> float:
    return sum(sum(times) for times in spent.values())


def answer_phase(url: str, corpus: Path, rounds: int) -> dict:
    """Time the question mix warm on the stored library, then profile one more pass by statement.

    The profiled pass also gives each question's time inside SQL, which tells whether a
    question that slows with the library needs an index or is slow in Python.
    """
    from assistant.conversation import Conversation
    from assistant.semantic.engine import SemanticEngine
    from db.engine import make_engine

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    mix = question_mix(manifest)
    engine = make_engine(url, migrate=False)
    semantic = SemanticEngine(engine)  # no vector index: the rule engine over SQL only
    ask: Callable[[str], object] = lambda q: semantic.ask(q, Conversation())  # noqa: E731
    timed = time_questions(ask, [q for _, q in mix], rounds)
    understood = sum(semantic.ask(q, Conversation()).understood for _, q in mix)
    sql_ms: dict[str, float] = {}
    with statement_clock(engine) as spent:
        for kind, q in mix:
            before = _spent_ms(spent)
            ask(q)
            sql_ms[kind] = _spent_ms(spent) - before
    top = sorted(((sum(v), len(v), sql) for sql, v in spent.items()), reverse=True)[:TOP_STATEMENTS]
    engine.dispose()
    return {"ms": {kind: timed[q] for kind, q in mix}, "questions": dict(mix), "understood": understood,
            "statements": top, "sql_ms": sql_ms, "rss_mb": peak_rss_mb()}


def in_fresh_process(fn: Callable[..., dict], *args) -> dict:
    """Run ``fn`` in a new spawned interpreter, so its peak RSS is its own and nothing is warm."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# ----- stores and the run -----------------------------------------------------------------------------

@contextmanager
def store_url(backend: str, path: Path) -> Iterator[str]:
    """An empty store: the SQLite file ``path``, or a fresh PostgreSQL cluster stopped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{path}"
        return
    from tests.pg_server import postgres_url

    with postgres_url() as url:
        yield url


def _note_load(cell: Cell) -> None:
    cell.load = max(cell.load, os.getloadavg()[0])


def measure(scale: int, backend: str, corpus: Path, folder: Path) -> Cell:
    """Ingest (repeated for small scales, each on a new store), then answer on the last store;
    every phase in its own process."""
    departments, years = layout(scale)
    cell = Cell(scale, backend, departments, years, rounds=ROUNDS[backend])
    repeats = ingest_repeats(scale)
    for run_no in range(repeats):
        with store_url(backend, folder / f"scale-{run_no}.db") as url:
            _note_load(cell)
            ingested = in_fresh_process(ingest_phase, url, corpus)
            cell.add_ingest(ingested)
            _note_load(cell)
            if run_no == repeats - 1:
                answered = in_fresh_process(answer_phase, url, corpus, cell.rounds)
                _note_load(cell)
    cell.answer_ms, cell.questions = answered["ms"], answered["questions"]
    cell.understood, cell.answer_rss_mb = answered["understood"], answered["rss_mb"]
    cell.statements = [tuple(s) for s in answered["statements"]]
    cell.sql_ms = answered["sql_ms"]
    return cell


def available(backends: list[str]) -> tuple[list[str], list[str]]:
    """The backends that can run here, and a note for each that cannot (said in the report)."""
    from tests.pg_server import binaries

    notes = []
    if "postgresql" in backends and binaries() is None:
        notes.append("PostgreSQL 未安装（.ci/system-deps 会安装），本次未测 PostgreSQL。")
        backends = [b for b in backends if b != "postgresql"]
    return backends, notes


def run(scales: list[int], backends: list[str]) -> tuple[list[Cell], list[str]]:
    """Every scale on every backend, the corpus generated once per scale."""
    backends, notes = available(backends)
    cells = []
    with tempfile.TemporaryDirectory(prefix="budgetqa-scale-") as tmp:
        os.environ["BUDGETQA_HOME"] = str(Path(tmp) / "home")  # nothing of the project's own store is used
        for scale in scales:
            departments, years = layout(scale)
            corpus = Path(tmp) / f"corpus-{scale}"
            generate(corpus, Options(departments, years, SEED, ("txt",)))
            for backend in backends:
                started = time.perf_counter()
                folder = Path(tempfile.mkdtemp(dir=tmp, prefix=f"{backend}-{scale}-"))
                cells.append(measure(scale, backend, corpus, folder))
                print(f"  {scale}× {backend}: {time.perf_counter() - started:.0f} s", flush=True)
    return cells, notes


def _scales(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=_scales, default=list(SCALES),
                        help="comma-separated multiples of the samples, default 1,10,100")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated, default sqlite,postgresql")
    parser.add_argument("--quick", action="store_true",
                        help=f"scales {','.join(map(str, QUICK_SCALES))} only")
    args = parser.parse_args(argv or [])
    scales = list(QUICK_SCALES) if args.quick else args.scales
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    for scale in scales:
        try:
            layout(scale)
        except ValueError as exc:
            parser.error(str(exc))
    started = time.perf_counter()
    cells, notes = run(scales, backends)
    return write_outputs(cells, notes, SEED, time.perf_counter() - started)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
