"""The page a budget meeting runs on (Gradio 6): ask in Chinese, every answer a complete result.

Each answer is its own block in the conversation (``assistant.web.turns``):
what was understood, the short answer, the result table, the chart, the cited
rows and the SQL, so scrolling back to an earlier answer shows that answer's
data.  The conversation is one ``gr.HTML`` component rather than a
``gr.Chatbot``: the Chatbot renders message content as Markdown and sanitises
it, which would drop the sortable tables' and citations' data attributes, and
``gr.HTML``'s ``js_on_load`` gives the delegated script (sorting, opening a
citation's original, downloads, suggested readings) a root that survives every
re-render.  The whole answer is shown as soon as the engine returns it.

One ``Assistant`` serves every visitor (it only reads the store); each browser
session holds its own ``PageSession`` in ``gr.State`` so follow-ups resolve
against that visitor's last answer.  ``/chat`` answers with text for
``gradio_client`` scripts and the load test.

Writes are a privilege: the upload, version and teach tabs exist only when an operator
password is set (``BUDGETQA_ADMIN_PASSWORD``), and every write handler checks the password
sent with its event, because a hidden control can still be called over Gradio's
queue.  Listening beyond this machine requires ``BUDGETQA_PASSWORD`` (Gradio's
login); the command line enforces that before the page starts.
Everything is served locally: no CDN fonts, no share link, no analytics.
"""

from __future__ import annotations

import base64
import functools
import hmac
import logging
import os
import socket
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any

import gradio as gr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.answer import ENGINE_LLM, Answer
from assistant.checks import render_text, run_checks
from assistant.exports import findings_xlsx, table_csv, table_xlsx
from assistant.presenting import FINDING_HEADERS, engine_name, export_name, finding_rows, result_table
from assistant.record import conversation_docx, findings_docx
from assistant.semantic.teach import Taught, TeachError
from assistant.service import Assistant, Conversation
from assistant.viewer import open_source
from assistant.web import asset
from assistant.web.source import message_html, source_html
from assistant.web.turns import conversation_html, pending_html, turn_html
from db.store import FileFacts, find_document
from db.version_log import CURRENT
from ingest.pipeline import FAILED, FileResult, document_count, ingest_paths
from ingest.readers.dispatch import SUPPORTED
from ingest.readers.errors import ReaderError
from ingest.settings import operator as server_user
from ingest.sources import Source, readable
from ingest.versions import (
    ReplacementPreview,
    VersionError,
    VersionInfo,
    documents,
    history,
    preview,
    resolve,
    restore,
    restore_preview,
)

log = logging.getLogger(__name__)

# one of each kind the engine answers: ranking, count, lowest, lookup, department budget, meaning
EXAMPLES = [
    "哪个部门的专项预算最多",
    "卫健局有几个专项？",
    "镇街里面专项总额最少的是哪个？",
    "办公用房管理专项今年预算多少？",
    "管理委员会办公室的三公经费是多少？",
    "哪个项目管污水处理设施？",
]
# Reads are short SQL queries under the GIL: a handful in flight keeps every
# visitor's latency fair without piling threads onto two CPU cores.
CHAT_CONCURRENCY = 8
# Answers kept for their downloads (a meeting's worth for every visitor), oldest forgotten first
TURNS_KEPT = 2000
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
REFUSED = "操作员密码不正确（或本页面未开放写入），没有做任何改动。"
# figures a replacement preview lists; the count of the rest is given
FIGURES_SHOWN = 50
VERSION_HEADERS = ["状态", "版本", "入库时间", "入库人", "文件名", "大小（字节）", "能否恢复"]
TAUGHT_HEADERS = ["说法", "指的是", "教的人", "时间"]
_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*[]<>|$~#"})

# Every write event: one at a time, because the store takes one writer and two operators must
# not race to replace the same document; never listed in the API page.
WRITE_EVENT: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "writes",
                               "api_visibility": "private"}

