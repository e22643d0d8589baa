"""The LLM mode end to end over real HTTP: a scripted OpenAI-compatible server plays the model.

Each test scripts what "the model" says, lets ``LLMEngine`` run its tools on a
real store built from the sample file, and checks both sides: the answer (text,
citations, SQL, unverified figures) and what the engine sent to the server
(tool results carrying the real data or the Chinese reason a statement was
refused or stopped, the conversation history).  Runaway statements, hung
endpoints and concurrent conversations run on real threads against the same
server; the only time limits asserted are generous bounds that catch a hang.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from threading import Thread
from typing import Any

import chromadb
import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES, snapshot
from fake_openai_server import Canned, ScriptedServer, reply
from sqlalchemy import Engine

from assistant.agent import MAX_QUESTION_CHARS, PROMPTS, LLMEngine
from assistant.answer import ENGINE_LLM, Answer
from assistant.service import Assistant, Conversation
from assistant.sqlguard import QUERYABLE_TABLES
from db.engine import make_engine
from db.figures import numbers
from db.vector import VectorIndex
from ingest.pipeline import ingest_paths

MODEL = "scripted-model"
FUND_SQL = ("SELECT name, catalog_amount_text, table_amount_text, catalog_row_id, table_row_id "
            "FROM funds WHERE name = '农业生产发展专项'")
CARTESIAN = "SELECT COUNT(*) FROM source_rows a, source_rows b, source_rows c"
RECURSIVE = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT COUNT(*) FROM r"
HANG = 60  # seconds: only a hang takes this long; nothing here is a speed requirement


def file_line(predicate: Callable[[str], bool]) -> int:
    """The 1-based line of the funds sample that satisfies ``predicate``, read from the raw file."""
    lines = (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if predicate(line))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A store holding both .txt samples (the prompt examples query the department budget too)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('llm')}/t.db")
    results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
    assert not [r.describe() for r in results if r.failed]
    return engine


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Configure the endpoint through the environment, as an operator would."""

    def configure(base_url: str, timeout: str = "10") -> None:
        monkeypatch.setenv("BUDGETQA_LLM_BASE_URL", base_url)
        monkeypatch.setenv("BUDGETQA_LLM_MODEL", MODEL)
        monkeypatch.setenv("BUDGETQA_LLM_TIMEOUT", timeout)
        monkeypatch.delenv("BUDGETQA_LLM_API_KEY", raising=False)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a CI proxy must not intercept 127.0.0.1

    return configure


def ask(engine: Engine, script: list[Canned], point_at: Callable[..., None], question: str,
        **engine_args: Any) -> tuple[Answer, list[dict[str, Any]]]:
    """Ask one question against a server playing ``script``; returns the answer and the requests."""
    with ScriptedServer(script) as server:
        point_at(server.base_url)
        answer = LLMEngine(engine, **engine_args).ask(question, Conversation())
    return answer, server.requests


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [msg for msg in request["messages"] if msg["role"] == "tool"]


