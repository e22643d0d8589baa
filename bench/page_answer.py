"""Time from pressing Enter to the complete answer on the page: ``python -m bench.page_answer``.

Runs ``budgetqa serve`` on a scratch store holding the two text exports and
drives the page in headless Chromium: each example question the page offers
is typed into the question box and Enter is pressed; the clock stops when that
question's answer block is complete (``data-state="done"``: text, table, chart
and sources all rendered).  One warm-up pass, then ``ROUNDS`` timed passes,
each in a new conversation.  Writes bench/page_answer_report.md.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.page_server import ROOT, environment, ingest, start

SAMPLES = ROOT / "data" / "samples"
DOCUMENTS = ("wansheng_2024_key_special_funds.txt", "wansheng_2024_admin_office_dept_budget.txt")
REPORT = ROOT / "bench" / "page_answer_report.md"
ROUNDS = 5
CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 60_000  # ms


def seconds_to_answer(page: Page, question: str) -> float:
    """Type ``question``, press Enter, wait until its answer block is complete; the seconds that took."""
    done = page.locator("[data-turn][data-state=done]")
    before = done.count()
    box = page.locator("#question textarea")
    box.fill(question)
    began = time.perf_counter()
    box.press("Enter")
    done.nth(before).wait_for(timeout=TIMEOUT)
    return time.perf_counter() - began


def main() -> str:
    with tempfile.TemporaryDirectory(prefix="budgetqa-page-answer-") as tmp:
        env = environment(Path(tmp))
        ingest(env, *(SAMPLES / name for name in DOCUMENTS))
        server = start(env)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-background-networking"])
                page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 720})
                page.goto(server.url)
                page.get_by_text("已导入", exact=False).wait_for(timeout=TIMEOUT)
                questions = [q for q in page.locator("#examples button").all_inner_texts() if q != "新对话"]
                for question in questions:  # warm-up: vocabulary, segmenter, index
                    seconds_to_answer(page, question)
                times: dict[str, list[float]] = {q: [] for q in questions}
                for _ in range(ROUNDS):
                    page.get_by_role("button", name="新对话").click()
                    page.locator("[data-turn]").first.wait_for(state="detached")
                    for question in questions:
                        times[question].append(seconds_to_answer(page, question))
                browser.close()
        finally:
            server.stop()
    every = [s for values in times.values() for s in values]
    lines = [
        "# 页面：从按下回车到显示完整答案",
        "",
        f"页面上的 {len(questions)} 个示例问题，每题 {ROUNDS} 次（先预热一遍，每轮新对话）；"
        "库中为两个 txt 样例；Chromium 无头浏览器，1280×720。计时到该问题的答案块完整显示"
        "（文字、结果表、图表、引用原文）。",
        "",
        f"**总体：中位数 {statistics.median(every):.2f} 秒，最大 {max(every):.2f} 秒**",
        "",
        "| 问题 | 中位数 秒 | 最大 秒 |",
        "| --- | ---: | ---: |",
        *(f"| {q} | {statistics.median(v):.2f} | {max(v):.2f} |" for q, v in times.items()),
    ]
    report = "\n".join(lines) + "\n"
    REPORT.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
