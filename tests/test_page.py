"""The chat page end to end in real headless Chromium, plus the pure functions behind its panels.

The server is the real ``python -m cli serve`` on its own store holding the two
.txt samples; the browser is Debian's chromium, offline: every request that is
not to the page's own server is aborted and recorded, so the test fails if the
page tries to fetch fonts or scripts from the internet.  Screenshots are kept
in ``tests/artifacts/`` for a human to look at.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import page_server
import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from gradio_client import Client
from openpyxl import load_workbook
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from assistant.answer import Answer
from assistant.presenting import (
    CHART_LIMIT,
    chart_frame,
    chart_title,
    citation_rows,
    export_rows,
    rows_frame,
    sql_text,
)
from db.citations import Citation

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
ANSWER_TIMEOUT = 20_000  # ms; answers take well under a second, the first one loads the vocabulary
UPLOADED = "测试单位2024年工作说明.txt"
# English the page may show: the download formats and the SQL label; file names are removed first
ALLOWED_ENGLISH = {"CSV", "Excel", "SQL"}


# ---- the panels' pure functions -----------------------------------------------------------


def _answer(**kw) -> Answer:
    return Answer(question="问", text="答", **kw)


def test_citation_rows_give_file_location_and_original_text():
    cited = Citation(source="a.txt", text="79\t医疗专项\t4,583.5", line=113)
    on_page = Citation(source="b.pdf", text="行", page=3, row=7)
    assert citation_rows(_answer(citations=[cited, on_page])) == [
        ["a.txt", "第113行", "79\t医疗专项\t4,583.5"],
        ["b.pdf", "第3页 第7行", "行"],
    ]


def test_sql_text_ends_every_statement_once():
    assert sql_text(_answer(sql=["SELECT 1", "SELECT 2;\n", " "])) == "SELECT 1;\n\nSELECT 2;"


def test_chart_keeps_the_largest_bars_and_says_so():
    pairs = [(f"部门{i}", float(i)) for i in range(CHART_LIMIT + 5)]
    answer = _answer(chart=pairs, chart_title="各部门合计（万元）")
    frame = chart_frame(answer)
    assert frame is not None and len(frame) == CHART_LIMIT
    assert frame.iloc[0].tolist() == [f"部门{CHART_LIMIT + 4}", CHART_LIMIT + 4.0]
    assert chart_title(answer) == f"各部门合计（万元）（前{CHART_LIMIT}项，共{CHART_LIMIT + 5}项）"
    assert chart_frame(_answer()) is None


def test_exports_keep_exact_amounts_and_open_in_excel(tmp_path: Path):
    rows = [{"专项": "人才发展专项", "金额": Decimal("300.0000")},
            {"专项": "老党员补贴", "金额": Decimal("122.74")},
            {"专项": "未列金额", "备注": None}]
    answer = _answer(rows=rows)
    csv_path, xlsx_path = export_rows(answer, tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8 Chinese"
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        ["专项", "金额", "备注"], ["人才发展专项", "300", ""], ["老党员补贴", "122.74", ""],
        ["未列金额", "", ""],
    ]
    sheet = load_workbook(xlsx_path).active
    assert [c.value for c in sheet[2]] == ["人才发展专项", 300, None]
    assert [c.value for c in sheet[3]] == ["老党员补贴", 122.74, None]
    assert rows_frame(answer).values.tolist() == [["人才发展专项", "300", ""], ["老党员补贴", "122.74", ""],
                                                   ["未列金额", "", ""]]
    assert export_rows(_answer(), tmp_path / "none") is None


# ---- the page in a browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[page_server.Server]:
    """``budgetqa serve`` on a store holding the two .txt samples."""
    yield from page_server.serving(tmp_path_factory.mktemp("page"), SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: page_server.Server) -> Iterator[Page]:
    """A fresh browser session (its own conversation) with the internet cut off."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000},
                                  accept_downloads=True)
    outside: list[str] = []

    def offline(route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(server.url)
    expect(page.get_by_text("已导入", exact=False)).to_be_visible(timeout=ANSWER_TIMEOUT)
    yield page
    context.close()
    assert outside == [], f"页面试图访问外网：{outside}"


def _shot(page: Page, name: str) -> None:
    page_server.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(page_server.ARTIFACTS / name), full_page=True)


