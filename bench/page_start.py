"""Time to the first page: ``python -m bench.page_start``.

Cold is what ``make run`` costs on a fresh machine once installed: ``budgetqa
serve --samples data/samples`` on an empty BUDGETQA_HOME, so the sample corpus
is ingested (SQL store and lexical index, empty embedding cache) before Gradio
starts; the dense vectors are computed in the background once the page is up.
Warm is the same command again on the filled store.  Each is measured from
starting the process to the first HTTP 200 of the page.  Prints the report and
writes it to bench/page_start_report.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.page_server import ROOT, environment, start

SAMPLES = ROOT / "data" / "samples"
REPORT = ROOT / "bench" / "page_start_report.md"
WARM_RUNS = 3


def seconds_to_page(home: Path) -> float:
    """Start ``budgetqa serve --samples`` on ``home``, wait for the page, stop; the seconds it took."""
    server = start(environment(home, cold=True), samples=SAMPLES)
    server.stop()
    return server.seconds


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="budgetqa-page-start-") as tmp:
        home = Path(tmp)
        cold = seconds_to_page(home)
        warm = [seconds_to_page(home) for _ in range(WARM_RUNS)]
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
    report = (
        "# 页面启动时间\n\n"
        "从启动 `budgetqa serve --samples data/samples` 到页面返回 HTTP 200 的秒数"
        "（`make run` 安装之后的部分）。\n\n"
        f"- 冷启动（空库：先导入 {len(files)} 个样例文件，含字词索引，无嵌入缓存；"
        "语义向量在页面启动后于后台计算）："
        f"**{cold:.1f} 秒**\n"
        f"- 热启动（库中已有数据，{WARM_RUNS} 次）：**{min(warm):.1f} – {max(warm):.1f} 秒**\n"
    )
    REPORT.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
