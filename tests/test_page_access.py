"""Sharing the page on the office network, safely: a login for the network, a password for writes.

One ``budgetqa serve --host 0.0.0.0`` with both passwords set serves the module.
Writes are tested where an attacker would try them: over Gradio's own queue
protocol with plain HTTP (upload the file, join the queue with the write event's
``fn_index``, read the result stream), not through the page's controls, because a
control can be hidden while its event still runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import page_server
import pytest
from conftest import DEPT_TXT, SAMPLES
from gradio_client import Client
from playwright.sync_api import Browser, expect
from test_page import english_words, shot

PASSWORD, OPERATOR = "meeting-2026", "operator-2026"
SETTINGS = {"BUDGETQA_PASSWORD": PASSWORD, "BUDGETQA_ADMIN_PASSWORD": OPERATOR}
REFUSED = "操作员密码不正确"
FIGURE_QUESTION, FIGURE, ALTERED = "管理委员会办公室的三公经费是多少？", "44.8万元", "1.0万元"
STORED = f"data/samples/{DEPT_TXT}"  # the identity ``budgetqa ingest data/samples/…`` gives it
# a nickname nobody wrote into the documents or the lexicon, for the department the sample is about
ALIAS, DEPARTMENT = "大白楼", "管理委员会办公室"
ALIAS_QUESTION, NOT_UNDERSTOOD = f"{ALIAS}的三公经费是多少？", "没能理解"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[page_server.Server]:
    yield from page_server.serving(tmp_path_factory.mktemp("access"), SAMPLES / DEPT_TXT,
                                   settings=SETTINGS, args=["--host", "0.0.0.0"])


def _serve(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """``budgetqa serve`` with the given settings, run to its end (it is expected to refuse)."""
    env = {**page_server.environment(tmp_path), **settings}
    return subprocess.run([sys.executable, "-m", "cli", "serve"], cwd=page_server.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_network_needs_a_password_and_a_busy_port_says_so(tmp_path: Path, server: page_server.Server):
    refused = _serve(tmp_path, BUDGETQA_HOST="0.0.0.0", BUDGETQA_PORT=str(page_server.free_port()))
    assert refused.returncode != 0
    assert "BUDGETQA_PASSWORD" in refused.stderr and "访问密码" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    busy = _serve(tmp_path, BUDGETQA_PORT=server.url.rsplit(":", 1)[1].strip("/"))
    assert busy.returncode != 0
    assert busy.stderr.strip().count("\n") == 0, busy.stderr
    assert "已被占用" in busy.stderr and "BUDGETQA_PORT" in busy.stderr and "Traceback" not in busy.stderr


def _logged_in(server: page_server.Server, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    client.post("login", data={"username": "张三", "password": password})
    return client


def test_the_page_asks_for_the_meeting_password(server: page_server.Server):
    assert httpx.get(server.url + "config").status_code == 401
    assert _logged_in(server, "wrong").get("config").status_code == 401
    assert _logged_in(server).get("config").status_code == 200


class Queue:
    """Gradio's queue protocol spoken over HTTP, as any script on the network could."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.session = uuid.uuid4().hex
        config = client.get("config").json()
        components = {c["id"]: c for c in config["components"]}
        self.events = {
            components.get(d["targets"][0][0], {}).get("props", {}).get("value"): (index, d["targets"][0][0])
            for index, d in enumerate(config["dependencies"]) if d["targets"]
        }

    def upload(self, path: Path) -> dict[str, Any]:
        """Put a file into Gradio's upload cache; the description an event takes as a file input."""
        with path.open("rb") as fh:
            stored = self.client.post("gradio_api/upload", files=[("files", (path.name, fh))]).json()[0]
        return {"path": stored, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

    def call(self, button: str, *data: Any) -> list[Any]:
        """Run the event of the button labelled ``button`` directly; its outputs."""
        fn_index, trigger = self.events[button]
        joined = self.client.post("gradio_api/queue/join", json={
            "data": list(data), "fn_index": fn_index, "session_hash": self.session,
            "event_data": None, "trigger_id": trigger,
        })
        assert joined.status_code == 200, joined.text
        listen = {"session_hash": self.session}
        with self.client.stream("GET", "gradio_api/queue/data", params=listen) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    assert message["success"], message
                    return message["output"]["data"]
        raise AssertionError("no result")


def _ask(server: page_server.Server, question: str) -> str:
    """The page's answer to ``question`` over its ``/chat`` API, as a logged-in visitor."""
    client = Client(server.url, auth=("张三", PASSWORD), verbose=False)
    return client.predict(question, api_name="/chat")


def _figure(server: page_server.Server) -> str:
    return _ask(server, FIGURE_QUESTION)


def _altered(tmp_path: Path) -> Path:
    """The stored department budget with one figure changed, under the same file name: an upload of
    it stands for the stored ``data/samples/…`` document and replaces it."""
    altered = tmp_path / DEPT_TXT
    text = (SAMPLES / DEPT_TXT).read_text(encoding="utf-8")
    assert text.count(f"“三公”经费预算{FIGURE}") == 1
    altered.write_text(text.replace(f"“三公”经费预算{FIGURE}", f"“三公”经费预算{ALTERED}"), encoding="utf-8")
    return altered


def test_writes_over_the_queue_need_the_operator_password(server: page_server.Server, tmp_path: Path):
    altered = _altered(tmp_path)
    queue = Queue(_logged_in(server))
    assert FIGURE in _figure(server)
    for wrong in ("", "wrong", PASSWORD):
        report = queue.call("开始导入", [queue.upload(altered)], wrong)[0]
        assert REFUSED in report
    assert FIGURE in _figure(server), "nothing was replaced"
    report, status, *_ = queue.call("开始导入", [queue.upload(altered)], OPERATOR)
    # the upload is named x.txt; the document it replaces was ingested as data/samples/x.txt
    assert "确认替换" in report and f"**{STORED}**：新文件 {DEPT_TXT}" in report
    # what changes: the one figure that differs, as it was and as it would be
    assert "数字不同的有 1 处" in report and "“三公”经费预算（2024年） | 44.8，减少4 | 1.0，减少4 |" in report
    assert FIGURE in _figure(server), "a replacement waits for the confirmation"
    # the files waiting are the session's state on the server: the client sends nothing for them
    assert REFUSED in queue.call("确认替换", None, "wrong")[0]
    assert FIGURE in _figure(server)
    report, after, *_ = queue.call("确认替换", None, OPERATOR)
    assert f"{STORED}：已替换" in report
    assert ALTERED in _figure(server) and FIGURE not in _figure(server)
    assert re.search(r"已导入 \d+ 份", after).group() == re.search(r"已导入 \d+ 份", status).group(), \
        "replaced, not added beside it"


def test_versions_and_restore_over_the_queue_need_the_operator_password(
    server: page_server.Server, tmp_path: Path
):
    queue = Queue(_logged_in(server))
    original = hashlib.sha256((SAMPLES / DEPT_TXT).read_bytes()).hexdigest()
    queue.call("开始导入", [queue.upload(_altered(tmp_path))], OPERATOR)
    queue.call("确认替换", None, OPERATOR)  # nothing waits when the test before replaced it already
    assert ALTERED in _figure(server)
    for wrong in ("", "wrong", PASSWORD):
        assert REFUSED in queue.call("查看版本", DEPT_TXT, wrong)[3]
    # the document box takes a file name as the command line does
    document, table, versions, note, *_ = queue.call("查看版本", DEPT_TXT, OPERATOR)
    assert document["value"] == STORED and STORED in note
    rows = table["data"]
    assert (rows[0][0], rows[0][3]) == ("当前", "张三"), "the upload records the name given at login"
    assert (rows[-1][0], rows[-1][1], rows[-1][6]) == ("已被替换", original[:12], "可以恢复")
    assert original in [value for _, value in versions["choices"]]
    assert REFUSED in queue.call("预览恢复", STORED, original, "wrong")[0]
    report = queue.call("预览恢复", STORED, original, OPERATOR)[0]
    assert "确认恢复" in report and "“三公”经费预算（2024年） | 1.0，减少4 | 44.8，减少4 |" in report
    assert ALTERED in _figure(server), "a restore waits for the confirmation"
    # the restore waiting is the session's state on the server, like the files waiting
    assert REFUSED in queue.call("确认恢复", None, "wrong")[0]
    assert ALTERED in _figure(server)
    report, _, _, table, *_ = queue.call("确认恢复", None, OPERATOR)
    assert f"{STORED}：已恢复" in report
    assert FIGURE in _figure(server)
    assert [table["data"][0][i] for i in (0, 1, 3)] == ["当前", original[:12], "张三"]


def test_taught_words_over_the_queue_need_the_operator_password(server: page_server.Server):
    queue = Queue(_logged_in(server))
    figure = re.search(r"三公经费：([\d.]+万元)", _figure(server)).group(1)  # whichever the tests before left
    before = _ask(server, ALIAS_QUESTION)
    assert NOT_UNDERSTOOD in before and figure not in before
    for wrong in ("", "wrong", PASSWORD):
        assert REFUSED in queue.call("教给助手", ALIAS, DEPARTMENT, wrong)[0]
        report, table, chosen = queue.call("查看教过的说法", wrong)
        assert REFUSED in report and ALIAS not in str(table["data"]) and not chosen["choices"]
    assert NOT_UNDERSTOOD in _ask(server, ALIAS_QUESTION), "nothing was taught"
    assert queue.call("查看教过的说法", OPERATOR)[0] == "还没有教过任何说法。"
    # a target the engine does not know itself is refused with the reason, in Chinese
    assert "本身还不认识" in queue.call("教给助手", ALIAS, "不存在的单位", OPERATOR)[0]
    report, table, chosen = queue.call("教给助手", ALIAS, DEPARTMENT, OPERATOR)
    assert report == f"已记住：“{ALIAS}”即“{DEPARTMENT}”。"
    assert [row[:3] for row in table["data"]] == [[ALIAS, DEPARTMENT, "张三"]], "who: the name given at login"
    assert [value for _, value in chosen["choices"]] == [ALIAS]
    # the very next question understands the word: no restart, no refresh
    taught = _ask(server, ALIAS_QUESTION)
    assert DEPARTMENT in taught and figure in taught and NOT_UNDERSTOOD not in taught
    report, table, _ = queue.call("查看教过的说法", OPERATOR)
    assert "共教过 1 个说法" in report and table["data"][0][:3] == [ALIAS, DEPARTMENT, "张三"]
    assert REFUSED in queue.call("删除此说法", ALIAS, "wrong")[0]
    assert figure in _ask(server, ALIAS_QUESTION), "nothing was removed"
    report, table, chosen = queue.call("删除此说法", ALIAS, OPERATOR)
    assert report == f"已删除：“{ALIAS}”。" and ALIAS not in str(table["data"]) and not chosen["choices"]
    assert NOT_UNDERSTOOD in _ask(server, ALIAS_QUESTION)
    assert queue.call("删除此说法", ALIAS, OPERATOR)[0] == f"没有教过“{ALIAS}”这个说法。"


def test_the_operator_uploads_in_chinese(server: page_server.Server, browser: Browser, tmp_path: Path):
    good = tmp_path / "测试单位2024年工作说明.txt"
    good.write_text("测试单位2024年工作说明\n\n一、基本情况\n本单位2024年一般公共预算支出123.45万元。\n",
                    encoding="utf-8")
    empty, program = tmp_path / "空文件.txt", tmp_path / "说明.exe"
    empty.write_bytes(b"")
    program.write_bytes(b"MZ\x90\x00")
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720}).new_page()
    page.goto(server.url)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_text("请输入本次会议的访问密码", exact=False)).to_be_visible()
    page.get_by_label("用户名").fill("张三")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    status = page.get_by_text("可导入文件（需操作员密码）", exact=False)
    expect(status).to_be_visible()
    stored = int(re.search(r"已导入 (\d+) 份文件", status.inner_text()).group(1))
    page.get_by_role("tab", name="导入文件").click()
    expect(page.get_by_role("button", name="开始导入")).to_be_visible()  # the tab is drawn on first view
    page.locator("input[type=file][multiple]").set_input_files([str(good), str(empty), str(program)])
    # the names show once the browser has sent the files to the server, slow on a busy machine
    expect(page.get_by_text(good.name).first).to_be_visible(timeout=90_000)
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text(REFUSED, exact=False)).to_be_visible()
    page.get_by_label("操作员密码").fill(OPERATOR)
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text(f"{good.name}：新增", exact=False)).to_be_visible()
    expect(page.get_by_text("空文件.txt：失败", exact=False)).to_be_visible()
    expect(page.get_by_text("说明.exe：失败。不支持的文件类型", exact=False)).to_be_visible()
    expect(page.get_by_text(f"已导入 {stored + 1} 份文件", exact=False)).to_be_visible()
    assert english_words(page) == set()
    shot(page, "05-upload.png")
    page.context.close()
