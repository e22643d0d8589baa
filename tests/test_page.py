"""The meeting page end to end in real headless Chromium, read-only as it serves by default.

The server is the real ``python -m cli serve`` on its own store holding the
funds compilation as PDF (so citations open PDF pages) and the department
budget as text; the browser is Debian's chromium, offline: every request that
is not to the page's own server is aborted and recorded, so the test fails if
the page tries to fetch fonts or scripts from the internet.  Screenshots are
kept in ``tests/artifacts/`` for a human to look at.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import httpx
import page_server
import pdfplumber
import pytest
from conftest import DEPT_TXT, SAMPLES
from gradio_client import Client
from openpyxl import load_workbook
from playwright.sync_api import Browser, Locator, Page, expect

FUNDS_PDF = "wansheng_2024_key_special_funds.pdf"
LIST_QUESTION = "列出预算超过1000万的专项"
# English the page may show: the download formats and the SQL label; file names are removed first
ALLOWED_ENGLISH = {"CSV", "Excel", "Word", "SQL"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[page_server.Server]:
    """``budgetqa serve`` (no operator password: read-only) on the funds PDF and the department text."""
    yield from page_server.serving(tmp_path_factory.mktemp("page"), SAMPLES / FUNDS_PDF, SAMPLES / DEPT_TXT)


def open_page(browser: Browser, url: str, width: int = 1280, height: int = 720) -> tuple[Page, list[str]]:
    """A fresh browser session (its own conversation) with the internet cut off; the list of
    outside requests it tried fills as it runs."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height},
                                  accept_downloads=True)
    outside: list[str] = []

    def offline(route) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_text("已导入", exact=False)).to_be_visible()
    return page, outside


@pytest.fixture
def page(browser: Browser, server: page_server.Server) -> Iterator[Page]:
    page, outside = open_page(browser, server.url)
    yield page
    page.context.close()
    assert outside == [], f"页面试图访问外网：{outside}"


def shot(page: Page, name: str, full: bool = False) -> None:
    page_server.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(page_server.ARTIFACTS / name), full_page=full)


def ask(page: Page, question: str) -> Locator:
    """Type a question, press Enter, and wait for its complete answer block."""
    before = page.locator("[data-turn]").count()
    box = page.get_by_placeholder("例如：哪个部门的专项预算最多？")
    box.fill(question)
    box.press("Enter")
    return settled(page, before + 1)


def settled(page: Page, turns: int) -> Locator:
    """The ``turns``-th answer block once it is complete."""
    expect(page.locator("[data-turn]")).to_have_count(turns)
    turn = page.locator("[data-turn]").nth(turns - 1)
    expect(turn).to_have_attribute("data-state", "done")
    return turn


def english_words(page: Page) -> set[str]:
    """Latin words in the visible text once file names and extensions are removed: UI left untranslated."""
    text = re.sub(r"\S*\.[A-Za-z]{2,4}\b", " ", page.inner_text("body"))
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_ENGLISH


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080), (800, 1200)])
def test_the_page_opens_at_its_title_in_chinese(browser: Browser, server: page_server.Server, width, height):
    page, outside = open_page(browser, server.url, width, height)
    # once the status line is filled the page has mounted; let fonts and two frames settle
    page.evaluate("async () => { await document.fonts.ready; "
                  "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }")
    assert page.evaluate("window.scrollY") == 0, "nothing scrolls the page on load"
    expect(page.get_by_role("heading", name="预算问答助手")).to_be_in_viewport()
    expect(page.get_by_role("tab", name="问答")).to_be_in_viewport()
    expect(page.get_by_placeholder("例如：哪个部门的专项预算最多？")).to_be_in_viewport()
    expect(page.get_by_role("tab", name="导入文件")).to_have_count(0)  # no operator password: no writes
    expect(page.get_by_role("tab", name="教词")).to_have_count(0)
    assert english_words(page) == set()
    shot(page, f"01-first-view-{width}.png")
    page.context.close()
    assert outside == []


