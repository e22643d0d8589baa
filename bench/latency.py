"""Answer latency of the embedded engine: ``python -m bench.latency``.

Ingests the two text exports into a scratch store (with the vector index), warms
the assistant with one pass over the questions, then times every question
``ROUNDS`` more times in the same process and reports median and p95 per
question and overall.  The questions are the development set's wording only as
input; nothing here depends on their answers.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK = ROOT / "tests" / "retrieval_set.jsonl"
REPORT = ROOT / "bench" / "latency_report.md"
ROUNDS = 5


def questions() -> list[str]:
    """The dev questions when the shared set is beside the project, else our retrieval queries."""
    source = QUESTIONS if QUESTIONS.exists() else FALLBACK
    key = "question" if source == QUESTIONS else "query"
    return [json.loads(line)[key] for line in source.read_text(encoding="utf-8").splitlines() if line]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_questions(ask: Callable[[str], object], qs: list[str],
                   rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Milliseconds per question over ``rounds`` passes, after one untimed warm-up pass.

    The warm-up loads vocabulary, caches and models, so the figures are those of a
    running service (bench.scale times its question mix with the same loop).
    """
    for q in qs:
        ask(q)
    per_question: dict[str, list[float]] = {q: [] for q in qs}
    for _ in range(rounds):
        for q in qs:
            t0 = time.perf_counter()
            ask(q)
            per_question[q].append((time.perf_counter() - t0) * 1000)
    return per_question


def main() -> str:
    home = Path(tempfile.mkdtemp(prefix="budgetqa-bench-"))
    os.environ["BUDGETQA_HOME"] = str(home)
    from assistant.service import Assistant, Conversation
    from db.engine import make_engine
    from db.vector import VectorIndex
    from ingest.pipeline import ingest_paths

    engine = make_engine()
    samples = ROOT / "data" / "samples"
    start = time.perf_counter()
    index = VectorIndex(engine)
    ingest_paths(engine, sorted(samples.glob("*.txt")), hook=index)
    index.fill_dense()  # answers are timed on the complete index, as after ``budgetqa index``
    ingest_s = time.perf_counter() - start
    assistant = Assistant(engine)
    qs = questions()
    per_question = time_questions(lambda q: assistant.ask(q, Conversation()), qs)
    all_ms = [ms for values in per_question.values() for ms in values]
    lines = [
        "# 问答延迟（内置规则引擎，热启动，单进程）",
        "",
        f"问题 {len(qs)} 个，每题 {ROUNDS} 次；入库两个 txt（含向量索引）用时 {ingest_s:.1f} 秒。",
        "",
        f"**总体：中位数 {statistics.median(all_ms):.1f} ms，p95 {percentile(all_ms, 0.95):.1f} ms，"
        f"最大 {max(all_ms):.1f} ms**",
        "",
        "| 问题 | 中位数 ms | p95 ms |",
        "| --- | ---: | ---: |",
    ]
    for q, values in per_question.items():
        lines.append(f"| {q} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} |")
    report = "\n".join(lines) + "\n"
    REPORT.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
