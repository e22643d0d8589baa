"""The LLM mode: an OpenAI-compatible chat model answers through the same SQL store and citations.

The model never sees the files directly.  It gets three tools — the schema, a
read-only ``SELECT`` over the store, and a text search.  Every statement goes
through ``assistant.sqlgate`` (checked, run under a time and size budget, its
real source-row id columns traced), and every result row and passage the
model is shown is kept as *evidence*.  ``db.verify`` then backs each figure
of the answer with the evidence that holds it and cites the source rows that
contain it; a figure nothing holds is marked 未核实 and cited by nothing.

Each question has a deadline (``BUDGETQA_QUESTION_TIMEOUT``): model calls and
statements get only the time left, so a stuck endpoint or a runaway query
ends in a Chinese answer, and ``Admission`` bounds how many questions run at
once so slow ones cannot take every worker of the page.

The loop is written out (send, run the requested tools, append their results,
repeat) instead of using langgraph's prebuilt agent: each round is plain data
that tests can replay against a scripted HTTP server, and every failure mode
(endpoint down, bad reply, runaway tool use) ends in a Chinese answer rather
than an exception in the page.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import jieba
import openai
from langchain_core.exceptions import ModelError
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.tool import InvalidToolCall, ToolCall
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, ToolException, tool
from langchain_openai import ChatOpenAI
from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.admission import Admission, Busy
from assistant.answer import ENGINE_LLM, Answer
from assistant.sqlgate import SQLGate
from assistant.sqlguard import SQLRejected
from db import models as m
from db.budget import BudgetExceeded, Deadline, StatementBudget, seconds_text
from db.citations import cite
from db.figures import figures, numbers
from db.settings import SettingError, positive
from db.verify import Evidence, mark, quoted, verify

if TYPE_CHECKING:
    from assistant.conversation import Conversation

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not the user's business

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"

MAX_ROUNDS = 6  # model calls per question; a model still asking for tools after this is stuck
HISTORY_TURNS = 3  # earlier (question, answer) pairs sent along, enough for "那它的……呢？"
MAX_QUESTION_CHARS = 2_000  # a budget question is a sentence or two; more is a paste by mistake
MIN_CALL_SECONDS = 0.5  # with less time left a model call cannot return anything useful
TOOL_RESULT_CHARS = 24_000  # what one tool result may add to the context (~8k tokens of Chinese)
SEARCH_K = 8
SEARCH_CANDIDATES = 400  # LIKE matches scored per table before the best SEARCH_K are kept
SNIPPET_CHARS = 300

RULES_HINT = "或改用规则引擎（设置 BUDGETQA_ENGINE=rules）"


# Errors of the chat endpoint: openai's (connection, timeout, HTTP status) and LangChain's
# classification of them, plus what a malformed body raises while it is parsed
# (missing or null "choices", non-JSON text, fields of the wrong type).
LLM_ERRORS = (openai.APIError, ModelError, ValueError, KeyError, TypeError)

# C0 and C1 control characters except tab and newline: invisible, and some endpoints reject them
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NO_EVIDENCE = "【未核实】大模型没有成功查询数据就给出了数字，以下数字都未经核对，请勿直接引用。\n\n"

# Generic budget words: they occur in most rows, so they would rank every row alike.
SEARCH_STOPWORDS = frozenset({
    "哪些", "什么", "有关", "相关", "关于", "多少", "项目", "资金", "专项",
    "预算", "是否", "怎么", "如何", "情况", "主要", "用于", "哪个", "一下",
})


class LLMConfigError(SettingError):
    """The endpoint settings are missing; the message is the Chinese answer."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the OpenAI-compatible endpoint is (vLLM, Ollama, 通义, DeepSeek, ...) and the LLM mode's limits.

    ``timeout`` bounds one model call, ``question_timeout`` a whole question
    (all its model calls and statements), ``concurrency`` the questions
    answered at once.
    """

    base_url: str
    model: str
    api_key: str = "EMPTY"
    timeout: float = 60.0
    question_timeout: float = 90.0
    concurrency: int = 4

    @classmethod
    def from_env(cls) -> LLMSettings:
        """``BUDGETQA_LLM_*`` and ``BUDGETQA_QUESTION_TIMEOUT``; a ``SettingError`` names what is wrong."""
        base_url = os.environ.get("BUDGETQA_LLM_BASE_URL", "").strip()
        model = os.environ.get("BUDGETQA_LLM_MODEL", "").strip()
        missing = [name for name, value in (("BUDGETQA_LLM_BASE_URL", base_url),
                                             ("BUDGETQA_LLM_MODEL", model)) if not value]
        if missing:
            raise LLMConfigError(
                f"未配置大模型服务：请设置环境变量 {'、'.join(missing)}"
                "（例如 BUDGETQA_LLM_BASE_URL=http://127.0.0.1:8000/v1，BUDGETQA_LLM_MODEL=模型名），"
                f"{RULES_HINT}。"
            )
        api_key = os.environ.get("BUDGETQA_LLM_API_KEY", "").strip() or cls.api_key
        return cls(base_url=base_url, model=model, api_key=api_key,
                   timeout=positive("BUDGETQA_LLM_TIMEOUT", cls.timeout, float),
                   question_timeout=positive("BUDGETQA_QUESTION_TIMEOUT", cls.question_timeout, float),
                   concurrency=positive("BUDGETQA_LLM_CONCURRENCY", cls.concurrency, int))


class TextHit(Protocol):
    """What a text search returns per passage; ``db.vector.Match`` has these attributes."""

    name: str
    field: str
    text: str
    source_row_id: int
    file_name: str
    fund_id: int | None


class TextSearch(Protocol):
    """A meaning search over the documents' text (``db.vector.VectorIndex`` fits)."""

    def search(self, query: str, k: int) -> Sequence[TextHit]: ...