def test_a_list_answer_is_a_short_lead_a_numeric_table_and_a_complete_chart(page: Page):
    turn = ask(page, LIST_QUESTION)
    lead = turn.locator(".bqa-text")
    expect(lead).to_contain_text("共16个")
    assert len(lead.inner_text()) < 80, "a lead, not a paragraph of every row"
    table = turn.locator("table.bqa-table")
    expect(table.locator("tbody tr")).to_have_count(16)
    heading = table.locator("thead th", has_text="目录金额（万元）")
    expect(heading).to_have_class(re.compile("num"))
    amounts = table.locator("tbody td.num[data-v]")
    expect(amounts.first).to_have_css("text-align", "right")
    assert amounts.first.inner_text() == "6,562.4"
    chart = turn.locator("figure.bqa-chart")
    expect(chart.locator(".bqa-bar-row")).to_have_count(16)
    expect(chart.locator(".bqa-bar-row").first).to_be_visible()
    expect(chart.locator(".bqa-bar-label").last).to_have_text("万东镇村社区组织经费保障")  # full label
    expect(chart.locator(".bqa-axis-title")).to_have_text("专项预算（万元）")
    heading.click()  # numbers sort largest first, a second click turns it round
    heading.click()
    expect(table.locator("tbody tr").first).to_contain_text("万东镇村社区组织经费保障")
    assert english_words(page) == set()
    shot(page, "02-list-answer-1280.png")
    turn.screenshot(path=str(page_server.ARTIFACTS / "02-list-answer-block.png"))
    page.set_viewport_size({"width": 800, "height": 1100})  # a tablet
    turn.scroll_into_view_if_needed()
    shot(page, "02-list-answer-800.png")
    with page.expect_download() as download:
        turn.get_by_role("button", name="下载 Excel").click()
    assert download.value.suggested_filename == f"预算超过1000万的专项_{date.today().isoformat()}.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    headings = [c.value for c in sheet[2]]
    column = headings.index("目录金额（万元）")
    amounts = [row[column] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(amounts) == 17 and all(isinstance(a, (int, float)) for a in amounts)  # 16 funds and the total
    assert abs(amounts[-1] - sum(amounts[:-1])) < 0.01
    assert sheet.cell(3, column + 1).number_format == "#,##0.0"


def test_every_answer_keeps_its_own_sources_and_opens_the_pdf_page(page: Page):
    first = ask(page, "哪个部门的专项预算最多")
    second = ask(page, "办公用房管理专项今年预算多少？")
    # the earlier answer still shows its own rows, chart and sources
    expect(first.locator(".bqa-sources")).to_contain_text("733-重庆市万盛经济技术开发区卫生健康局")
    expect(first.locator(".bqa-sources")).to_contain_text(f"{FUNDS_PDF} 第5页")
    expect(first.locator("table.bqa-table tbody tr")).to_have_count(44)
    chart = first.locator("figure.bqa-chart")
    expect(chart).to_contain_text("前15项，共44项")
    chart.get_by_text("展开其余 29 项", exact=False).click()
    expect(chart.locator(".bqa-bar-row").last).to_be_visible()
    expect(second.locator(".bqa-sources")).to_contain_text("办公用房管理专项")
    expect(second.locator(".bqa-sources")).not_to_contain_text("卫生健康局")
    # a citation opens its original: the PDF page with the row boxed
    second.locator(".bqa-cite", has_text="第3页").first.click()
    viewer = page.locator("#source-viewer .bqa-viewer")
    expect(viewer.locator(".bqa-page-caption")).to_contain_text(f"{FUNDS_PDF} 第3页")
    mark = viewer.locator(".bqa-mark")
    expect(mark).to_be_visible()
    expect(viewer.locator(".bqa-page img")).to_be_visible()
    x0, top, x1, bottom = map(float, mark.get_attribute("data-box").split(","))
    with pdfplumber.open(SAMPLES / FUNDS_PDF) as pdf:
        boxed = pdf.pages[2].crop((x0, top, x1, bottom)).extract_text()
    assert "办公用房管理专项" in boxed and "550.0" in boxed
    expect(viewer).to_contain_text("36\t办公用房管理专项")  # the stored original under the page
    shot(page, "03-source-viewer.png")
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)


def test_a_suggested_reading_is_asked_when_clicked(page: Page):
    """A button the engine offers for an ambiguous question asks that reading in the same conversation.

    Today's engine offers none, so one is placed in the first answer as an engine would render it.
    """
    ask(page, "卫健局有几个专项？")
    page.locator("[data-turn] .bqa-answer").first.evaluate(
        "block => block.insertAdjacentHTML('afterbegin', "
        "'<div class=\"bqa-choices\"><button type=\"button\" class=\"bqa-choice\" "
        "data-ask=\"办公用房管理专项今年预算多少？\">办公用房管理专项今年预算多少？</button></div>')"
    )
    page.get_by_role("button", name="办公用房管理专项今年预算多少？").first.click()
    expect(settled(page, 2)).to_contain_text("550.0")


def test_the_meeting_record_holds_each_question_and_its_table(page: Page):
    ask(page, LIST_QUESTION)
    ask(page, "管理委员会办公室的三公经费是多少？")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出会议记录（Word）").click()
    assert download.value.suggested_filename == f"预算问答记录_{date.today().isoformat()}.docx"
    record = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in record.paragraphs)
    assert f"问题1：{LIST_QUESTION}" in text and "问题2：管理委员会办公室的三公经费是多少？" in text
    rows = [[c.text for c in row.cells] for row in record.tables[0].rows]
    assert "目录金额（万元）" in rows[0] and rows[1][0] == "城市管理设施维护专项" and "6,562.4" in rows[1]
    # table, totals, chart
    assert len(rows) == 18 and rows[-1][0] == "合计" and len(record.inline_shapes) >= 1


def test_check_tab_report_with_downloads(page: Page):
    page.get_by_role("tab", name="数据核对").click()
    page.get_by_role("button", name="开始核对").click()
    expect(page.get_by_text("数据核对报告：共", exact=False)).to_be_visible()
    expect(page.get_by_text("目录与绩效目标表金额不一致").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载报告（Excel）").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert str(sheet["A1"].value).startswith("数据核对报告：共") and sheet.max_row > 3
    with page.expect_download() as download:
        page.get_by_role("button", name="下载报告（Word）").click()
    assert len(docx.Document(download.value.path()).tables[0].rows) == sheet.max_row - 1
    assert english_words(page) == set()
    shot(page, "04-check.png")


def test_chat_api_answers_and_a_read_only_page_has_no_write_event(server: page_server.Server):
    client = Client(server.url, verbose=False)
    assert "卫生健康局" in client.predict("哪个部门的专项预算最多", api_name="/chat")
    config = httpx.get(server.url + "config").json()
    assert not [c for c in config["components"] if c["type"] == "file"]
    assert not {d["api_name"] for d in config["dependencies"]} & {"upload", "confirm", "cancel"}
