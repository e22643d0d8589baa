"""What a term means, as the disclosure's 名词解释 says: "“其他收入”指什么？".

Disclosures end with numbered definitions ("（七）其他收入：…", "(十)“三公”经费：
指…；其中，公务用车运行维护费反映…").  The defined term is what stands before
the colon, and inside a definition each "X反映… / X是指…" clause defines X;
the answer quotes the clause or paragraph whose term the question names.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from assistant.intent import Intent
from assistant.plans.result import Draft
from assistant.sqlrun import Runner
from db import models as m

ASKS_MEANING = re.compile(
    r"指什么|什么意思|啥意思|含义|定义|口径|反映哪些|反映什么|包括哪些|包括什么|是指|怎么理解|名词解释|解释"
)
_HEAD = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]\s*(.+?)[：:]")
_CLAUSE_TERM = re.compile(r"^(?:其中[，,]\s*)?(.{2,20}?)(?:反映|是指|指)")
_QUOTES = re.compile(r"[“”\"'‘’「」]")
_QUALIFIER = re.compile(r"[（(][^）)]*[）)]$")
_PRIMARY = select(m.Document.id).where(m.Document.rendition_of_id.is_(None))


def _plain(text: str) -> str:
    """Without quotes, with half-width brackets: "因公出国（境）费" and "因公出国(境)费" are one term."""
    return _QUOTES.sub("", text).replace("（", "(").replace("）", ")").strip()


def _entries(runner: Runner) -> list[tuple[str, str, int]]:
    """(term, defining text, source row) for every numbered definition and its X反映… clauses."""
    rows = runner.cached(
        "definition_paragraphs",
        select(m.SourceRow.id, m.SourceRow.text)
        .where(m.SourceRow.document_id.in_(_PRIMARY), m.SourceRow.block == "paragraph"),
    )
    out = []
    for row_id, text in rows:
        head = _HEAD.match(text)
        if not head:
            continue
        out.append((_plain(_QUALIFIER.sub("", head.group(1))), text.strip(), row_id))
        for clause in re.split(r"[；;。]", text[head.end():]):
            if (sub := _CLAUSE_TERM.match(clause.strip())) and len(_plain(sub.group(1))) >= 2:
                out.append((_plain(sub.group(1)), clause.strip(), row_id))
    return out


def definition(intent: Intent, runner: Runner, draft: Draft) -> bool:
    """Quote the definition of the longest defined term the question names; False when none."""
    asked = _plain(intent.question)
    found = [(term, text, row) for term, text, row in _entries(runner) if term and term in asked]
    if not found:
        return False
    longest = max(len(t) for t, _, _ in found)
    term, text, row = next(e for e in found if len(e[0]) == longest)
    draft.lines.append(f"文件的名词解释中，“{term}”：{text}")
    draft.cite(row)
    return True