THEME = gr.themes.Soft(
    primary_hue="blue",
    neutral_hue="slate",
    font=["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "system-ui", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "Consolas", "ui-monospace", "monospace"],
)


@dataclass
class PageSession:
    """One visitor's page: the engine's conversation (for follow-ups) and each answer's HTML block."""

    conversation: Conversation = field(default_factory=Conversation)
    blocks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PendingUpload:
    """An uploaded file waiting for the operator's confirmation, kept in the session on the server
    (the browser cannot send a file of its choosing to be confirmed).

    ``replaces`` is the hash of the stored version its preview was worked out
    against: confirming replaces only that version, never one put in after the
    operator saw the preview.
    """

    source: Source
    replaces: str


@dataclass(frozen=True)
class PendingRestore:
    """An earlier version waiting for the operator's confirmation to become current again;
    ``replaces`` as for ``PendingUpload`` (``None``: the document had been removed)."""

    identity: str
    sha256: str
    replaces: str | None


class ChoiceData(gr.EventData):
    """The data of the conversation's ``ask`` event: the reading a suggested-reading button asks.

    Gradio builds the handler's event argument from its type hint, so the page's
    script sends ``{question}`` and the handler reads an attribute, not a dict.
    """

    def __init__(self, target: Any, data: Any) -> None:
        super().__init__(target, data)
        self.question = str((data or {}).get("question", "")) if isinstance(data, dict) else ""


class ChatPage:
    """The page's handlers and layout over one shared ``Assistant``."""

    def __init__(self, assistant: Assistant, admin_password: str | None = None) -> None:
        self.assistant = assistant
        self.admin_password = admin_password or None
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._answers_lock = threading.Lock()
        # report downloads live until the process exits; Gradio copies them into its own cache
        self._exports = tempfile.TemporaryDirectory(prefix="budgetqa-exports-")

    # ---- asking ---------------------------------------------------------------------------

    def status(self) -> str:
        """The line under the title: what is loaded and which engine and retrieval answer."""
        writes = "可导入文件（需操作员密码）" if self.admin_password else "只读"
        return (
            f"已导入 {document_count(self.assistant.engine)} 份文件　·　"
            f"回答方式：{engine_name(self.assistant.mode)}　·　检索：{self.assistant.retrieval_mode()}"
            f"　·　{writes}"
        )

    def _ask(self, question: str, conversation: Conversation) -> Answer:
        """Ask, turning an unexpected failure into a Chinese reply instead of a broken page."""
        try:
            return self.assistant.ask(question, conversation)
        except Exception as exc:
            log.exception("回答失败：%s", question)
            return Answer(question=question, text=f"抱歉，回答这个问题时出错了（{exc}）。", understood=False)

    def answer_text(self, message: str, session: PageSession) -> str:
        """The ``/chat`` API: the answer text, with the caller's session conversation for follow-ups."""
        return self._ask(message, session.conversation).text

    def respond(self, message: str, session: PageSession) -> Iterator[tuple[str, PageSession, str]]:
        """The conversation with the question's complete answer: (conversation, session, input box).

        The rule engine answers in milliseconds, so its answer is the only update:
        an extra "正在查询…" render would cost more time than it saves.
        """
        question = (message or "").strip()
        if not question:
            yield conversation_html(session.blocks), session, ""
            return
        turn_id = uuid.uuid4().hex
        if self.assistant.mode == ENGINE_LLM:  # a model takes seconds: show the question meanwhile
            yield conversation_html([*session.blocks, pending_html(turn_id, question)]), session, ""
        answer = self._ask(question, session.conversation)
        session.blocks.append(turn_html(turn_id, answer))
        with self._answers_lock:  # kept for the downloads the block offers
            self._answers[turn_id] = answer
            while len(self._answers) > TURNS_KEPT:
                self._answers.popitem(last=False)
        yield conversation_html(session.blocks), session, ""

    def ask_choice(self, session: PageSession, event: ChoiceData) -> Iterator[tuple[str, PageSession, str]]:
        """A suggested reading clicked in an answer: asked like a typed question."""
        yield from self.respond(event.question, session)

    @staticmethod
    def new_conversation() -> tuple[str, PageSession, str]:
        """Forget the conversation: no turns, no follow-up context."""
        return conversation_html([]), PageSession(), ""

    # ---- reading the originals and downloading (server functions of the page's script) ----

    def view_source(self, source_row_id: Any) -> str:
        """The source viewer's drawer for one cited row."""
        try:
            view = open_source(self.assistant.engine, int(source_row_id))
        except (TypeError, ValueError):
            view = None
        except Exception:
            log.exception("打开原件失败：%s", source_row_id)
            return message_html("打开原件时出错了，请稍后再试。")
        if view is None:
            return message_html("库中已没有这一行（文件可能已被替换），请重新提问。")
        return source_html(view)

    def export_table(self, request: Any) -> dict[str, str]:
        """One answer's table as CSV or XLSX, named after its question and today's date."""
        request = request if isinstance(request, dict) else {}
        fmt = request.get("format")
        with self._answers_lock:
            answer = self._answers.get(str(request.get("turn")))
        table = result_table(answer) if answer is not None else None
        if table is None or fmt not in ("csv", "xlsx"):
            return {"error": "这次回答的数据已过期，请重新提问后再下载。"}
        data = table_csv(table) if fmt == "csv" else table_xlsx(table, answer.question)
        return _download(export_name(answer.question, fmt, date.today()), data)

    def export_record(self, turn_ids: Any) -> dict[str, str]:
        """The conversation as a Word meeting record, in the order the page shows it."""
        with self._answers_lock:
            answers = [self._answers[t] for t in (turn_ids or []) if t in self._answers]
        if not answers:
            return {"error": "还没有可以导出的回答（或回答已过期），请先提问。"}
        today = date.today()
        return _download(f"预算问答记录_{today.isoformat()}.docx", conversation_docx(answers, today))

    # ---- the check report -----------------------------------------------------------------

    def check(self) -> tuple[str, list[list[str]], str, Any, Any]:
        """The ``budgetqa check`` report: headline, one row per finding, the text, XLSX and DOCX files."""
        findings = run_checks(self.assistant.engine)
        text = render_text(findings)
        headline = text.partition("\n")[0]
        today = date.today()
        folder = Path(self._exports.name) / uuid.uuid4().hex
        folder.mkdir()
        xlsx = folder / f"数据核对报告_{today.isoformat()}.xlsx"
        xlsx.write_bytes(findings_xlsx(findings, headline))
        docx = folder / f"数据核对报告_{today.isoformat()}.docx"
        docx.write_bytes(findings_docx(findings, headline, today))
        files = [gr.DownloadButton(value=str(path), visible=True) for path in (xlsx, docx)]
        return f"**{headline}**", finding_rows(findings), text, *files

    # ---- writes: each handler checks the operator password itself --------------------------

    def _operator(self, password: str | None) -> bool:
        """Whether the password sent with a write event is the operator's (never when none is set)."""
        if not self.admin_password or not password:
            return False
        return hmac.compare_digest(password.encode(), self.admin_password.encode())

    @staticmethod
    def _who(request: gr.Request | None) -> str | None:
        """Who made a change, for the version history and the taught words: the name given at the
        meeting login (its form asks for one's name); without a login, the server's default
        (``BUDGETQA_USER`` or the account running).  A record of who did it, not a proof."""
        return getattr(request, "username", None) or None

    def _current(self, identity: str) -> str | None:
        """The hash of the version stored under ``identity`` now; ``None`` when there is none."""
        with Session(self.assistant.engine) as session:
            stored = find_document(session, identity)
            return stored.sha256 if stored is not None else None

    def _ingest(self, sources: list[Source], who: str | None, progress: gr.Progress) -> list[str]:
        """Ingest files under their identities into the store and the index; one Chinese line per file."""
        results = ingest_paths(
            self.assistant.engine, sources, hook=self.assistant.index, who=who,
            progress=lambda items: progress.tqdm(items, desc="正在导入", unit="个文件"),
        )
        self.assistant.refresh()
        return [_result_line(r) for r in results]

    def upload(
        self, files: list[str] | None, password: str, request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str, list[PendingUpload], Any]:
        """Ingest new files at once; a file that would replace a stored document waits for
        confirmation, shown with what would change.

        Returns the report, the status line, the files waiting and the confirmation row.
        Gradio recognises the progress tracker by the ``gr.Progress()`` default.
        """
        hidden = gr.update(visible=False)
        if not self._operator(password):
            return REFUSED, self.status(), [], hidden
        if not files:
            return "请先选择要导入的文件。", self.status(), [], hidden
        progress(0, desc="正在核对文件…")
        now: list[Source] = []
        waiting: list[PendingUpload] = []
        previews: list[ReplacementPreview] = []
        refused: list[str] = []
        for path in map(Path, files):
            name = readable(path.name)
            try:
                source = self._source(path, {s.identity for s in now} | {p.source.identity for p in waiting})
                found = self._replacement(source)
            except (VersionError, ReaderError) as exc:
                refused.append(_result_line(FileResult(path, FAILED, str(exc), identity=name)))
                continue
            if found is None:
                now.append(source)
            else:
                waiting.append(PendingUpload(source, found.current.sha256 if found.current else ""))
                previews.append(found)
        lines = [*(self._ingest(now, self._who(request), progress) if now else []), *refused]
        if previews:
            lines += ["", "**以下文件会替换库中已有的文档，替换后问答将使用新文件的数字：**"]
            for found in previews:
                lines += ["", *_preview_md(found, "新文件")]
            lines += ["", "请核对后点击“确认替换”；不替换请点“取消”。"]
        return "\n".join(lines), self.status(), waiting, gr.update(visible=bool(waiting))

    def _source(self, path: Path, taken: set[str]) -> Source:
        """The upload as the stored document it stands for.

        An upload carries its file name only, while a stored document is known by
        its path in the folder ingested, so ``resolve`` finds the document the name
        means (``data/samples/x.txt`` for ``x.txt``).  ``VersionError`` when several
        stored documents bear the name, or another file of this upload already
        stands for that document: which one to replace is never guessed.
        """
        engine = self.assistant.engine
        name = readable(path.name)
        try:
            identity = resolve(engine, name)
        except VersionError:
            alike = "、".join(k for k in documents(engine) if Path(k).name == name)
            raise VersionError(f"库中有几个文档都叫这个名字（{alike}），无法确定要替换哪一个；"
                               "请在命令行用 budgetqa ingest 按路径导入") from None
        if identity in taken:
            raise VersionError(f"本次选择的另一个文件也要导入为 {identity}，请分开导入")
        return Source(path, identity)

    def _replacement(self, source: Source) -> ReplacementPreview | None:
        """What ingesting an upload would replace; ``None`` when it replaces nothing (a new document,
        or the very bytes stored already) and so goes in at once.  ``ReaderError`` when it cannot
        be read."""
        stored = self._current(source.identity)
        if stored is None or stored == FileFacts.of(source.path, source.identity).sha256:
            return None
        return preview(self.assistant.engine, source.path, source.identity)

    def confirm(
        self, waiting: list[PendingUpload], password: str, request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str, list[PendingUpload], Any]:
        """Replace the stored documents the operator confirmed, after checking the password again.

        A document that changed since its preview (another operator replaced it
        meanwhile) is left alone: the operator confirmed replacing what they saw.
        """
        if not self._operator(password):
            return REFUSED, self.status(), waiting, gr.update(visible=bool(waiting))
        if not waiting:
            return "没有等待确认的文件。", self.status(), [], gr.update(visible=False)
        ready, stale = [], []
        for pending in waiting:
            if self._current(pending.source.identity) == pending.replaces:
                ready.append(pending.source)
            else:
                stale.append(f"- **{_md(pending.source.identity)}：没有替换**。预览之后库中的版本已经变了，"
                             "请重新上传核对。")
        lines = self._ingest(ready, self._who(request), progress) if ready else []
        return "\n".join(["**已按确认替换：**", *lines, *stale]), self.status(), [], gr.update(visible=False)

    def cancel(self) -> tuple[str, list[PendingUpload], Any]:
        """Drop the files waiting for confirmation; nothing is changed."""
        return "已取消，库中的文件没有改动。", [], gr.update(visible=False)

    # ---- versions: every listing and restore checks the operator password -------------------

    def versions(self, given: str | None, password: str) -> tuple[Any, list[list[str]], Any, str, None, Any]:
        """A document's versions (the first document when none is given): the document list, the
        versions table, the versions it can go back to and a note.  A new listing drops a restore
        waiting for confirmation: the operator has moved on."""
        hidden = gr.update(visible=False)
        if not self._operator(password):
            return gr.update(), [], gr.update(choices=[], value=None), REFUSED, None, hidden
        return *self._listing(given), None, hidden

    def _listing(self, given: str | None) -> tuple[Any, list[list[str]], Any, str]:
        engine = self.assistant.engine
        names = documents(engine)
        empty = gr.update(choices=[], value=None)
        if not names:
            return empty, [], empty, "库中还没有任何文档。"
        try:
            identity = resolve(engine, given) if given else names[0]
        except VersionError as exc:
            return gr.update(choices=names), [], empty, _md(str(exc))
        found = history(engine, identity)
        chosen = gr.update(choices=names, value=identity)
        if not found:
            return chosen, [], empty, f"库中没有“{_md(identity)}”的版本记录。"
        earlier = [(_version_label(v), v.sha256) for v in found if v.restorable and v.status != CURRENT]
        note = f"**{_md(identity)}**：共 {len(found)} 个版本，最新的在最上面。" + (
            "选择要恢复的版本，先点“预览恢复”核对改动。" if earlier else "没有可以恢复的以前版本。")
        rows = [_version_row(v) for v in found]
        return chosen, rows, gr.update(choices=earlier, value=earlier[0][1] if earlier else None), note

    def preview_restore(
        self, identity: str | None, sha256: str | None, password: str
    ) -> tuple[str, PendingRestore | None, Any]:
        """What going back to a version would change; the restore waits for confirmation, as a
        replacing upload does, because it replaces the figures every user is answered from."""
        hidden = gr.update(visible=False)
        if not self._operator(password):
            return REFUSED, None, hidden
        if not identity or not sha256:
            return "请先点“查看版本”，再选择要恢复的版本。", None, hidden
        try:
            identity = resolve(self.assistant.engine, identity)  # the document box also takes a typed name
            found = restore_preview(self.assistant.engine, identity, sha256)
        except (VersionError, ReaderError) as exc:
            return _md(str(exc)), None, hidden
        if found.unchanged:
            return f"**{_md(identity)}**：这就是当前版本，不需要恢复。", None, hidden
        lines = [*_preview_md(found, f"版本 {found.sha256[:12]}"), "",
                 "请核对后点击“确认恢复”；不恢复请点“不恢复”。"]
        pending = PendingRestore(identity, found.sha256, found.current.sha256 if found.current else None)
        return "\n".join(lines), pending, gr.update(visible=True)

    def confirm_restore(
        self, pending: PendingRestore | None, password: str, request: gr.Request
    ) -> tuple[str, str, Any, list[list[str]], Any, str, PendingRestore | None, Any]:
        """Restore the version the operator previewed, after checking the password again; the
        result, the status line and the document's versions listed afresh."""
        if not self._operator(password):
            return REFUSED, self.status(), gr.update(), [], gr.update(), "", pending, gr.update()
        if pending is None:
            return ("没有等待确认的恢复。", self.status(), *self._listing(None), None,
                    gr.update(visible=False))
        if self._current(pending.identity) != pending.replaces:
            line = f"- **{_md(pending.identity)}：没有恢复**。预览之后库中的版本已经变了，请重新预览。"
        else:
            result = restore(self.assistant.engine, pending.identity, pending.sha256,
                             who=self._who(request), hook=self.assistant.index)
            self.assistant.refresh()
            line = _result_line(result)
        return line, self.status(), *self._listing(pending.identity), None, gr.update(visible=False)

    @staticmethod
    def cancel_restore() -> tuple[str, None, Any]:
        """Drop the restore waiting for confirmation; nothing is changed."""
        return "已取消，没有恢复。", None, gr.update(visible=False)

    # ---- taught words: teaching, listing and removing each check the operator password --------

    def teach_word(
        self, alias: str | None, target: str | None, password: str, request: gr.Request
    ) -> tuple[str, list[list[str]], Any]:
        """Teach the engine that ``alias`` means ``target``; the facade drops its cached vocabulary,
        so the very next question on any page understands the word.  The result line and the
        taught words listed afresh."""
        if not self._operator(password):
            return REFUSED, [], _no_choices()
        try:
            # without a login, the server's default as for an upload (the facade alone knows only
            # BUDGETQA_USER), so the list never says 未注明 for a word taught on the page
            taught = self.assistant.teach(alias or "", target or "", self._who(request) or server_user())
        except TeachError as exc:  # a bad word is the operator's to fix: said in Chinese, not raised
            return _md(str(exc)), *self._taught_listing()
        return f"已记住：“{_md(taught.alias)}”即“{_md(taught.target)}”。", *self._taught_listing()

    def taught_words(self, password: str) -> tuple[str, list[list[str]], Any]:
        """The words staff taught, newest first; behind the password like the rest of the tab,
        because who taught what is the operators' business."""
        if not self._operator(password):
            return REFUSED, [], _no_choices()
        rows, choices = self._taught_listing()
        note = f"共教过 {len(rows)} 个说法，最新的在最上面。" if rows else "还没有教过任何说法。"
        return note, rows, choices

    def forget_word(self, alias: str | None, password: str) -> tuple[str, list[list[str]], Any]:
        """Remove a taught word; questions using it are no longer understood from the next one on."""
        if not self._operator(password):
            return REFUSED, [], _no_choices()
        alias = (alias or "").strip()
        if not alias:
            return "请先填写或选择要删除的说法。", *self._taught_listing()
        if self.assistant.forget(alias):
            return f"已删除：“{_md(alias)}”。", *self._taught_listing()
        return f"没有教过“{_md(alias)}”这个说法。", *self._taught_listing()

    def _taught_listing(self) -> tuple[list[list[str]], Any]:
        """The taught words as table rows and as the choices of the delete list."""
        words = self.assistant.taught()
        return [_taught_row(t) for t in words], gr.update(choices=[t.alias for t in words], value=None)

    # ---- layout ---------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """The Blocks layout and its events."""
        # delete_cache: uploads and downloads Gradio keeps are removed after a day, checked hourly,
        # so a server left running for months does not fill its disk
        with gr.Blocks(title="预算问答助手", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
            session = gr.State(PageSession())
            gr.Markdown("# 预算问答助手\n用中文提问，答案中的每个数字都附原始文件出处，点击出处可查看原件。")
            # filled on page load, not here: the vector index may still be opening while the page starts
            status = gr.Markdown("正在读取资料库…", elem_id="status")
            with gr.Tabs():
                with gr.Tab("问答"):
                    self._chat_tab(session)
                if self.admin_password:  # without an operator password no write event exists at all
                    with gr.Tab("导入文件", elem_id="upload-tab"):
                        self._upload_tab(status)
                    with gr.Tab("版本历史", elem_id="versions-tab"):
                        self._versions_tab(status)
                    with gr.Tab("教词", elem_id="teach-tab"):
                        self._teach_tab()
                with gr.Tab("数据核对"):
                    self._check_tab()
            # the hidden pair only carries the /chat API; the page itself uses the events above
            api_in = gr.Textbox(visible=False)
            api_out = gr.Textbox(visible=False)
            api_in.submit(self.answer_text, [api_in, session], api_out, api_name="chat")
            demo.load(self.status, None, status, api_visibility="private")
        return demo

    def _chat_tab(self, session: gr.State) -> None:
        """The conversation of answer blocks, the question box under it, the source viewer drawer."""
        conversation = gr.HTML(
            conversation_html([]), elem_id="conversation", js_on_load=asset("conversation.js"),
            server_functions=[_plain(self.export_table), _plain(self.export_record)], apply_default_css=False,
        )
        gr.HTML("", elem_id="source-viewer", js_on_load=asset("viewer.js"), apply_default_css=False,
                server_functions=[_plain(self.view_source)], opening=message_html("正在打开原件…"),
                failed=message_html("无法连接服务器，请稍后再试。"))
        with gr.Column(elem_id="ask-bar"):
            # no autofocus: focusing a box at the bottom would scroll the page past its title on load
            message = gr.Textbox(
                label="问题", show_label=False, placeholder="例如：哪个部门的专项预算最多？",
                submit_btn="提问", elem_id="question",
            )
            with gr.Row(equal_height=True, elem_id="examples"):
                examples = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                clear = gr.Button("新对话", size="sm", variant="stop", scale=0, min_width=80)
        outputs = [conversation, session, message]
        message.submit(self.respond, [message, session], outputs, api_visibility="private")
        for button in examples:
            button.click(self.respond, [button, session], outputs, api_visibility="private")
        conversation.ask(self.ask_choice, session, outputs, api_visibility="private")
        clear.click(self.new_conversation, None, outputs, api_visibility="private", queue=False)

    def _upload_tab(self, status: gr.Markdown) -> None:
        """Upload files with the operator password; replacing a stored document needs a confirmation."""
        gr.Markdown(
            f"支持的格式：{'、'.join(SUPPORTED)}。新文件直接导入；与库中文档同名但内容不同的文件先列出改动"
            "（记录条数和不同的数字），确认后才替换；内容相同则不重复导入。导入和替换都需要操作员密码。"
        )
        password = gr.Textbox(label="操作员密码", type="password", max_lines=1)
        # no file_types: Gradio's own type check answers in English; the pipeline names bad types in Chinese
        files = gr.File(label="选择文件", file_count="multiple", type="filepath")
        waiting = gr.State([])
        with gr.Row():
            start = gr.Button("开始导入", variant="primary", scale=0, min_width=160)
        result = gr.Markdown(min_height=80)
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("确认替换", variant="stop", scale=0, min_width=160)
            cancel = gr.Button("取消", scale=0, min_width=120)
        start.click(self.upload, [files, password], [result, status, waiting, confirm_row],
                    show_progress_on=result, **WRITE_EVENT)
        confirm.click(self.confirm, [waiting, password], [result, status, waiting, confirm_row],
                      show_progress_on=result, **WRITE_EVENT)
        cancel.click(self.cancel, None, [result, waiting, confirm_row], api_visibility="private")

    def _versions_tab(self, status: gr.Markdown) -> None:
        """A document's versions, and going back to an earlier one: previewed, then confirmed."""
        gr.Markdown(
            "每个文档的各个版本（当前、已被替换、已移除），以及入库时间、入库人和版本哈希。可以把文档恢复为"
            "以前的版本：先预览改动，确认后才恢复。查看和恢复都需要操作员密码。"
        )
        password = gr.Textbox(label="操作员密码", type="password", max_lines=1)
        with gr.Row(equal_height=True):
            # custom values: a file name or path typed here is resolved on the server like the CLI's
            document = gr.Dropdown(label="文档", choices=[], allow_custom_value=True, scale=3,
                                   info="点“查看版本”列出库中的文档；也可输入文件名或路径")
            listing = gr.Button("查看版本", variant="primary", scale=0, min_width=160)
        note = gr.Markdown()
        table = gr.Dataframe(headers=VERSION_HEADERS, label="版本（最新的在最上面）", interactive=False,
                             wrap=True, elem_classes="zh-table")
        with gr.Row(equal_height=True):
            version = gr.Dropdown(label="恢复为", choices=[], allow_custom_value=True, scale=3)
            check = gr.Button("预览恢复", scale=0, min_width=160)
        result = gr.Markdown(min_height=40)
        pending = gr.State(None)
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("确认恢复", variant="stop", scale=0, min_width=160)
            cancel = gr.Button("不恢复", scale=0, min_width=120)
        listed = [document, table, version, note, pending, confirm_row]
        listing.click(self.versions, [document, password], listed, api_visibility="private")
        document.input(self.versions, [document, password], listed, api_visibility="private")
        check.click(self.preview_restore, [document, version, password], [result, pending, confirm_row],
                    show_progress_on=result, api_visibility="private")
        confirm.click(self.confirm_restore, [pending, password], [result, status, *listed],
                      show_progress_on=result, **WRITE_EVENT)
        cancel.click(self.cancel_restore, None, [result, pending, confirm_row], api_visibility="private")

    def _teach_tab(self) -> None:
        """Teach the engine a name variant or synonym, list the words taught, remove one."""
        gr.Markdown(
            "把同事常用的说法教给助手：例如“医保中心”指的是“医疗保障事务中心”。“指的是”必须是库中的部门、专项、"
            "指标、科目名称或词表里的词。教会后下一个问题就能用这个说法。教、查看和删除都需要操作员密码。"
        )
        password = gr.Textbox(label="操作员密码", type="password", max_lines=1)
        with gr.Row(equal_height=True):
            alias = gr.Textbox(label="说法（别名）", max_lines=1, placeholder="例如：医保中心")
            target = gr.Textbox(label="指的是（库中的名称或词）", max_lines=1,
                                placeholder="例如：医疗保障事务中心")
        with gr.Row():
            teach = gr.Button("教给助手", variant="primary", scale=0, min_width=160)
            listing = gr.Button("查看教过的说法", scale=0, min_width=160)
        result = gr.Markdown(min_height=40)
        table = gr.Dataframe(headers=TAUGHT_HEADERS, label="教过的说法（最新的在最上面）", interactive=False,
                             wrap=True, elem_classes="zh-table")
        with gr.Row(equal_height=True):
            # choosing a taught word only fills the alias box in the browser: the delete reads that box
            chosen = gr.Dropdown(label="选择教过的说法", choices=[], scale=3, info="点“查看教过的说法”列出")
            forget = gr.Button("删除此说法", variant="stop", scale=0, min_width=160)
        listed = [result, table, chosen]
        teach.click(self.teach_word, [alias, target, password], listed, **WRITE_EVENT)
        listing.click(self.taught_words, password, listed, api_visibility="private")
        forget.click(self.forget_word, [alias, password], listed, **WRITE_EVENT)
        chosen.input(None, chosen, alias, js="(word) => word", api_visibility="private")

    def _check_tab(self) -> None:
        """The reconciliation report of everything stored, the same as ``budgetqa check``, with downloads."""
        gr.Markdown(
            "逐条核对已导入文件：目录与绩效目标表金额、名称、部门写法、指标权重与单位、合计数等。"
            "每条问题附原文出处。"
        )
        with gr.Row():
            start = gr.Button("开始核对", variant="primary", scale=0, min_width=160)
            xlsx = gr.DownloadButton("下载报告（Excel）", visible=False, scale=0, min_width=200)
            docx = gr.DownloadButton("下载报告（Word）", visible=False, scale=0, min_width=200)
        headline = gr.Markdown()
        table = gr.Dataframe(
            headers=FINDING_HEADERS, label="核对结果", interactive=False, wrap=True, max_height=640,
            column_widths=["8%", "18%", "44%", "30%"], elem_classes="zh-table",
        )
        with gr.Accordion("文本报告（可复制）", open=False):
            text = gr.Textbox(label="报告全文", lines=20, max_lines=40, buttons=["copy"])
        start.click(self.check, None, [headline, table, text, xlsx, docx], api_visibility="private")


def _md(text: str) -> str:
    """Text from a document, a file name or a message, safe inside the reports' Markdown: a name
    holding ``|``, ``*`` or ``<`` must not break a table or become emphasis or markup.
    Underscores stay, since file names are full of them and GFM leaves them alone inside words."""
    return " ".join(text.split()).translate(_MD_ESCAPES)


def _result_line(result: FileResult) -> str:
    """One file's result as a report line, failures in bold."""
    text = _md(result.describe())
    return f"- **{text}**" if result.failed else f"- {text}"


def _preview_md(found: ReplacementPreview, incoming: str) -> list[str]:
    """What a replacement changes, as Markdown lines: the version it replaces, the record counts
    that differ and the figures that read differently.

    Figures whose value changes come first, because those are what a meeting
    would quote wrongly; figures that only vanish or appear follow (the counts
    already say how many).
    """
    current = found.current
    head = f"**{_md(found.identity)}**：{incoming} {_md(found.file_name)}（{found.size:,} 字节）"
    if current is None:
        head += "将重新放回库中（该文档已被移除）。"
    else:
        head += (f"将替换当前版本（{current.sha256[:12]}，{current.ingested_at.astimezone():%Y-%m-%d %H:%M} "
                 f"由 {_md(current.ingested_by or '未注明')} 导入，{current.size:,} 字节）。")
    lines = [head]
    counts = [(kind, old, new) for kind, (old, new) in found.counts.items() if old != new]
    if counts:
        lines += ["", "| 记录 | 当前 | 替换后 |", "| --- | ---: | ---: |"]
        lines += [f"| {kind} | {old:,} | {new:,} |" for kind, old, new in counts]
    changes = sorted(found.changes, key=lambda c: (c.old is None, c.new is None))  # stable: document order
    if changes:
        lines += ["", f"数字不同的有 {len(changes)} 处：", "", "| 类别 | 项目 | 当前 | 替换后 |",
                  "| --- | --- | ---: | ---: |"]
        lines += [f"| {c.kind} | {_md(c.name)} | {_md(c.old or '（无）')} | {_md(c.new or '（无）')} |"
                  for c in changes[:FIGURES_SHOWN]]
        if len(changes) > FIGURES_SHOWN:
            lines += ["", f"……另有 {len(changes) - FIGURES_SHOWN} 处数字不同，未逐一列出。"]
    if not counts and not changes:
        lines.append("记录条数和数字都没有变化（只有原文的写法不同）。")
    return lines


def _version_row(version: VersionInfo) -> list[str]:
    """One version as a row of the versions table (times in the server's local time)."""
    if version.status == CURRENT:
        restorable = "当前版本"
    else:
        restorable = "可以恢复" if version.restorable else "原文件未保存，不能恢复"
    return [version.status_name, version.sha256[:12], f"{version.ingested_at.astimezone():%Y-%m-%d %H:%M}",
            version.ingested_by or "未注明", version.file_name, f"{version.size:,}", restorable]


def _version_label(version: VersionInfo) -> str:
    """A version as the restore list names it: hash, time, who, status."""
    return (f"{version.sha256[:12]}　{version.ingested_at.astimezone():%Y-%m-%d %H:%M}　"
            f"{version.ingested_by or '未注明'}　{version.status_name}")


def _taught_row(word: Taught) -> list[str]:
    """One taught word as a row of the taught-words table; stored in UTC, shown in local time."""
    at = word.taught_at.replace(tzinfo=UTC) if word.taught_at.tzinfo is None else word.taught_at
    return [word.alias, word.target, word.taught_by or "未注明", f"{at.astimezone():%Y-%m-%d %H:%M}"]


def _no_choices() -> Any:
    """An emptied delete list: a refused event shows no taught words."""
    return gr.update(choices=[], value=None)


def _plain(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A plain function calling ``method``: Gradio marks server functions with an attribute,
    which a bound method refuses."""

    @functools.wraps(method)
    def call(argument: Any) -> Any:
        return method(argument)

    return call


def _download(name: str, data: bytes) -> dict[str, str]:
    """A file for the page's script to save: its name, type and bytes in base64."""
    encoded = base64.b64encode(data).decode("ascii")
    return {"name": name, "mime": MIME[name.rsplit(".", 1)[-1]], "data": encoded}


# ---- serving ------------------------------------------------------------------------------


def serve(engine: Engine, host: str, port: int, password: str | None, operator: str | None) -> None:
    """Serve the page until interrupted: behind Gradio's login when ``password`` is given, with
    the upload tab when ``operator`` (the operator password) is.  The command line checks the
    host, port and passwords first; a port taken meanwhile raises ``OSError``."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    assistant = Assistant(engine)
    # the first answer opens the vector index and loads the vocabulary and word segmenter;
    # do it while Gradio starts so the first visitor does not wait for it
    threading.Thread(target=assistant.ask, args=(EXAMPLES[0], Conversation()), daemon=True).start()
    demo = ChatPage(assistant, operator).build()
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    where = f"http://{socket.gethostname() if host in ('0.0.0.0', '::') else host}:{port}"
    print(f"问答页面：{where}" + ("（需要访问密码）" if password else ""), flush=True)
    demo.launch(
        server_name=host, server_port=port, share=False, theme=THEME, css=asset("page.css"),
        footer_links=[], quiet=True, max_file_size="100mb", mcp_server=False,
        auth=_login(password) if password else None,
        auth_message="请输入本次会议的访问密码（用户名可填您的姓名）。",
    )


def _login(password: str) -> Callable[[str, str], bool]:
    """Gradio's login check: any user name, the meeting's password (compared in constant time)."""
    return lambda _user, given: hmac.compare_digest(given.encode(), password.encode())
