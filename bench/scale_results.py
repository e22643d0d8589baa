"""bench.scale's measured cells, and the Markdown report and plot made of them (matplotlib, a dependency).

The targets are judged here from the figures, so the report states plainly
whether they are met: answer median at the largest scale within 3× of 1×, and
ingest rows/s flat (the largest scale at least 80 % of 1×'s rate).
"""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.latency import percentile
from bench.scale_questions import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "scale_report.md"
PLOT = ROOT / "bench" / "scale.png"
MEDIAN_LIMIT = 3.0  # answer median at the largest scale / at 1×
RATE_FLOOR = 0.8  # ingest rows/s at the largest scale / at 1×, "flat"
COLOURS = {"sqlite": "tab:blue", "postgresql": "tab:orange"}  # one colour per backend in every panel


@dataclass
class Cell:
    """One scale on one backend: what was stored, how fast, how much memory."""

    scale: int
    backend: str
    departments: int
    years: tuple[int, ...]
    ingest_runs: list[float] = field(default_factory=list)  # seconds of each ingest (a new store each)
    ingest_cpu_runs: list[float] = field(default_factory=list)  # the ingest process's CPU seconds
    failed_files: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # table → rows after the ingest
    ingest_rss_mb: float = 0.0
    answer_ms: dict[str, list[float]] = field(default_factory=dict)  # kind → timed runs
    questions: dict[str, str] = field(default_factory=dict)  # kind → question as asked
    understood: int = 0
    answer_rss_mb: float = 0.0
    rounds: int = 0
    statements: list[tuple[float, int, str]] = field(default_factory=list)  # (total ms, calls, SQL)
    sql_ms: dict[str, float] = field(default_factory=dict)  # kind → ms inside SQL, profiled pass
    load: float = 0.0  # the machine's 1-minute load average, the highest seen around the phases

    def add_ingest(self, run: dict) -> None:
        """One ingest's figures; the store's counts are the same for every run of a cell."""
        self.ingest_runs.append(run["seconds"])
        self.ingest_cpu_runs.append(run["cpu_s"])
        self.failed_files = max(self.failed_files, run["failed"])
        self.counts = run["counts"]
        self.ingest_rss_mb = max(self.ingest_rss_mb, run["rss_mb"])

    @property
    def ingest_s(self) -> float:
        return statistics.median(self.ingest_runs) if self.ingest_runs else 0.0

    @property
    def ingest_cpu_s(self) -> float:
        return statistics.median(self.ingest_cpu_runs) if self.ingest_cpu_runs else 0.0

    @property
    def documents(self) -> int:
        return self.counts.get("documents", 0)

    @property
    def source_rows(self) -> int:
        """Every line or cell of the files, kept for citing: the measure of how much text went in."""
        return self.counts.get("source_rows", 0)

    @property
    def rows(self) -> int:
        """All rows the ingest stored, in every table: what the write rate is counted in."""
        return sum(self.counts.values())

    @property
    def all_ms(self) -> list[float]:
        return [ms for runs in self.answer_ms.values() for ms in runs]

    @property
    def median_ms(self) -> float:
        return percentile(self.all_ms, 0.5) if self.all_ms else 0.0

    @property
    def p95_ms(self) -> float:
        return percentile(self.all_ms, 0.95) if self.all_ms else 0.0


def _by_backend(cells: list[Cell]) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = {}
    for cell in sorted(cells, key=lambda c: c.scale):
        out.setdefault(cell.backend, []).append(cell)
    return out


def _rate(cell: Cell) -> float:
    return cell.rows / cell.ingest_s if cell.ingest_s else 0.0


def _times(value: float, base: float, digits: int) -> str:
    """``value`` as a multiple of the 1× figure, or a dash when there is no 1× figure."""
    return f"{value / base:.{digits}f}" if base else "–"


def _base(cells: list[Cell], cell: Cell) -> Cell | None:
    """The 1× cell of the same backend, when it was run."""
    return next((c for c in cells if c.backend == cell.backend and c.scale == 1), None)