@cache
def prompt(name: str) -> str:
    """A prompt data file from ``prompts/``; kept out of code so wording changes need no release."""
    return (PROMPTS / name).read_text(encoding="utf-8").strip()


def system_prompt() -> str:
    """The rules of answering followed by the worked examples."""
    return prompt("llm_system.md") + "\n\n" + prompt("llm_examples.md")


def plain(value: Any) -> Any:
    """A JSON value for a database value.

    Amounts are ``Numeric(18, 4)``; SQLite hands sums back as binary floats
    (67309.90000000001), so floats are rounded to that scale.
    """
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 4)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def clean(text: str) -> tuple[str, str]:
    """``text`` without control characters and cut to ``MAX_QUESTION_CHARS``, and a note when it was cut."""
    text = CONTROL.sub("", text).strip()
    if len(text) <= MAX_QUESTION_CHARS:
        return text, ""
    note = (f"（问题长 {len(text):,} 字，超过 {MAX_QUESTION_CHARS:,} 字的上限，"
            f"只按前 {MAX_QUESTION_CHARS:,} 字作答。）\n\n")
    return text[:MAX_QUESTION_CHARS], note


def fit(items: list[dict[str, Any]], budget: int = TOOL_RESULT_CHARS) -> list[dict[str, Any]]:
    """The leading items whose JSON fits the budget, so one wide result cannot flood the context."""
    kept, used = [], 0
    for item in items:
        used += len(json.dumps(item, ensure_ascii=False))
        if used > budget:
            break
        kept.append(item)
    return kept


def dump(payload: dict[str, Any]) -> str:
    """Tool results as JSON with Chinese kept readable (and half the tokens of \\u escapes)."""
    return json.dumps(payload, ensure_ascii=False)


@dataclass(frozen=True)
class Passage:
    """A passage the LIKE fallback found (same attributes as ``db.vector.Match``)."""

    name: str
    field: str
    text: str
    source_row_id: int
    file_name: str
    fund_id: int | None = None


