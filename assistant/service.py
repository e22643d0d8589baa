"""The assistant facade: one object per process, one ``Conversation`` per user session.

The CLI, the page and the tests call ``Assistant.ask``; it picks the engine (the
embedded rule engine by default, the LLM agent when ``BUDGETQA_ENGINE=llm``) and
keeps each conversation's follow-up context in the conversation object only,
so no state is shared between sessions.
"""

from __future__ import annotations

import logging
import os
from threading import Lock
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from assistant.answer import Answer
from assistant.conversation import Conversation
from db.engine import make_engine

if TYPE_CHECKING:
    from db.vector import IndexProgress

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions over one SQL store."""

    def __init__(self, engine: Engine | None = None, mode: str | None = None) -> None:
        self.engine = engine or make_engine()
        self.mode = (mode or os.environ.get("BUDGETQA_ENGINE") or "rules").lower()
        self._rules = None
        self._llm = None
        self._index = None
        self.index_error = ""
        self._lock = Lock()

    @property
    def index(self):
        """The vector index, opened on first use; ``None`` when Chroma cannot be opened.

        Opening never waits for the dense model: ``sync`` only rewrites the lexical
        chunks a killed ingest left unfinished, and dense vectors stay pending.
        """
        with self._lock:
            if self._index is None:
                try:
                    from db.vector import VectorIndex

                    self._index = VectorIndex(self.engine)
                    self._index.sync()
                except Exception as exc:  # answer without meaning search, and say why
                    self._index = False
                    self.index_error = str(exc)
            return self._index or None

    def retrieval_mode(self) -> str:
        """Which retrieval mode is active, in words for the page (with the dense share while incomplete)."""
        index = self.index
        return index.mode if index is not None else f"未启用（向量索引无法打开：{self.index_error}）"

    def index_progress(self) -> IndexProgress | None:
        """How far the dense vectors are (``budgetqa serve`` computes them in the background), or None."""
        index = self.index
        return index.progress() if index is not None else None

    def _rule_engine(self):
        index = self.index
        with self._lock:
            if self._rules is None:
                from assistant.semantic.engine import SemanticEngine

                self._rules = SemanticEngine(self.engine, index)
            return self._rules

    def _llm_engine(self):
        index = self.index
        with self._lock:
            if self._llm is None:
                from assistant.agent import LLMEngine

                self._llm = LLMEngine(self.engine, index)
            return self._llm

    def teach(self, alias: str, target: str, who: str = ""):
        """Teach a wording (an alias for a name or word already understood); used at once."""
        from assistant.semantic.teach import teach

        taught = teach(self.engine, alias, target, who or os.environ.get("BUDGETQA_USER", ""),
                       self._rule_engine().knows)
        self.refresh()
        return taught

    def taught(self) -> list:
        """The words staff taught, newest first."""
        from assistant.semantic.teach import listed

        return listed(self.engine)

    def forget(self, alias: str) -> bool:
        """Remove a taught word; False when it was not taught."""
        from assistant.semantic.teach import forget

        gone = forget(self.engine, alias)
        self.refresh()
        return gone

    def refresh(self) -> None:
        """Forget cached vocabulary after documents were added or removed.

        The LLM engine caches nothing from the documents and is kept: its
        count of running questions must survive an ingest.
        """
        with self._lock:
            self._rules = None

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """Answer one question; ``conversation`` carries follow-up context between calls."""
        conversation = conversation if conversation is not None else Conversation()
        question = (question or "").strip()
        if not question:
            return Answer(question=question, text="请输入问题。", understood=False)
        engine = self._llm_engine() if self.mode == "llm" else self._rule_engine()
        try:
            answer = engine.ask(question, conversation)
        except Exception:  # one question's failure must not take the page or a batch down
            log.exception("回答失败：%s", question[:200])
            answer = Answer(question=question, understood=False,
                            text="抱歉，回答这个问题时程序出错了，无法给出答案；错误已记入日志。请换个说法再问。")
        conversation.history.append((question, answer.text))
        return answer