def main_table(cells: list[Cell]) -> list[str]:
    """One line per scale and backend: size, ingest speed, answer latency, memory."""
    lines = ["| 规模 | 后端 | 部门×年 | 文档 | 专项 | 源行（×1×） | 入库总行数（×1×） | 入库 s（次） "
             "| 入库 CPU s | 文档/s | 行/s | 入库峰值 RSS MB | 回答中位数 ms | 回答 p95 ms | 中位数×1× "
             "| 回答峰值 RSS MB | 理解 | 负载 |",
             "| ---: | --- | --- |" + " ---: |" * 15]
    for cell in sorted(cells, key=lambda c: (c.backend, c.scale)):
        base = _base(cells, cell)
        source_x = _times(cell.source_rows, base.source_rows if base else 0, 1)
        rows_x = _times(cell.rows, base.rows if base else 0, 1)
        median_x = _times(cell.median_ms, base.median_ms if base else 0, 2)
        years = f"{cell.years[0]}–{cell.years[-1]}" if len(cell.years) > 1 else str(cell.years[0])
        lines.append(
            f"| {cell.scale}× | {cell.backend} | {cell.departments}×{len(cell.years)}（{years}） "
            f"| {cell.documents} | {cell.counts.get('funds', 0):,} | {cell.source_rows:,}（{source_x}） "
            f"| {cell.rows:,}（{rows_x}） | {cell.ingest_s:.1f}（{len(cell.ingest_runs)}） "
            f"| {cell.ingest_cpu_s:.1f} | {cell.documents / cell.ingest_s:.2f} | {_rate(cell):,.0f} "
            f"| {cell.ingest_rss_mb:.0f} | {cell.median_ms:.1f} | {cell.p95_ms:.1f} | {median_x} "
            f"| {cell.answer_rss_mb:.0f} | {cell.understood}/{len(cell.questions)} | {cell.load:.1f} |")
    return lines


def verdicts(cells: list[Cell]) -> list[str]:
    """Whether each target is met on each backend, with the figures it rests on."""
    lines = []
    for backend, row in _by_backend(cells).items():
        base, top = row[0], row[-1]
        if base.scale != 1 or top is base:
            lines.append(f"- {backend}：未同时测 1× 与更大规模，无法判断。")
            continue
        ratio = top.median_ms / base.median_ms
        rate = _rate(top) / _rate(base)
        median_met = "达到" if ratio <= MEDIAN_LIMIT else "未达到"
        rate_met = "达到" if rate >= RATE_FLOOR else "未达到"
        lines.append(f"- {backend}：回答中位数 {top.scale}× 是 1× 的 {ratio:.2f} 倍"
                     f"（目标 ≤ {MEDIAN_LIMIT:g}）——{median_met}；"
                     f"入库 行/s {top.scale}× 是 1× 的 {rate:.2f} 倍"
                     f"（目标“持平”，≥ {RATE_FLOOR:g}）——{rate_met}。")
    return lines


def question_table(cells: list[Cell]) -> list[str]:
    """Median ms of each question kind in each cell, and at the largest scale the ms of it spent
    inside SQL (profiled pass): which kinds grow with the store, and whether an index could help."""
    ordered = sorted(cells, key=lambda c: (c.backend, c.scale))
    top_scale = max(c.scale for c in cells)
    largest = [c for c in ordered if c.scale == top_scale]
    head = " | ".join([*(f"{c.backend} {c.scale}×" for c in ordered),
                       *(f"其中 SQL：{c.backend} {c.scale}×" for c in largest)])
    lines = [f"| 问题类型 | {head} |", "| --- |" + " ---: |" * (len(ordered) + len(largest))]
    for kind, _ in TEMPLATES:
        medians = [f"{statistics.median(c.answer_ms[kind]):.1f}" for c in ordered]
        sql = [f"{c.sql_ms.get(kind, 0.0):.1f}" for c in largest]
        lines.append(f"| {kind} | {' | '.join(medians + sql)} |")
    return lines


def example_questions(cells: list[Cell]) -> list[str]:
    """The mix as asked at the largest scale (the names differ per scale, the kinds do not)."""
    largest = max(cells, key=lambda c: c.scale)
    return [f"- {kind}：{question}" for kind, question in largest.questions.items()]


def statement_table(cells: list[Cell]) -> list[str]:
    """The statements that took most time in one profiled pass at the largest scale, per backend."""
    lines = []
    top_scale = max(c.scale for c in cells)
    for cell in sorted((c for c in cells if c.scale == top_scale), key=lambda c: c.backend):
        lines += ["", f"**{cell.backend} {cell.scale}×**（一遍问题，共 {len(cell.questions)} 题）", "",
                  "| 合计 ms | 次数 | SQL（前 160 字） |", "| ---: | ---: | --- |"]
        for total_ms, calls, sql in cell.statements:
            text = sql[:160].replace("|", "\\|")
            lines.append(f"| {total_ms:.1f} | {calls} | `{text}` |")
    return lines