class LikeSearch:
    """Word search with SQL ``LIKE``: the fallback when no vector index is given or it fails.

    A question rarely occurs verbatim in the text, its words do: the query is
    cut into words with jieba and passages are ranked by how much of the query
    they contain.  The forms' 项目概况/当年绩效目标 are searched in their
    cleaned form (the source rows keep the files' markup), all other text as
    the source rows have it; only primary documents count.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def terms(query: str) -> list[str]:
        """Distinct words of two or more characters, generic budget words removed."""
        words = [w.strip() for w in jieba.lcut_for_search(query)]
        kept = list(dict.fromkeys(w for w in words if len(w) >= 2 and w not in SEARCH_STOPWORDS))
        return kept or ([query.strip()] if query.strip() else [])

    def search(self, query: str, k: int = SEARCH_K) -> list[Passage]:
        """The ``k`` passages containing most of the query's words (by characters), best first."""
        terms = self.terms(query)
        if not terms:
            return []
        primary = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))
        passages: dict[int, Passage] = {}
        with Session(self.engine) as session:
            forms = session.execute(
                select(m.FundForm, m.Document.file_name)
                .join(m.Document, m.FundForm.document_id == m.Document.id)
                .where(m.FundForm.document_id.in_(primary),
                       or_(*(col.contains(t, autoescape=True)
                             for t in terms for col in (m.FundForm.overview, m.FundForm.goal))))
                .limit(SEARCH_CANDIDATES)
            )
            for form, file_name in forms:
                for field, text, row_id in (("overview", form.overview, form.overview_row_id),
                                            ("goal", form.goal, form.goal_row_id)):
                    if row_id is not None:
                        passages[row_id] = Passage(form.name, field, text, row_id, file_name, form.fund_id)
            rows = session.execute(
                select(m.SourceRow.id, m.SourceRow.text, m.Document.title, m.Document.file_name)
                .join(m.Document, m.SourceRow.document_id == m.Document.id)
                .where(m.SourceRow.document_id.in_(primary),
                       or_(*(m.SourceRow.text.contains(t, autoescape=True) for t in terms)))
                .order_by(m.SourceRow.id)
                .limit(SEARCH_CANDIDATES)
            )
            for row_id, text, title, file_name in rows:
                passages.setdefault(row_id, Passage(title, "row", text, row_id, file_name))

        def score(p: Passage) -> int:
            return sum(len(t) for t in terms if t in p.text)

        ranked = sorted((p for p in passages.values() if score(p)), key=lambda p: -score(p))
        return ranked[:k]


