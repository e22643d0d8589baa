"""The LLM mode end to end over real HTTP: a scripted OpenAI-compatible server plays the model.

Each test scripts what "the model" says, lets ``LLMEngine`` run its tools on a
real store built from the sample file, and checks both sides: the answer (text,
citations, SQL) and what the engine sent to the server (tool results carrying
the real data, the conversation history).
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chromadb
import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES, snapshot
from fake_openai_server import Canned, ScriptedServer, reply
from sqlalchemy import Engine

from assistant.agent import PROMPTS, LLMEngine, Toolbox, figures
from assistant.answer import ENGINE_LLM, Answer
from assistant.service import Assistant, Conversation
from assistant.sqlguard import SQLRejected, read_only_sql
from db.engine import make_engine
from db.vector import VectorIndex
from ingest.pipeline import ingest_paths

MODEL = "scripted-model"
FUND_SQL = ("SELECT name, catalog_amount_text, table_amount_text, catalog_row_id, table_row_id "
            "FROM funds WHERE name = '农业生产发展专项'")


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
    assert all(figures("5763") <= figures(c.text) for c in answer.citations)
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


FORBIDDEN_SQL = [
    "DELETE FROM funds",
    "PRAGMA foreign_keys = OFF",
    "ATTACH DATABASE 'other.db' AS other",
    "SELECT 1; DELETE FROM funds",
    "DROP TABLE funds",
    "UPDATE funds SET catalog_amount = 0",
    "INSERT INTO departments (name) VALUES ('x')",
    "WITH gone AS (DELETE FROM funds RETURNING *) SELECT * FROM gone",
    "SELECT * INTO copy FROM funds",
]


def test_forbidden_statements_are_refused_and_the_data_is_intact(engine, point_at) -> None:
    before = snapshot(engine)
    script = [reply(tool_calls=[("sql_query", {"sql": sql}) for sql in FORBIDDEN_SQL]),
              reply("只能查询，不能修改数据。")]
    answer, requests = ask(engine, script, point_at, "把所有专项删掉")

    results = tool_results(requests[1])
    assert len(results) == len(FORBIDDEN_SQL)
    assert all("已拒绝" in r["content"] or "只能执行一条" in r["content"] for r in results)
    assert answer.sql == [] and answer.citations == []
    assert snapshot(engine) == before


@pytest.mark.parametrize("sql", FORBIDDEN_SQL)
def test_validator_rejects(sql: str) -> None:
    with pytest.raises(SQLRejected, match=r"已拒绝|只能执行一条"):
        read_only_sql(sql, "sqlite")


@pytest.mark.parametrize("sql", [
    "WITH t AS (SELECT name FROM funds) SELECT * FROM t",
    "SELECT name FROM funds UNION SELECT name FROM fund_forms",
    "SELECT COUNT(*) FROM (SELECT 1 FROM funds) AS x;",
])
def test_validator_accepts_read_only_queries(sql: str) -> None:
    assert read_only_sql(sql, "sqlite").upper().startswith(("WITH", "SELECT"))


def test_endpoint_down_gives_a_chinese_unavailable_answer(engine, point_at) -> None:
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_at(f"http://127.0.0.1:{port}/v1")

    answer = LLMEngine(engine).ask("重点专项一共多少钱？", Conversation())

    assert answer.understood is False and answer.engine == ENGINE_LLM
    assert "大模型服务暂时不可用" in answer.text and "无法连接" in answer.text and "规则引擎" in answer.text


@pytest.mark.parametrize(("script", "reason"), [
    pytest.param([reply("太迟了", delay=3), reply("太迟了", delay=3)], "秒内没有响应", id="timeout"),
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
    # no figure in the answer: the citations are the rows of the last query (contact and phone)
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
    assert "老党员补贴" in {hit["name"] for hit in found}
    assert {c.source_row_id for c in answer.citations} == {hit["source_row_id"] for hit in found}


def test_a_model_that_never_stops_calling_tools_is_cut_off(engine, point_at) -> None:
    answer, requests = ask(engine, [reply(tool_calls=[("describe_schema", {})])] * 6, point_at, "随便问问")

    assert answer.understood is False and "6 轮" in answer.text
    assert len(requests) == 6
    assert tool_results(requests[1])[0]["content"].startswith("# 预算问答库的表结构")


def test_every_example_query_in_the_prompt_runs_on_the_store(engine) -> None:
    examples = re.findall(r"```sql\n(.*?)```", (PROMPTS / "llm_examples.md").read_text(encoding="utf-8"),
                          re.S)
    assert len(examples) >= 5
    box = Toolbox(engine, None)
    for sql in examples:
        result = json.loads(box.sql_query(sql))
        assert result["row_count"] > 0, sql
    assert len(box.sql) == len(examples) and box.evidence


def test_figures_ignore_years_and_positions() -> None:
    assert figures("2024年预算5,763.0万元，排第1，前5名中有1086.61") == {
        figures("5763").pop(), figures("1086.61").pop()}