def wait_for(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds; a hang fails the test instead of stalling the suite."""
    give_up = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < give_up, "gave up waiting"
        time.sleep(0.01)


def in_thread(work: Callable[[], Answer]) -> tuple[Thread, list[Answer]]:
    """Start ``work`` on a thread; the list receives its answer."""
    out: list[Answer] = []
    thread = Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    return thread, out


def test_answer_states_the_sql_figure_and_cites_its_source_row(engine, point_at) -> None:
    text = "农业生产发展专项2024年预算为5763万元，资金目录与绩效目标表一致。"
    answer, requests = ask(
        engine, [reply(tool_calls=[("sql_query", {"sql": FUND_SQL})]), reply(text)], point_at,
        "农业生产发展专项的预算是多少？",
    )

    assert (answer.text, answer.engine, answer.understood) == (text, ENGINE_LLM, True)
    catalog_line = file_line(lambda line: "\t农业生产发展专项\t" in line and line.endswith("5,763.0"))
    cited = {(c.source, c.line) for c in answer.citations}
    assert (FUNDS_TXT, catalog_line) in cited
    assert all(Decimal(5763) in numbers(c.text) for c in answer.citations)
    assert answer.unverified == []
    assert len(answer.sql) == 1 and "FROM funds" in answer.sql[0] and "农业生产发展专项" in answer.sql[0]
    assert [r["catalog_amount_text"] for r in answer.rows] == ["5,763.0"]

    first, second = requests
    assert first["model"] == MODEL
    assert {t["function"]["name"] for t in first["tools"]} == {"sql_query", "describe_schema", "search_text"}
    assert first["messages"][0]["role"] == "system" and "预算问答" in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": "农业生产发展专项的预算是多少？"}
    # the tool result the model got back is the real row, answering the call it made
    [result] = tool_results(second)
    [call] = second["messages"][-2]["tool_calls"]
    assert result["tool_call_id"] == call["id"]
    [row] = json.loads(result["content"])["rows"]
    assert row["catalog_amount_text"] == "5,763.0" and row["table_amount_text"] == "5763"
    assert isinstance(row["catalog_row_id"], int)


# one of each kind the guard refuses (tests/test_sqlguard.py has the full table), sent in one reply
FORBIDDEN_SQL = {
    "DELETE FROM funds": "已拒绝：只允许只读",
    "SELECT 1; DELETE FROM funds": "只能执行一条",
    "WITH gone AS (DELETE FROM funds RETURNING *) SELECT * FROM gone": "已拒绝：只允许只读",
    "ATTACH DATABASE 'other.db' AS other": "已拒绝：只允许只读",
    "SELECT zeroblob(200000000)": "不允许使用函数 ZEROBLOB",
    "SELECT fts3_tokenizer('simple')": "不允许使用函数 FTS3_TOKENIZER",
    "SELECT " + "(SELECT " * 3000 + "1" + ")" * 3000: "超过上限",
    "SELECT " + "(SELECT " * 100 + "1" + ")" * 100: "嵌套 100 层",
    "SELECT sql FROM sqlite_master": "不能查询 sqlite_master",
}


def test_forbidden_statements_are_refused_and_the_data_is_intact(engine, point_at) -> None:
    before = snapshot(engine)
    script = [reply(tool_calls=[("sql_query", {"sql": sql}) for sql in FORBIDDEN_SQL]),
              reply("只能查询，不能修改数据。")]
    answer, requests = ask(engine, script, point_at, "把所有专项删掉")

    results = [r["content"] for r in tool_results(requests[1])]
    assert len(results) == len(FORBIDDEN_SQL)
    for content, reason in zip(results, FORBIDDEN_SQL.values(), strict=True):
        assert reason in content and "Traceback" not in content
    assert answer.text == "只能查询，不能修改数据。" and answer.understood
    assert answer.sql == [] and answer.citations == []
    assert snapshot(engine) == before


def test_endpoint_down_gives_a_chinese_unavailable_answer(engine, point_at) -> None:
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_at(f"http://127.0.0.1:{port}/v1")

    answer = LLMEngine(engine).ask("重点专项一共多少钱？", Conversation())

    assert answer.understood is False and answer.engine == ENGINE_LLM
    assert "大模型服务暂时不可用" in answer.text and "无法连接" in answer.text and "规则引擎" in answer.text


@pytest.mark.parametrize(("script", "reason"), [
    pytest.param([reply("太迟了", delay=3)], "秒内没有响应", id="timeout"),
    pytest.param([Canned(200, b"<html>not json</html>")], "无法解析", id="not-json"),
    pytest.param([Canned(200, b'{"choices": null}')], "无法解析", id="null-choices"),
    pytest.param([Canned(404, b'{"error": {"message": "model not found"}}')], "HTTP 404", id="http-404"),
])
def test_timeouts_and_bad_responses_are_reported_not_raised(engine, point_at, script, reason) -> None:
    with ScriptedServer(script) as server:
        point_at(server.base_url, timeout="0.5")
        answer = LLMEngine(engine).ask("重点专项一共多少钱？", Conversation())
    assert answer.understood is False and "大模型服务暂时不可用" in answer.text and reason in answer.text


def test_missing_endpoint_configuration_is_explained(engine, monkeypatch) -> None:
    monkeypatch.delenv("BUDGETQA_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("BUDGETQA_LLM_MODEL", MODEL)
    answer = LLMEngine(engine).ask("重点专项一共多少钱？", Conversation())
    assert answer.understood is False
    assert "请设置环境变量 BUDGETQA_LLM_BASE_URL（" in answer.text  # names exactly what is missing


def test_follow_up_carries_the_previous_exchange(engine, point_at, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path))  # whatever the Assistant opens stays in tmp
    first_q, first_a = "老党员补贴的预算是多少？", "老党员补贴2024年预算为122.7万元。"
    follow_q = "那它的联系人呢？"
    script = [
        reply(tool_calls=[("sql_query", {"sql": "SELECT name, catalog_amount_text, catalog_row_id "
                                                "FROM funds WHERE name = '老党员补贴'"})]),
        reply(first_a),
        reply(tool_calls=[("sql_query", {"sql": "SELECT contact, phone, contact_row_id, phone_row_id "
                                                "FROM fund_forms WHERE name = '老党员补贴'"})]),
        reply("老党员补贴的联系人是陈瑜。"),
    ]
    with ScriptedServer(script) as server:
        point_at(server.base_url)
        assistant, conversation = Assistant(engine, mode="llm"), Conversation()
        assistant.ask(first_q, conversation)
        answer = assistant.ask(follow_q, conversation)

    sent = [(m["role"], m["content"]) for m in server.requests[2]["messages"]]
    assert sent[1:] == [("user", first_q), ("assistant", first_a), ("user", follow_q)]
    # no figure in the answer: the rows behind the name it quotes (the contact's and the phone's)
    assert (FUNDS_TXT, file_line(lambda line: line == "联系人：陈瑜")) in {
        (c.source, c.line) for c in answer.citations}
    assert answer.text == "老党员补贴的联系人是陈瑜。" and len(answer.sql) == 1


def test_search_text_without_an_index_falls_back_to_words_and_cites_the_passage(engine, point_at) -> None:
    text = "与老党员关怀有关的是“老党员补贴”，按100元/月、120元/月、140元/月三个档次发放。"
    script = [reply(tool_calls=[("search_text", {"query": "老党员关心关怀"})]), reply(text)]
    answer, requests = ask(engine, script, point_at, "哪些项目关心老党员？")

    found = json.loads(tool_results(requests[1])[0]["content"])["results"]
    assert found and found[0]["name"] == "老党员补贴" and isinstance(found[0]["source_row_id"], int)
    assert answer.citations and all("140元/月" in c.text for c in answer.citations)
    assert answer.sql == []


def test_search_text_uses_the_vector_index_when_given(engine, point_at, tmp_path: Path) -> None:
    index = VectorIndex(engine, client=chromadb.PersistentClient(path=str(tmp_path)), use_dense=False)
    index.sync()
    script = [reply(tool_calls=[("search_text", {"query": "老党员关心关怀"})]), reply("是老党员补贴。")]
    answer, requests = ask(engine, script, point_at, "哪些项目关心老党员？", index=index)

    found = json.loads(tool_results(requests[1])[0]["content"])["results"]
    named = {hit["source_row_id"] for hit in found if hit["name"] == "老党员补贴"}
    assert named and len(named) < len(found)  # other passages were found too
    # no figure in the answer: the passages of the fund it names, and only those
    assert {c.source_row_id for c in answer.citations} == named


def test_a_model_that_never_stops_calling_tools_is_cut_off(engine, point_at) -> None:
    answer, requests = ask(engine, [reply(tool_calls=[("describe_schema", {})])] * 6, point_at, "随便问问")

    assert answer.understood is False and "6 轮" in answer.text
    assert len(requests) == 6
    assert tool_results(requests[1])[0]["content"].startswith("# 预算问答库的表结构")


def test_the_schema_prompt_documents_exactly_the_tables_the_guard_lets_through() -> None:
    headings = re.findall(r"^## (.+?)：", (PROMPTS / "schema.md").read_text(encoding="utf-8"), re.M)
    documented = {name for heading in headings for name in heading.split(" 与 ")} - {"通用约定"}
    assert documented == QUERYABLE_TABLES


EXAMPLE = re.compile(r"### 示例 \d+：[^\n]*\n\n问题[^：\n]*：(?P<question>[^\n]*)\n"
                     r"(?P<body>.*?)\n回答：(?P<answer>.*?)(?=\n### |\Z)", re.S)


def prompt_examples() -> list[tuple[str, list[str], str]]:
    """(question, queries, answer) of each worked example in the prompt."""
    text = (PROMPTS / "llm_examples.md").read_text(encoding="utf-8")
    return [(m["question"], re.findall(r"```sql\n(.*?)```", m["body"], re.S), m["answer"].strip())
            for m in EXAMPLE.finditer(text)]


def test_every_prompt_example_runs_and_its_answer_verifies(engine, point_at) -> None:
    examples = prompt_examples()
    assert len(examples) >= 7
    for question, queries, text in examples:
        script = [reply(tool_calls=[("sql_query", {"sql": sql}) for sql in queries]), reply(text)]
        answer, requests = ask(engine, script, point_at, question)
        assert all(json.loads(r["content"])["row_count"] > 0 for r in tool_results(requests[1])), question
        # the examples teach answers whose every figure the system can check and cite
        assert answer.text == text and answer.unverified == [], question
        assert answer.citations, question


# --- figures and their citations -----------------------------------------------------------------


def test_a_made_up_figure_is_marked_unverified_and_never_cited(engine, point_at) -> None:
    script = [reply(tool_calls=[("sql_query", {"sql": FUND_SQL})]),
              reply("农业生产发展专项目录预算为5,763.0万元，另有配套资金9999万元。")]
    answer, _ = ask(engine, script, point_at, "农业生产发展专项的预算是多少？")

    assert answer.text == "农业生产发展专项目录预算为5,763.0万元，另有配套资金9999（未核实）万元。"
    assert answer.unverified == ["9999"] and answer.to_json()["unverified"] == ["9999"]
    assert answer.citations and all(Decimal(5763) in numbers(c.text) for c in answer.citations)
    assert not any(Decimal(9999) in numbers(c.text) for c in answer.citations)


def test_rows_that_do_not_hold_the_figure_are_not_cited_for_it(engine, point_at) -> None:
    script = [reply(tool_calls=[("sql_query", {"sql": FUND_SQL})]), reply("农业生产发展专项预算为9999万元。")]
    answer, _ = ask(engine, script, point_at, "农业生产发展专项的预算是多少？")

    assert answer.text == "农业生产发展专项预算为9999（未核实）万元。"
    assert answer.citations == [] and answer.unverified == ["9999"]


def test_numbers_named_like_row_ids_are_no_citations(engine, point_at) -> None:
    sql = ("SELECT name, catalog_amount AS catalog_row_id, 1 AS fake_row_id, 3 AS source_row_id "
           "FROM funds WHERE name = '农业生产发展专项'")
    script = [reply(tool_calls=[("sql_query", {"sql": sql})]), reply("农业生产发展专项预算为5763万元。")]
    answer, _ = ask(engine, script, point_at, "农业生产发展专项的预算是多少？")

    # 5763 is in the data the query returned (verified), but no column held a real source-row id
    assert answer.unverified == [] and answer.citations == []
    assert answer.text == "农业生产发展专项预算为5763万元。"


@pytest.mark.parametrize("calls", [
    pytest.param([], id="no-tool-call"),
    pytest.param([("sql_query", {"sql": "DELETE FROM funds"})], id="refused-call"),
])
def test_figures_without_a_successful_tool_call_are_unverified_as_a_whole(engine, point_at, calls) -> None:
    script = ([reply(tool_calls=calls)] if calls else []) + [reply("重点专项一共67,309.9万元，共85项。")]
    answer, _ = ask(engine, script, point_at, "重点专项一共多少钱？")

    assert answer.text.startswith("【未核实】大模型没有成功查询数据就给出了数字")
    assert answer.text.endswith("重点专项一共67,309.9（未核实）万元，共85（未核实）项。")
    assert answer.unverified == ["67,309.9", "85"] and answer.citations == []


def test_a_sum_computed_by_sql_is_verified_and_cites_the_rows_it_was_read_from(engine, point_at) -> None:
    sql = ("SELECT name, catalog_amount_text, catalog_row_id, ROUND(SUM(catalog_amount) OVER (), 1) AS total "
           "FROM funds WHERE program = '重点专项' AND name IN ('农业生产发展专项', '林业资源管理专项')")
    text = "农业生产发展专项与林业资源管理专项按目录口径合计6,948.3万元。"
    answer, _ = ask(engine, [reply(tool_calls=[("sql_query", {"sql": sql})]), reply(text)], point_at,
                    "农业生产发展专项和林业资源管理专项一共多少？")

    assert answer.text == text and answer.unverified == []
    cited = sorted(c.text.split("\t")[1] for c in answer.citations)
    assert cited == ["农业生产发展专项", "林业资源管理专项"]  # the catalog rows of the two funds added up


def test_figures_the_question_gives_are_not_claims_to_check(engine, point_at) -> None:
    sql = ("SELECT COUNT(*) AS funds FROM funds AS f JOIN documents AS d ON d.id = f.document_id "
           "AND d.rendition_of_id IS NULL WHERE f.program = '重点专项' AND f.catalog_amount >= 1000")
    answer, _ = ask(engine, [reply(tool_calls=[("sql_query", {"sql": sql})]),
                             reply("预算在1000万元以上的重点专项有16个（资金目录口径）。")], point_at,
                    "1000万元以上的专项有几个？")
    assert answer.unverified == [] and "（未核实）" not in answer.text


# --- runaway statements, deadlines and concurrency -----------------------------------------------


def test_runaway_queries_stop_at_their_limit_while_another_conversation_is_answered(
        engine, point_at, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path))  # whatever the Assistant opens stays in tmp
    monkeypatch.setenv("BUDGETQA_SQL_TIMEOUT", "2")
    runaway_q, fund_q = "把所有原文行三重组合一下数一数", "农业生产发展专项的预算是多少？"
    fund_text = "农业生产发展专项2024年目录预算为5,763.0万元。"
    scripts = {
        runaway_q: [reply(tool_calls=[("sql_query", {"sql": CARTESIAN})]),
                    reply(tool_calls=[("sql_query", {"sql": RECURSIVE})]),
                    reply("两个查询都超时了，现有条件无法回答。")],
        fund_q: [reply(tool_calls=[("sql_query", {"sql": FUND_SQL})]), reply(fund_text)],
    }
    with ScriptedServer(scripts) as server:
        point_at(server.base_url)
        assistant = Assistant(engine, mode="llm")
        runaway, out = in_thread(lambda: assistant.ask(runaway_q, Conversation()))
        wait_for(lambda: server.asked(runaway_q) == 1)  # the cartesian call is on its way to the store
        fund = assistant.ask(fund_q, Conversation())
        answered_meanwhile = runaway.is_alive()
        runaway.join(HANG)

    assert not runaway.is_alive() and answered_meanwhile
    assert fund.text == fund_text and fund.citations and fund.unverified == []
    assert out[0].text == "两个查询都超时了，现有条件无法回答。" and out[0].sql == []
    last = [r for r in server.requests if r["messages"][1]["content"] == runaway_q][-1]
    stopped = ("查询超过 2 秒的时间上限，已停止。"
               "请缩小范围（加 WHERE 条件，避免多表笛卡尔积和没有终止条件的递归）后重试。")
    assert [m["content"] for m in tool_results(last)] == [stopped] * 2


def test_an_ingest_during_a_runaway_query_succeeds(tmp_path, point_at, monkeypatch) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    assert not any(r.failed for r in ingest_paths(engine, [SAMPLES / FUNDS_TXT]))
    monkeypatch.setenv("BUDGETQA_SQL_TIMEOUT", "2")
    question = "三重组合数一数"
    script = [reply(tool_calls=[("sql_query", {"sql": CARTESIAN})]), reply("查询超时了。")]
    with ScriptedServer(script) as server:
        point_at(server.base_url)
        runaway, out = in_thread(lambda: LLMEngine(engine).ask(question, Conversation()))
        wait_for(lambda: server.asked(question) == 1)
        ingested = ingest_paths(engine, [SAMPLES / DEPT_TXT])
        runaway.join(HANG)

    assert [r.describe() for r in ingested if r.failed] == []  # no "database is locked"
    assert not runaway.is_alive() and out[0].text == "查询超时了。"
    assert "查询超过 2 秒的时间上限" in tool_results(server.requests[1])[0]["content"]


def test_the_question_deadline_also_bounds_its_statements(engine, point_at, monkeypatch) -> None:
    monkeypatch.setenv("BUDGETQA_SQL_TIMEOUT", "600")
    monkeypatch.setenv("BUDGETQA_QUESTION_TIMEOUT", "2")
    answer, requests = ask(engine, [reply(tool_calls=[("sql_query", {"sql": RECURSIVE})])], point_at,
                           "无穷递归")

    assert answer.understood is False and len(requests) == 1
    assert answer.text.startswith("这个问题的处理时间超过了 2 秒的上限，已停止。请把问题问得更具体些")


def test_a_hung_endpoint_ends_in_a_chinese_answer_at_the_deadline(engine, point_at, monkeypatch) -> None:
    monkeypatch.setenv("BUDGETQA_QUESTION_TIMEOUT", "1.5")
    answer, requests = ask(engine, [reply("迟到的回答", delay=8)], point_at, "重点专项一共多少钱？")

    assert answer.understood is False and len(requests) == 1
    assert answer.text.startswith("这个问题的处理时间超过了 1.5 秒的上限，已停止。")


def test_questions_beyond_the_limit_are_told_at_once_to_come_back(engine, point_at, monkeypatch,
                                                                   tmp_path) -> None:
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path))
    monkeypatch.setenv("BUDGETQA_LLM_CONCURRENCY", "1")
    slow_q, other_q = "慢问题", "另一个问题"
    scripts = {slow_q: [reply("慢的回答", delay=2)], other_q: [reply("另一个回答")]}
    with ScriptedServer(scripts) as server:
        point_at(server.base_url)
        assistant, conversation = Assistant(engine, mode="llm"), Conversation()
        slow, out = in_thread(lambda: assistant.ask(slow_q, conversation))
        wait_for(lambda: server.asked(slow_q) == 1)
        same = assistant.ask("同一对话再问", conversation)
        assistant.refresh()  # an ingest finished meanwhile: the running question still counts
        full = assistant.ask(other_q, Conversation())
        slow.join(HANG)
        after = assistant.ask(other_q, Conversation())

    assert same.text == "上一个问题还在处理中，请等它答完再提问。" and same.understood is False
    assert full.text == "当前正在处理的问题已达上限（1 个），请稍后再试。" and full.understood is False
    assert server.asked("同一对话再问") == 0 and server.asked(other_q) == 1  # refused without asking
    assert out[0].text == "慢的回答" and after.text == "另一个回答"


# --- bad input ------------------------------------------------------------------------------------


def test_a_huge_question_is_cut_with_a_note_and_control_characters_are_stripped(engine, point_at) -> None:
    question = "农业\x00生产\x1b发展专项\x7f的预算" + "很长" * 50_000
    answer, requests = ask(engine, [reply("请说明要查哪个专项。")], point_at, question)

    sent = requests[0]["messages"][-1]["content"]
    assert len(sent) == MAX_QUESTION_CHARS and sent.startswith("农业生产发展专项的预算很长")
    assert answer.text == (f"（问题长 100,011 字，超过 {MAX_QUESTION_CHARS:,} 字的上限，"
                           f"只按前 {MAX_QUESTION_CHARS:,} 字作答。）\n\n请说明要查哪个专项。")
    assert answer.unverified == []  # the note's own numbers are not the model's figures


@pytest.mark.parametrize(("arguments", "told"), [
    pytest.param({"sql": 123}, "工具参数不符合要求", id="number"),
    pytest.param({"sql": ["SELECT 1"]}, "工具参数不符合要求", id="list"),
    pytest.param({}, "工具参数不符合要求", id="missing"),
    pytest.param("SELECT 1", "参数不是合法的 JSON", id="not-json"),
])
def test_tool_arguments_of_the_wrong_shape_go_back_to_the_model(engine, point_at, arguments, told) -> None:
    script = [reply(tool_calls=[("sql_query", arguments)]), reply("参数有误，无法查询。")]
    answer, requests = ask(engine, script, point_at, "重点专项一共多少钱？")

    assert told in tool_results(requests[1])[0]["content"]
    assert answer.text == "参数有误，无法查询。" and answer.sql == []


@pytest.mark.parametrize("arguments", [
    pytest.param("[1, 2]", id="not-an-object"),
    pytest.param('{"sql": "SELECT \'\\ud800\' AS x"}', id="lone-surrogate"),  # no driver can encode it
])
def test_tool_arguments_nothing_can_use_end_in_a_chinese_answer(engine, point_at, arguments) -> None:
    answer, _ = ask(engine, [reply(tool_calls=[("sql_query", arguments)])], point_at, "重点专项一共多少钱？")
    assert answer.understood is False and "返回的内容无法解析" in answer.text and "规则引擎" in answer.text