class Toolbox:
    """One question's tools and what they found: the SQL run, the last rows, the evidence shown.

    One per question because the page serves many sessions through one
    ``LLMEngine``: tool state must never leak between them.  ``deadline`` is
    the question's; each statement gets at most the time left before it.
    """

    def __init__(self, engine: Engine, index: TextSearch | None, gate: SQLGate | None = None,
                 deadline: Deadline | None = None) -> None:
        self.engine = engine
        self.gate = gate or SQLGate(engine)
        self.deadline = deadline
        self.index = index
        self.fallback = LikeSearch(engine)
        self.sql: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.succeeded = 0  # tool calls that returned data (an empty result counts: it is an answer)
        self.shown: list[tuple[list[int], list[Any]]] = []  # (source row ids, values) of what the model saw
        self.tools: dict[str, BaseTool] = {}
        for method in (self.describe_schema, self.sql_query, self.search_text):
            made = tool(method, description=inspect.cleandoc(method.__doc__ or ""))
            made.handle_tool_error = True  # refusals and SQL errors go back to the model to fix
            made.handle_validation_error = _bad_arguments
            self.tools[made.name] = made

    def describe_schema(self) -> str:
        """返回预算库的表、列及其中文说明和查询约定（金额口径、主文档、*_row_id 引用列）。

        回答第一个问题前先调用。
        """
        return prompt("schema.md")

    def sql_query(self, sql: str) -> str:
        """在预算库上执行一条只读 SELECT 语句（SQLite/PostgreSQL 通用写法）。

        返回 JSON：columns、rows（最多 200 行）、row_count、truncated，结果被截断时 note 说明原因。
        每条查询有时间上限，只能用常见的聚合、窗口、字符串、日期和数学函数。
        务必选出所用数字的 *_row_id 列（如 catalog_row_id、table_row_id、source_row_id），
        系统据此附上原文引用；只有表中真实的行号列才算，自己写的数字不算。
        """
        seconds = None if self.deadline is None else self.deadline.left()
        try:
            result = self.gate.run(sql, seconds)
        except (SQLRejected, BudgetExceeded) as exc:
            raise ToolException(str(exc)) from exc
        except SQLAlchemyError as exc:
            raise ToolException(f"数据库执行出错，请修正 SQL 后重试：{getattr(exc, 'orig', exc)}") from exc
        rows = [{c: plain(v) for c, v in zip(result.columns, r, strict=True)} for r in result.rows]
        shown = fit(rows)
        self.sql.append(result.sql)
        self.rows = rows
        self.succeeded += 1
        self.shown += [(result.row_ids(r), [plain(v) for v in result.data(r)])
                       for r in result.rows[:len(shown)]]
        notes = [result.cut] if result.cut else []
        if len(shown) < len(rows):
            notes.append(f"结果太长，只显示了前 {len(shown)} 行，请只选需要的列或加条件缩小范围。")
        payload: dict[str, Any] = {"columns": result.columns, "rows": shown, "row_count": len(rows),
                                   "truncated": bool(notes)}
        if notes:
            payload["note"] = "".join(notes)
        return dump(payload)

    def search_text(self, query: str) -> str:
        """按意思检索文件原文（项目概况、当年绩效目标、段落和表格行），返回最相关的段落及其 source_row_id。

        用于“哪些项目与……有关”之类的问题，或在不知道确切名称时先找到相关资金，
        再用 sql_query 取数字。
        """
        hits: Sequence[TextHit] = []
        if self.index is not None:
            try:
                hits = self.index.search(query, k=SEARCH_K)
            except Exception as exc:  # an index failure costs only the meaning signal: words still work
                log.warning("向量检索失败，改用关键词检索：%s", exc)
                hits = []
        if not hits:
            try:
                hits = self.fallback.search(query, k=SEARCH_K)
            except SQLAlchemyError as exc:
                raise ToolException(f"检索出错：{getattr(exc, 'orig', exc)}") from exc
        found = fit([{"name": h.name, "field": h.field, "fund_id": h.fund_id, "file": h.file_name,
                      "source_row_id": h.source_row_id, "text": h.text[:SNIPPET_CHARS]} for h in hits])
        self.succeeded += 1
        self.shown += [([f["source_row_id"]], [f["name"], f["text"]]) for f in found]
        return dump({"results": found})

    def run(self, call: ToolCall) -> ToolMessage:
        """Execute one requested tool call; unknown tools and unexpected failures are reported back.

        The tools word every failure they foresee; anything else a strange
        argument sets off (a lone surrogate the driver cannot encode) goes back
        to the model as well, so the question still ends in an answer.
        """
        made = self.tools.get(call["name"])
        if made is None:
            return ToolMessage(f"没有名为 {call['name']} 的工具，可用：{'、'.join(self.tools)}。",
                               tool_call_id=call["id"] or "", status="error")
        try:
            return made.invoke(call)
        except Exception as exc:
            log.warning("工具 %s 执行出错：%r", call["name"], exc)
            return ToolMessage(f"工具 {call['name']} 执行出错（{type(exc).__name__}），请换一种写法重试。",
                               tool_call_id=call["id"] or "", status="error")

    def evidence(self, session: Session) -> list[Evidence]:
        """What the model was shown, each item with the source rows (as citations) it was read from."""
        rows = {c.source_row_id: c for c in cite(session, (i for ids, _ in self.shown for i in ids))}
        return [Evidence(tuple(rows[i] for i in ids if i in rows), tuple(values))
                for ids, values in self.shown]


