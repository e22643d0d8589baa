"""A user's conversation and the protocol every answering engine follows.

Kept apart from the facade (``assistant.service``) because the engines need
the conversation type and the facade needs the engines: with both in one
module the two would import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.answer import Answer


@dataclass
class Focus:
    """What the last answer was about, for follow-ups such as "那它的联系人呢？"."""

    fund_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    topic: str = ""
    query: Any = None  # the last query part answered (assistant.semantic.query.Query)


@dataclass
class Conversation:
    """One user's conversation: the history and the focus of the last answer."""

    history: list[tuple[str, str]] = field(default_factory=list)
    focus: Focus = field(default_factory=Focus)


class AnswerEngine(Protocol):
    """What the facade asks of an engine (the rule engine, the LLM agent)."""

    def ask(self, question: str, conversation: Conversation) -> Answer:
        """Answer one question in the context of ``conversation``; never raises for bad input."""
