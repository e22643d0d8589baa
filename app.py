"""The chat page (Gradio 6): ask in Chinese, see the figures' source rows, SQL, chart and downloads.

One ``Assistant`` serves every visitor (it only reads the store); each browser
session holds its own ``Conversation`` in ``gr.State`` so follow-ups such as
"那它的联系人呢？" resolve against that visitor's last answer and nobody else's.
The same conversation-aware function is exposed as ``/chat`` for
``gradio_client``, so scripts and load tests exercise exactly what the page does.

Everything is served locally: system fonts (no Google Fonts), no share link,
no analytics, so the page works on an office network without internet.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from sqlalchemy import Engine

from assistant.answer import Answer
from assistant.checks import render_text, run_checks
from assistant.presenting import (
    CHART_LABEL,
    CHART_VALUE,
    CITATION_HEADERS,
    FINDING_HEADERS,
    chart_frame,
    chart_title,
    citation_rows,
    engine_name,
    export_rows,
    finding_rows,
    rows_frame,
    sql_text,
)
from assistant.service import Assistant, Conversation
from ingest.pipeline import document_count, ingest_paths
from ingest.readers.dispatch import SUPPORTED

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
# Characters per streamed chunk and the pause between chunks: fast enough not to
# slow a reader down, slow enough that the answer visibly arrives.
STREAM_CHUNK, STREAM_PAUSE = 6, 0.02

THEME = gr.themes.Soft(
    primary_hue="blue",
    neutral_hue="slate",
    font=["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "system-ui", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "Consolas", "ui-monospace", "monospace"],
)
CSS = """
.gradio-container { max-width: 1480px !important; }
#status { color: var(--body-text-color-subdued); }
#examples button { flex: 0 0 auto !important; min-width: 0 !important; }
.zh-table .table-wrap * { font-family: var(--font) !important; font-size: 14px; line-height: 1.55; }
"""


class ChatPage:
    """The page's handlers and layout over one shared ``Assistant``."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        # answer downloads live until the process exits; Gradio copies them into its own cache
        self._exports = tempfile.TemporaryDirectory(prefix="budgetqa-exports-")

    # ---- handlers -------------------------------------------------------------------------

    def status(self) -> str:
        """The line under the title: what is loaded and which engine and retrieval answer."""
        return (
            f"已导入 {document_count(self.assistant.engine)} 份文件　·　"
            f"回答方式：{engine_name(self.assistant.mode)}　·　检索：{self.assistant.retrieval_mode()}"
        )

    def _ask(self, question: str, conversation: Conversation) -> Answer:
        """Ask, turning an unexpected failure into a Chinese reply instead of a broken page."""
        try:
            return self.assistant.ask(question, conversation)
        except Exception as exc:
            log.exception("回答失败：%s", question)
            return Answer(question=question, text=f"抱歉，回答这个问题时出错了（{exc}）。", understood=False)

    def answer_text(self, message: str, conversation: Conversation) -> str:
        """The ``/chat`` API: the answer text, with the caller's session conversation for follow-ups."""
        return self._ask(message, conversation).text

    def _details(self, answer: Answer) -> dict[str, Any]:
        """The side panel for one answer: engine, citations, chart, result rows, downloads, SQL."""
        chart = chart_frame(answer)
        files = export_rows(answer, Path(self._exports.name) / uuid.uuid4().hex)
        meta = f"**回答方式**：{engine_name(answer.engine)}　**引用原文**：{len(answer.citations)} 行"
        if answer.rows:
            meta += f"　**结果数据**：{len(answer.rows)} 行"
        return {
            "meta": meta,
            "citations": citation_rows(answer),
            "chart": gr.BarPlot(value=chart, title=chart_title(answer), visible=chart is not None),
            "rows": rows_frame(answer),
            "csv": gr.DownloadButton(value=files[0] if files else None, visible=files is not None),
            "xlsx": gr.DownloadButton(value=files[1] if files else None, visible=files is not None),
            "sql": sql_text(answer) or "-- 本次回答没有执行 SQL",
        }

    def respond(self, message: str, conversation: Conversation) -> Iterator[dict[str, Any]]:
        """Stream one answer into the chat, then fill the side panel.

        Yields ``{name: value}`` dicts (the layout maps names to components), so
        the streamed chunks touch only the chat and the side panel updates once.
        """
        question = (message or "").strip()
        if not question:
            return
        shown = [*_messages(conversation.history), {"role": "user", "content": question}]
        yield {"message": "", "chat": shown}
        answer = self._ask(question, conversation)
        shown.append({"role": "assistant", "content": ""})
        for end in range(STREAM_CHUNK, len(answer.text) + STREAM_CHUNK, STREAM_CHUNK):
            shown[-1] = {"role": "assistant", "content": answer.text[:end]}
            yield {"chat": shown}
            time.sleep(STREAM_PAUSE)
        yield self._details(answer)

    def ingest(
        self, files: list[str] | None, progress: gr.Progress = gr.Progress()  # noqa: B008 - Gradio's hook
    ) -> tuple[str, str]:
        """Ingest uploaded files with a progress bar; one Chinese line per file, then the new status.

        Gradio recognises the tracker by the ``gr.Progress()`` default and drives the bar from it.
        """
        if not files:
            return "请先选择要导入的文件。", self.status()
        progress(0, desc="准备导入…")
        results = ingest_paths(
            self.assistant.engine, [Path(f) for f in files], hook=self.assistant.index,
            progress=lambda items: progress.tqdm(items, desc="正在导入", unit="个文件"),
        )
        self.assistant.refresh()
        failed = sum(r.failed for r in results)
        lines = [f"- **{r.describe()}**" if r.failed else f"- {r.describe()}" for r in results]
        head = f"**共 {len(results)} 个文件，成功 {len(results) - failed} 个，失败 {failed} 个。**"
        return "\n".join([head, "", *lines]), self.status()

    def check(self) -> tuple[str, list[list[str]], str]:
        """The ``budgetqa check`` report: its headline, one row per finding, and the full text."""
        findings = run_checks(self.assistant.engine)
        text = render_text(findings)
        headline = text.partition("\n")[0]
        return f"**{headline}**", finding_rows(findings), text

    # ---- layout ---------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """The Blocks layout and its events."""
        # delete_cache: uploads and downloads Gradio keeps are removed after a day, checked hourly,
        # so a server left running for months does not fill its disk
        with gr.Blocks(title="预算问答助手", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
            conversation = gr.State(Conversation())
            gr.Markdown("# 预算问答助手\n用中文提问，答案中的每个数字都附原始文件出处。")
            # filled on page load, not here: the vector index may still be opening while the page starts
            status = gr.Markdown("正在读取资料库…", elem_id="status")
            with gr.Tabs():
                with gr.Tab("问答"):
                    self._chat_tab(conversation)
                with gr.Tab("导入文件"):
                    self._upload_tab(status)
                with gr.Tab("数据核对"):
                    self._check_tab()
            # the hidden pair only carries the /chat API; the page itself uses the events above
            api_in = gr.Textbox(visible=False)
            api_out = gr.Textbox(visible=False)
            api_in.submit(self.answer_text, [api_in, conversation], api_out, api_name="chat")
            demo.load(self.status, None, status, api_visibility="private")
        return demo

    def _chat_tab(self, conversation: gr.State) -> None:
        """Chat on the left, the last answer's sources and data on the right."""
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                chat = gr.Chatbot(
                    label="对话", height=560, layout="bubble", feedback_options=None, buttons=["copy"],
                    placeholder="在下方输入问题，或点击示例问题；可以接着追问，如“那它的联系人呢？”",
                )
                message = gr.Textbox(
                    label="问题", show_label=False, placeholder="例如：哪个部门的专项预算最多？",
                    submit_btn="提问", autofocus=True,
                )
                with gr.Row(equal_height=True):
                    gr.Markdown("**示例问题**（点击即问）")
                    clear = gr.Button("新对话", size="sm", variant="secondary", scale=0, min_width=96)
                with gr.Row(elem_id="examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
            with gr.Column(scale=6):
                components: dict[str, Any] = {
                    "message": message,
                    "chat": chat,
                    "meta": gr.Markdown("提问后，这里显示答案引用的原始行、图表、数据下载和 SQL。"),
                    "citations": gr.Dataframe(
                        headers=CITATION_HEADERS, label="引用的原始行", interactive=False, wrap=True,
                        column_widths=["26%", "14%", "60%"], max_height=360, elem_classes="zh-table",
                    ),
                    "chart": gr.BarPlot(
                        x=CHART_LABEL, y=CHART_VALUE, sort="-y", y_lim=[0, None], x_label_angle=-30,
                        height=320, visible=False, label="图表", x_title="", y_title="",
                    ),
                }
                with gr.Row():
                    components["csv"] = gr.DownloadButton("下载 CSV", visible=False, size="sm")
                    components["xlsx"] = gr.DownloadButton("下载 Excel", visible=False, size="sm")
                with gr.Accordion("结果数据", open=False):
                    components["rows"] = gr.Dataframe(
                        show_label=False, interactive=False, max_height=300, elem_classes="zh-table"
                    )
                with gr.Accordion("SQL 语句", open=False):
                    components["sql"] = gr.Code(
                        language="sql", show_label=False, interactive=False, wrap_lines=True
                    )
        outputs = list(components.values())

        def respond(text: str, conv: Conversation) -> Iterator[dict[gr.components.Component, Any]]:
            for update in self.respond(text, conv):
                yield {components[name]: value for name, value in update.items()}

        message.submit(respond, [message, conversation], outputs, api_visibility="private")
        for button in examples:
            button.click(respond, [button, conversation], outputs, api_visibility="private")
        # "新对话" and the chat's own bin icon (清空对话) both forget the follow-up context too
        clear.click(
            lambda: (Conversation(), [], ""), None, [conversation, chat, message],
            api_visibility="private", queue=False,
        )
        chat.clear(Conversation, None, conversation, api_visibility="private", queue=False)

    def _upload_tab(self, status: gr.Markdown) -> None:
        """Upload files, ingest them with a progress bar, report each file in Chinese."""
        gr.Markdown(
            f"支持的格式：{'、'.join(SUPPORTED)}。同名文件内容有变化时替换旧版本，内容相同则不重复导入。"
        )
        files = gr.File(label="选择文件", file_count="multiple", file_types=list(SUPPORTED), type="filepath")
        with gr.Row():
            start = gr.Button("开始导入", variant="primary", scale=0, min_width=160)
        result = gr.Markdown(min_height=80)
        # one ingestion at a time: the store takes one writer, and two uploads of the
        # same file name must not race to replace each other; the bar shows where results will appear
        start.click(
            self.ingest, files, [result, status], concurrency_limit=1, show_progress_on=result,
            api_visibility="private",
        )

    def _check_tab(self) -> None:
        """The reconciliation report of everything stored, the same as ``budgetqa check``."""
        gr.Markdown(
            "逐条核对已导入文件：目录与绩效目标表金额、名称、部门写法、指标权重与单位、合计数等。"
            "每条问题附原文出处。"
        )
        with gr.Row():
            start = gr.Button("开始核对", variant="primary", scale=0, min_width=160)
        headline = gr.Markdown()
        table = gr.Dataframe(
            headers=FINDING_HEADERS, label="核对结果", interactive=False, wrap=True, max_height=640,
            column_widths=["8%", "18%", "44%", "30%"], elem_classes="zh-table",
        )
        with gr.Accordion("文本报告（与 budgetqa check 相同）", open=False):
            text = gr.Textbox(label="报告全文", lines=20, max_lines=40, buttons=["copy"])
        start.click(self.check, None, [headline, table, text], api_visibility="private")


def serve(engine: Engine, host: str, port: int) -> None:
    """Serve the page until interrupted; uploads go into the SQL store and the vector index together."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    assistant = Assistant(engine)
    # the first answer opens the vector index and loads the vocabulary and word segmenter;
    # do it while Gradio starts so the first visitor does not wait for it
    threading.Thread(target=assistant.ask, args=(EXAMPLES[0], Conversation()), daemon=True).start()
    demo = ChatPage(assistant).build()
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    print(f"问答页面：http://{host}:{port}", flush=True)
    demo.launch(
        server_name=host, server_port=port, share=False, theme=THEME, css=CSS, footer_links=[],
        quiet=True, max_file_size="100mb",
    )


def _messages(history: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Chatbot messages for a conversation's earlier turns."""
    return [
        message
        for question, answer in history
        for message in ({"role": "user", "content": question}, {"role": "assistant", "content": answer})
    ]