def method(cells: list[Cell], notes: list[str], seed: int, seconds: float) -> list[str]:
    rounds = "，".join(sorted({f"{c.backend} {c.rounds} 遍" for c in cells}))
    return [
        f"库由 `python -m bench.corpus --formats txt --seed {seed}` 生成：1× 为 2024 年"
        "一份重点专项汇编加一个部门的部门预算公开（即两个样例文件的种类与大小）；"
        "N× 取 年数×(1+部门数) = 2N 份文档。汇编每年一份且大小不变，生成器最多 5 年、45 个部门，"
        "所以文档数按 N 增长，而源行只增长到表中“×1×”所示的倍数。",
        "",
        "**入库不建向量索引**（`ingest_paths` 不带 hook；向量索引由 bench/retrieval.py 另测）。"
        "入库从空库开始，建表/迁移不计时。“入库总行数”是入库后从库中数出的全部表的行数之和"
        "（alembic_version 除外），行/s 按它算；“源行”是其中的 `source_rows`（文件中每一行/单元格，供引用）。"
        "小规模的入库重复数次（次数见括号），每次新建空库、新进程，取中位数；"
        "“入库 CPU s”是入库进程自身的 CPU 时间（PostgreSQL 服务器进程的不在内）。",
        "",
        f"回答：内置规则引擎（`SemanticEngine`，无向量索引），热启动——先整组问一遍不计时，再计时 {rounds}"
        f"（bench.latency 的 `time_questions`），中位数与 p95 取所有题所有次。问题 {len(TEMPLATES)} 类，"
        "名称按同一规则取自各规模自己的 manifest（各规模所问的专项与部门相同）；"
        "“理解”为引擎标记为已理解的题数。计时后再问一遍、用 SQLAlchemy 游标事件给每条语句计时，"
        "得出下面的“其中 SQL”列与最慢语句表。",
        "",
        "峰值 RSS：入库与回答各在一个新启动的进程中运行（spawn），"
        "取该进程自身的峰值常驻内存（`/proc/self/status` 的 VmHWM），"
        "含解释器与依赖库本身。"
        "PostgreSQL 为 tests/pg_server.py 起的临时服务器（fsync=off，Unix socket），每次入库一个新集群。",
        "",
        f"机器：{os.cpu_count()} 核，Python {platform.python_version()}，{platform.system()}；"
        f"整次运行 {seconds / 60:.1f} 分钟。"
        "同机有其他任务在跑，“负载”列是测量前后见到的最高 1 分钟平均负载，负载高时数字偏慢、噪声大。",
        *([""] + [f"注意：{n}" for n in notes] if notes else []),
    ]


def report(cells: list[Cell], notes: list[str], seed: int, seconds: float) -> str:
    lines = ["# 规模基准：1×/10×/100× 样例语料，SQLite 与 PostgreSQL（`python -m bench.scale`）", "",
             *method(cells, notes, seed, seconds), "", "## 结果", "", *main_table(cells), "", "## 目标", "",
             *verdicts(cells), "", f"![scale]({PLOT.name})", "", "## 各类问题的中位数（ms）", "",
             *question_table(cells), "", "最大规模下的问题原文：", "", *example_questions(cells), "",
             "## 最大规模下耗时最多的 SQL 语句", *statement_table(cells)]
    return "\n".join(lines) + "\n"


def plot(cells: list[Cell], path: Path) -> None:
    """Three panels over scale (log): ingest rows/s, answer median and p95, peak RSS; a line per backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (rate, latency, memory) = plt.subplots(1, 3, figsize=(14, 4.2))
    for backend, row in _by_backend(cells).items():
        x, colour = [c.scale for c in row], COLOURS.get(backend, "tab:gray")
        rate.plot(x, [_rate(c) for c in row], marker="o", color=colour, label=backend)
        latency.plot(x, [c.median_ms for c in row], marker="o", color=colour, label=f"{backend} median")
        latency.plot(x, [c.p95_ms for c in row], marker="^", linestyle="--", color=colour,
                     label=f"{backend} p95")
        memory.plot(x, [c.ingest_rss_mb for c in row], marker="o", color=colour, label=f"{backend} ingest")
        memory.plot(x, [c.answer_rss_mb for c in row], marker="s", linestyle="--", color=colour,
                    label=f"{backend} answer")
    titles = ("Ingest (rows stored in all tables / s, no vector index)", "Answer latency, warm (ms)",
              "Peak RSS (MB)")
    for axis, title in zip((rate, latency, memory), titles, strict=True):
        axis.set_xscale("log")
        axis.set_xticks(sorted({c.scale for c in cells}), [f"{s}x" for s in sorted({c.scale for c in cells})])
        axis.set_xlabel("library size (x the two sample documents)")
        axis.set_title(title, fontsize=10)
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(cells: list[Cell], notes: list[str], seed: int, seconds: float) -> str:
    """Write bench/scale_report.md and bench/scale.png; return the report."""
    text = report(cells, notes, seed, seconds)
    REPORT.write_text(text, encoding="utf-8")
    plot(cells, PLOT)
    return text