def _bad_arguments(error: Exception) -> str:
    """Tool-argument validation errors in words the model can act on."""
    return f"工具参数不符合要求，请按工具说明重新调用：{error}"


def _refuse_invalid(call: InvalidToolCall) -> ToolMessage:
    """A tool call whose arguments were not JSON still needs an answer, or the next request is invalid."""
    return ToolMessage(f"工具 {call.get('name')} 的参数不是合法的 JSON，请重新调用：{call.get('error')}",
                       tool_call_id=call.get("id") or "", status="error")


def _unavailable_reason(exc: Exception, settings: LLMSettings) -> str:
    """Why the endpoint failed, in the terms an operator checks first."""
    if isinstance(exc, openai.APITimeoutError):
        return f"{settings.timeout:g} 秒内没有响应"
    if isinstance(exc, openai.APIConnectionError):
        return f"无法连接 {settings.base_url}"
    if isinstance(exc, openai.APIStatusError):
        return f"服务返回 HTTP {exc.status_code}"
    return f"返回的内容无法解析（{type(exc).__name__}）"


def _history(turns: list[tuple[str, str]]) -> list[BaseMessage]:
    """The last few exchanges as chat messages, so "那它的联系人呢？" has its referent (each cut to size)."""
    messages: list[BaseMessage] = []
    for question, answer in turns[-HISTORY_TURNS:]:
        messages += [HumanMessage(clean(question)[0]), AIMessage(clean(answer)[0])]
    return messages


