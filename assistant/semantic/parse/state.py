"""The parser's working state: the tokens, what each pass found, and helpers to walk the tokens.

Passes read tokens and mark the ones they use; whatever content is left unused
at the end was not understood.  Positions matter in Chinese (a bound modifies
the noun after it, 除了 the names after it, 以外 the names before it), so the
helpers here look at neighbours while skipping fillers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.semantic.model import SemanticModel
from assistant.semantic.query import Bound, HasIndicator, Having
from assistant.semantic.tagging import Token

ASK, CONTEXT = "ask", "context"
# cue roles that make a clause ask something (a question or a request)
ASKING_ROLES = ("形式", "汇总", "极值", "名次", "请求")
ASKING_MEASURES = ("contact", "phone", "overview", "goal", "department", "name", "form")


@dataclass
class Mention:
    """An entity the question names: a department, a group, funds (one name may fit several)."""

    kind: str
    ids: frozenset[int]
    text: str
    index: int
    clause: int
    word: str = ""  # for fund names fitting several funds: the shared words


@dataclass
class State:
    """Everything the passes have found so far."""

    question: str
    tokens: list[Token]
    model: SemanticModel
    clause_kind: dict[int, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    excluded: list[Mention] = field(default_factory=list)
    rest: bool = False
    years: list[int] = field(default_factory=list)
    clause_years: list[tuple[int, int]] = field(default_factory=list)  # (year, clause)
    relative_years: list[tuple[int, bool, int]] = field(default_factory=list)  # (offset, is the base, clause)
    base_year: int | None = None
    ordinal: tuple[bool | None, int, int] | None = None  # (largest first?, offset, limit)
    recent_years: int | None = None
    decimals: int | None = None
    fund_bounds: list[tuple[int, Bound]] = field(default_factory=list)  # (clause, bound)
    having: list[tuple[int, Having]] = field(default_factory=list)
    indicators: dict[int, HasIndicator] = field(default_factory=dict)  # per clause
    differ: set[int] = field(default_factory=set)  # clauses asking where the catalog and the forms disagree
    table_named: int | None = None  # 表六 / 第6张表
    seq: int | None = None
    refusal: str = ""

    # ----- token helpers ---------------------------------------------------------------------
    def clause_tokens(self, clause: int) -> list[Token]:
        return [t for t in self.tokens if t.clause == clause]

    def clauses(self) -> list[int]:
        return sorted({t.clause for t in self.tokens})

    def with_cue(self, role: str) -> Iterator[tuple[int, Token]]:
        """Indexes and tokens carrying a cue of the role."""
        for i, token in enumerate(self.tokens):
            if token.cue(role) is not None:
                yield i, token

    def neighbours(self, index: int, step: int, limit: int = 4) -> Iterator[tuple[int, Token]]:
        """Tokens next to ``index`` going ``step`` (+1 right, -1 left) within the clause,
        skipping fillers (at most ``limit`` non-filler tokens)."""
        clause = self.tokens[index].clause
        i, seen = index + step, 0
        while 0 <= i < len(self.tokens) and self.tokens[i].clause == clause and seen < limit:
            token = self.tokens[i]
            if not (token.has("filler") and len(token.senses) == 1):
                seen += 1
                yield i, token
            i += step

    def next_content(self, index: int, step: int = 1) -> tuple[int, Token] | None:
        """The nearest token that is not a filler, within the clause."""
        return next(self.neighbours(index, step, 1), None)

    def asked(self, clause: int) -> bool:
        return self.clause_kind.get(clause) == ASK

    def scope(self, kind: str) -> list[Mention]:
        """Mentions of a kind that restrict the question (not excluded)."""
        return [m for m in self.mentions if m.kind == kind]

    def unused_content(self) -> list[Token]:
        """Tokens of asking clauses that no pass used and that carry meaning."""
        out = []
        for token in self.tokens:
            if token.used or self.clause_kind.get(token.clause) != ASK:
                continue
            if token.not_understood or _meaningful(token):
                out.append(token)
        return out


# cue roles whose words change the result when present: leaving one unused means the question
# was not fully understood
MEANINGFUL_ROLES = ("汇总", "极值", "名次", "派生", "排除", "类别", "其余")


def _meaningful(token: Token) -> bool:
    if any(s.kind in ("dept", "fund", "group", "number", "year", "indicator", "contact", "phone")
           for s in token.senses) and not token.has("filler"):
        return True
    return any(token.cue(role) is not None for role in MEANINGFUL_ROLES) and not token.has("filler")