def _settled(page: Page, answers: int) -> Locator:
    """The last answer once there are ``answers`` and streaming and the side panel are done."""
    bots = page.locator("[data-testid=bot]")
    expect(bots).to_have_count(answers, timeout=ANSWER_TIMEOUT)
    expect(page.locator(".generating")).to_have_count(0, timeout=ANSWER_TIMEOUT)
    return bots.last


def _ask(page: Page, question: str, answers: int) -> Locator:
    """Type a question, press Enter, and wait for the whole answer (it is the ``answers``-th)."""
    box = page.get_by_placeholder("例如：哪个部门的专项预算最多？")
    box.fill(question)
    box.press("Enter")
    return _settled(page, answers)


def _english_words(page: Page) -> set[str]:
    """Latin words in the visible text once file names are removed: UI left untranslated."""
    text = re.sub(r"\S*\.(?:txt|md|pdf|xlsx|docx)", " ", page.inner_text("body"))
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_ENGLISH


def test_chat_cites_sources_and_follows_up(page: Page):
    expect(_ask(page, "哪个部门的专项预算最多", 1)).to_contain_text("卫生健康局")
    citations = page.locator(".zh-table").first
    expect(citations).to_contain_text(FUNDS_TXT)
    expect(citations).to_contain_text("733-重庆市万盛经济技术开发区卫生健康局")
    expect(citations).to_contain_text("第113行")
    expect(page.get_by_text("回答方式：规则引擎", exact=False).first).to_be_visible()
    expect(page.get_by_text("检索：", exact=False).first).to_be_visible()
    expect(page.get_by_text("（前15项，共", exact=False)).to_be_visible()  # the ranking's bar chart
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV").click()
    rows = list(csv.reader(Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) > 10 and any("卫生健康局" in cell for cell in rows[1])
    expect(page.get_by_role("button", name="下载 Excel")).to_be_visible()
    assert _english_words(page) == set()
    page.get_by_role("button", name="SQL 语句").click()
    expect(page.locator(".cm-content").first).to_contain_text("SELECT")
    _shot(page, "01-answer.png")

    expect(_ask(page, "它有几个专项？", 2)).to_contain_text("卫生健康局共有5个")
    expect(citations).to_contain_text("医疗卫生系统重点建设及采购专项")
    _shot(page, "02-follow-up.png")


def test_example_click_asks_in_a_new_session(page: Page):
    page.get_by_role("button", name="办公用房管理专项今年预算多少？").click()
    # one answer only: nothing carried over from the other test's session
    expect(_settled(page, 1)).to_contain_text("550")


def test_upload_reports_each_file_in_chinese(page: Page, tmp_path: Path):
    good = tmp_path / UPLOADED
    good.write_text("测试单位2024年工作说明\n\n一、基本情况\n本单位2024年一般公共预算支出123.45万元。\n",
                    encoding="utf-8")
    empty = tmp_path / "空文件.txt"
    empty.write_bytes(b"")
    page.get_by_role("tab", name="导入文件").click()
    page.locator("input[type=file][multiple]").set_input_files([str(good), str(empty)])
    expect(page.get_by_text(UPLOADED).first).to_be_visible()
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text(f"{UPLOADED}：新增", exact=False)).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(page.get_by_text("空文件.txt：失败", exact=False)).to_be_visible()
    expect(page.get_by_text("共 2 个文件，成功 1 个，失败 1 个", exact=False)).to_be_visible()
    expect(page.get_by_text("已导入 3 份文件", exact=False)).to_be_visible()
    _shot(page, "03-upload.png")
    assert _english_words(page) == set()


def test_check_tab_shows_the_reconciliation_report(page: Page):
    page.get_by_role("tab", name="数据核对").click()
    page.get_by_role("button", name="开始核对").click()
    expect(page.get_by_text("数据核对报告：共", exact=False)).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(page.get_by_text("目录与绩效目标表金额不一致").first).to_be_visible()
    expect(page.get_by_text("妇女儿童事业发展专项", exact=False).first).to_be_visible()
    _shot(page, "04-check.png")


def test_chat_api_answers_with_text(server: page_server.Server):
    client = Client(server.url, verbose=False)
    assert "卫生健康局" in client.predict("哪个部门的专项预算最多", api_name="/chat")
