"""The embedded engine: question → Query parts → SQL → answer with restatement and citations.

No LLM and no network.  What it does not understand it says, and then gives no
figure for that part; what the store cannot answer (a year, a document, a kind
of figure it does not hold) it refuses with what it does hold.  Follow-ups
work on the conversation's last query.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.answer import ENGINE_RULES, Answer
from assistant.conversation import Conversation
from assistant.lexicon import lexicon, normalise
from assistant.semantic.execute import Executor, Searcher
from assistant.semantic.model import SemanticModel
from assistant.semantic.parse import parse
from assistant.semantic.query import Understanding
from assistant.semantic.respond import respond
from assistant.semantic.respond.draft import Draft
from assistant.semantic.restate import restate
from assistant.semantic.sqlrun import Runner
from assistant.semantic.tagging import Tagger
from assistant.semantic.teach import taught_pairs
from db import models as m
from db.citations import cite

MAX_CITATIONS = 40


class SemanticEngine:
    """Answers from the SQL store through the semantic layer."""

    def __init__(self, engine: Engine, index: Searcher | None = None) -> None:
        self.engine = engine
        self.index = index
        self.lexicon = lexicon()
        self.model = SemanticModel(engine, self.lexicon, taught_pairs(engine))
        self.tagger = Tagger(self.model, self.lexicon)
        with Session(engine) as session:
            self.empty = not session.scalar(select(func.count(m.Document.id)))

    def knows(self, word: str) -> bool:
        """Whether a word is a name or lexicon word this engine understands (a target to teach to)."""
        word = normalise(word)
        known = (self.lexicon.cues, self.lexicon.measures, self.lexicon.nouns, self.lexicon.groups)
        return bool(self.tagger.phrases.senses.get(word)) or any(word in words for words in known)

    def understand(self, question: str, conversation: Conversation | None = None) -> Understanding:
        focus = conversation.focus.query if conversation is not None else None
        return parse(question, self.tagger, self.model, focus)

    def ask(self, question: str, conversation: Conversation) -> Answer:
        draft = Draft()
        if self.empty:
            draft.say("库中还没有文件，无法回答。请先导入预算文件（budgetqa ingest 或页面上的“导入文件”）。")
            return self._finish(question, draft, Understanding(), [], [])
        understanding = self.understand(question, conversation)
        with Session(self.engine) as session:
            runner = Runner(session)
            parts = self._answerable(understanding, draft, session)
            if parts:
                results = Executor(runner, self.index, self.lexicon).run(parts)
                respond(results, self.model, draft)
                conversation.focus.query = parts[-1]
            answer = self._finish(question, draft, understanding, runner.sql,
                                  cite(session, draft.row_ids)[:MAX_CITATIONS])
        return answer

    def _answerable(self, understanding: Understanding, draft: Draft, session: Session) -> list:
        """The parts to answer; the reasons for the others go into the draft."""
        if understanding.refusal:
            draft.say(understanding.refusal)
            draft.cite(*self._year_rows(session))
            return []
        if not understanding.parts:
            draft.understood = False
            if understanding.unknown:
                words = "、".join(f"“{w}”" for w in dict.fromkeys(understanding.unknown))
                draft.say(f"无法确定要算什么：{words}不在词表中，没能理解，因此不给出数字。"
                          "可以换个说法，或请管理员把这个说法教给我。")
            else:
                draft.say("无法理解这个问题：没有找到库中的专项、部门或可计算的内容。可以换个说法再问。")
            return []
        for clause, words in understanding.unanswered:
            listed = "、".join(f"“{w}”" for w in dict.fromkeys(words))
            draft.note(f"（“{clause}”中{listed}没能理解，这一问没有回答。）" if words
                       else f"（“{clause}”承接没能理解的上一问，也没有回答。）")
        if understanding.context_unused:
            draft.note("（背景说明“" + "”“".join(understanding.context_unused) + "”未参与计算。）")
        return understanding.parts

    @staticmethod
    def _year_rows(session: Session) -> list[int]:
        """The rows where each held document states its year: the evidence of what years there are."""
        found = []
        docs = session.execute(
            select(m.Document.id, m.Document.year).where(m.Document.rendition_of_id.is_(None),
                                                          m.Document.year.is_not(None))
        ).all()
        for doc_id, year in docs:
            row = session.scalar(
                select(m.SourceRow.id).where(m.SourceRow.document_id == doc_id,
                                             m.SourceRow.text.contains(str(year)))
                .order_by(m.SourceRow.ordinal).limit(1)
            )
            if row is not None:
                found.append(row)
        return found

    def _finish(self, question: str, draft: Draft, understanding: Understanding, sql: Sequence[str],
                citations: list) -> Answer:
        return Answer(
            question=question,
            text="".join(draft.lines + draft.notes),
            citations=citations,
            sql=sql,
            rows=draft.rows,
            engine=ENGINE_RULES,
            understood=draft.understood,
            chart=draft.chart if len(draft.chart) > 1 else [],
            chart_title=draft.chart_title,
            restatement="；".join(restate(q) for q in understanding.parts),
            query=understanding.to_json() if understanding.parts or understanding.refusal else None,
            unknown=list(dict.fromkeys(understanding.unknown)),
            choices=understanding.choices,
            columns=draft.columns,
            total=draft.total,
        )