class LLMEngine:
    """Answers with a tool-calling chat model over the shared SQL store (``engine="llm"``).

    ``index`` is the vector index for ``search_text`` (``db.vector.VectorIndex``);
    without it, or when it fails, search falls back to SQL ``LIKE``.
    ``settings`` default to the ``BUDGETQA_LLM_*`` environment variables, the
    statement budget to ``BUDGETQA_SQL_*``.
    """

    def __init__(self, engine: Engine, index: TextSearch | None = None,
                 settings: LLMSettings | None = None) -> None:
        self.engine = engine
        self.index = index
        self.problem = ""
        self.settings: LLMSettings | None = None
        self.chat: ChatOpenAI | None = None
        try:
            self.settings = settings or LLMSettings.from_env()
            self.budget = StatementBudget.from_env()
        except SettingError as exc:
            self.problem = str(exc)
            return
        self.admission = Admission(self.settings.concurrency)
        self.chat = ChatOpenAI(
            base_url=self.settings.base_url,
            model=self.settings.model,
            api_key=self.settings.api_key,
            temperature=0,
            timeout=self.settings.timeout,
            # retries are ours (``_invoke``): the client's would retry a timeout past the deadline
            max_retries=0,
            # compatible servers speak /chat/completions; never switch to OpenAI's Responses API
            use_responses_api=False,
        )

    def ask(self, question: str, conversation: Conversation) -> Answer:
        """Answer one question; the conversation's recent history goes along for follow-ups.

        Refused at once, with a Chinese answer, when as many questions as
        allowed are running, or when this conversation's previous one is.
        """
        if self.chat is None or self.settings is None:
            return self._fail(question, self.problem)
        try:
            with self.admission.admit(id(conversation)):
                return self._answer(question, conversation, self.chat, self.settings)
        except Busy as exc:
            return self._fail(question, str(exc))

    def _answer(self, question: str, conversation: Conversation, chat: ChatOpenAI,
                settings: LLMSettings) -> Answer:
        """The tool loop: send, run the requested tools, add their results; to an answer or the deadline."""
        deadline = Deadline(settings.question_timeout)
        asked, note = clean(question)
        if not asked:
            return self._fail(question, "请输入问题。")
        box = Toolbox(self.engine, self.index, SQLGate(self.engine, self.budget), deadline)
        model = chat.bind_tools(list(box.tools.values()))
        messages: list[BaseMessage] = [SystemMessage(system_prompt()), *_history(conversation.history),
                                       HumanMessage(asked)]
        for _ in range(MAX_ROUNDS):
            if deadline.left() < MIN_CALL_SECONDS:
                return self._too_long(question, deadline, box)
            try:
                reply = _invoke(model, messages, settings.timeout, deadline)
            except LLM_ERRORS as exc:
                if deadline.left() < MIN_CALL_SECONDS:
                    return self._too_long(question, deadline, box)
                down = f"大模型服务暂时不可用：{_unavailable_reason(exc, settings)}。"
                return self._fail(question, f"{down}请稍后再试，{RULES_HINT}。", box)
            messages.append(reply)
            if not reply.tool_calls and not reply.invalid_tool_calls:
                return self._final(question, asked, reply.text.strip(), box, note)
            messages += [box.run(call) for call in reply.tool_calls]
            messages += [_refuse_invalid(call) for call in reply.invalid_tool_calls]
        stuck = f"大模型连续 {MAX_ROUNDS} 轮调用工具仍未给出答案，请换个问法，{RULES_HINT}。"
        return self._fail(question, stuck, box)

    def _final(self, question: str, asked: str, text: str, box: Toolbox, note: str) -> Answer:
        """The model's answer, its figures verified against what the tools showed.

        Figures the question itself gives (a bound such as 100万) are the
        user's, not claims to check.  A figure no evidence holds is marked
        未核实 in the text and listed in ``unverified``; an answer with figures
        but no successful tool call says at the top that none was checked.
        Without figures, the rows behind the words the answer quotes are cited.
        ``note`` (the question was cut) goes on top, after the figures are read.
        """
        if not text:
            return self._fail(question, f"大模型返回了空回答，请重试，{RULES_HINT}。", box)
        with Session(self.engine) as session:
            evidence = box.evidence(session)
        given = numbers(asked)
        stated = [f for f in figures(text) if f.value not in given]
        checked = verify(stated, evidence)
        shown = mark(text, checked.unverified)
        if stated and not box.succeeded:
            shown = NO_EVIDENCE + shown
        return Answer(question=question, text=note + shown,
                      citations=checked.citations if stated else quoted(text, evidence),
                      sql=box.sql, rows=box.rows, engine=ENGINE_LLM,
                      unverified=list(dict.fromkeys(f.text for f in checked.unverified)))

    def _too_long(self, question: str, deadline: Deadline, box: Toolbox) -> Answer:
        seconds = seconds_text(deadline.seconds)
        text = (f"这个问题的处理时间超过了 {seconds} 秒的上限，已停止。"
                f"请把问题问得更具体些（如指明专项或部门的名称）后重试，{RULES_HINT}。")
        return self._fail(question, text, box)

    @staticmethod
    def _fail(question: str, text: str, box: Toolbox | None = None) -> Answer:
        """An answer that explains what went wrong, keeping any SQL already run for the record."""
        return Answer(question=question, text=text, sql=box.sql if box else [],
                      rows=box.rows if box else [], engine=ENGINE_LLM, understood=False)


def _invoke(model: Runnable[list[BaseMessage], BaseMessage], messages: list[BaseMessage], timeout: float,
            deadline: Deadline) -> AIMessage:
    """One model call in the time left; a dropped connection is tried once more if time allows.

    A timeout is not retried: a model that did not answer in time will not
    answer the same request faster.
    """

    def call() -> BaseMessage:
        return model.invoke(messages, timeout=max(min(timeout, deadline.left()), MIN_CALL_SECONDS))

    try:
        reply = call()
    except openai.APIConnectionError as exc:
        if isinstance(exc, openai.APITimeoutError) or deadline.left() < MIN_CALL_SECONDS:
            raise
        reply = call()
    if not isinstance(reply, AIMessage):
        raise TypeError(f"模型返回了 {type(reply).__name__}")
    return reply
