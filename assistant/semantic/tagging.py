"""Tagging: a question as a sequence of tokens, each with every sense it can have.

Left to right, the longest piece that is something known wins: a name from the
store (department, group, fund, indicator, contact, phone, department-budget
label), a number with its unit, or a lexicon word (cue, measure, object noun,
filler).  A piece may mean several things at once ("预算" is a measure and a
kind of figure; "合计" a cue and a table label): the token keeps all its senses
and the parser decides.  Characters nothing claims are cut into words with
jieba; a run of them may still name a fund loosely ("交通惠民那个专项"), else
each word is a filler or a word the lexicon does not know.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jieba
from jieba import posseg

from assistant.lexicon import QUOTES, Lexicon, normalise_question
from assistant.semantic.model import SemanticModel

jieba.setLogLevel(logging.WARNING)  # dictionary-loading chatter is not the user's business

CLAUSE_MARKS = set("，,。；;？?！!：:")
LIST_MARKS = set("、/—")
OPENING, CLOSING = set("（([【"), set("）)]】")
BRACKETS = OPENING | CLOSING | set("《》〈〉")
PUNCT = CLAUSE_MARKS | LIST_MARKS | BRACKETS | set(QUOTES)
# fuzzy fund names: the shared piece must be this long and cover this much of the fund's core name
FUZZY_MIN_CHARS = 3
FUZZY_MIN_COVER = 0.5


@dataclass(frozen=True)
class Sense:
    """One thing a token can be: ``kind`` (dept, group, fund, indicator, indicator_word, contact,
    phone, figure, term, number, year, unit, cue, measure, noun, filler, punct, unknown) and its value."""

    kind: str
    value: Any


@dataclass
class Token:
    """A piece of the question with its senses; the parser marks what it used."""

    start: int
    end: int
    text: str
    senses: tuple[Sense, ...]
    clause: int = 0
    used: bool = False

    def has(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.senses)

    def get(self, kind: str) -> Any:
        """The value of the first sense of this kind, or ``None``."""
        return next((s.value for s in self.senses if s.kind == kind), None)

    def cue(self, role: str) -> str | None:
        """The value of this token's cue with the given role (作用), or ``None``."""
        for sense in self.senses:
            if sense.kind == "cue" and sense.value.role == role:
                return sense.value.value
        return None

    def joins(self) -> bool:
        """Whether it stands between names of a list: a joining word (连接) or a list mark (、)."""
        return self.cue("连接") is not None or (self.has("punct") and self.text in LIST_MARKS)

    def contains(self) -> bool:
        """Whether it makes the words before it a container (容器: …里, …中)."""
        return self.cue("容器") is not None

    def cue_values(self, role: str) -> set[str]:
        """Every value this token's cues of the given role have (a word can be both ways)."""
        return {s.value.value for s in self.senses if s.kind == "cue" and s.value.role == role}

    @property
    def not_understood(self) -> bool:
        """A word no name or lexicon entry covers and that is not merely a way of asking."""
        return self.has("unknown") and not self.has("filler")

    @property
    def is_entity(self) -> bool:
        return any(s.kind in ENTITY_KINDS for s in self.senses)


ENTITY_KINDS = ("dept", "group", "fund", "indicator", "indicator_word", "contact", "phone", "figure")


class PhraseIndex:
    """Every name the model knows, normalised, with the senses it carries."""

    def __init__(self, model: SemanticModel, lexicon: Lexicon) -> None:
        senses: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for dept in model.departments.values():
            for name in dept.names:
                if len(name) >= 2:
                    senses[name]["dept"].add(dept.id)
        for word in model.groups:
            senses[word]["group"].add(word)
        for fund in model.funds.values():
            for name in fund.names:
                if len(name) >= 3 or name == fund.name:
                    senses[name]["fund"].add(fund.id)
        for name, kinds in senses.items():
            if "fund" in kinds:  # 招商引资专项 also names every town's 某镇招商引资专项
                kinds["fund"] |= funds_containing(model, lexicon.core_name(name))
        for name in model.indicator_names:
            senses[name]["indicator"].add(name)
        for word in indicator_words(model.indicator_names, lexicon) | set(lexicon.indicator_aliases):
            senses[word]["indicator_word"].add(lexicon.indicator_aliases.get(word, word))
        for name in model.contacts:
            senses[name]["contact"].add(name)
        for phone in model.phones:
            senses[phone]["phone"].add(phone)
        for label in model.figure_labels:
            senses[label]["figure"].add(label)
        for table in lexicon.tables.values():
            for word in table.words:
                senses[word]["figure"].add(word)
        for alias, target in lexicon.terms:
            senses[alias]["term"].add(target)
            if target in model.figure_labels:
                senses[alias]["figure"].add(target)
        self.senses: dict[str, tuple[Sense, ...]] = {
            phrase: tuple(Sense(kind, frozenset(values) if kind in ("dept", "fund") else next(iter(values)))
                          for kind, values in kinds.items())
            for phrase, kinds in senses.items()
        }
        for alias, target in model.taught.items():
            found = self.senses.get(target) or lexicon_senses(lexicon, target)
            if found:
                self.senses[alias] = found
        lexicon_words = {*lexicon.cues, *lexicon.measures, *lexicon.nouns, *lexicon.fillers}
        self.partial = partial_fund_names(model, set(self.senses) | lexicon_words)
        self.longest = max((len(p) for p in [*self.senses, *self.partial]), default=0)

    def at(self, text: str, start: int) -> tuple[int, tuple[Sense, ...]] | None:
        """The longest known name starting at ``start``: (end, senses); a full name beats a
        part of a fund name of the same length."""
        for size in range(min(self.longest, len(text) - start), 0, -1):
            piece = text[start : start + size]
            found = self.senses.get(piece)
            if found and (size > 1 or all(s.kind == "group" for s in found)):
                return start + size, found
            ids = self.partial.get(piece)
            if ids:
                return start + size, (Sense("fund", ids),)
        return None


def partial_fund_names(model: SemanticModel, taken: set[str]) -> dict[str, frozenset[int]]:
    """Pieces of fund names a question may use alone ("交通惠民" for 交通惠民服务专项): at least
    ``FUZZY_MIN_CHARS`` characters, on the name's word boundaries, covering at least
    ``FUZZY_MIN_COVER`` of its core; a piece that is also another name is left to that name."""
    pieces: dict[str, set[int]] = defaultdict(set)
    for fund in model.funds.values():
        for name in fund.names:
            core = model.lexicon.core_name(name)
            bounds = sorted(word_bounds(core))
            for i, a in enumerate(bounds):
                for b in bounds[i + 1 :]:
                    piece = core[a:b]
                    if len(piece) >= FUZZY_MIN_CHARS and len(piece) / len(core) >= FUZZY_MIN_COVER:
                        pieces[piece].add(fund.id)
    return {p: frozenset(ids) for p, ids in pieces.items() if p not in taken}


def _number_clauses(tokens: list[Token]) -> None:
    """Clause numbers: a new clause after each clause mark; a bracketed note is a clause of its own
    (understood, it counts; not understood, it is set aside), and the text after the closing
    bracket goes on with the clause the note interrupted."""
    clause, fresh, outer = 0, 0, []
    for token in tokens:
        if token.has("punct") and token.text in OPENING:
            outer.append(clause)
            fresh += 1
            clause = fresh
        token.clause = clause
        if token.has("punct") and token.text in CLOSING and outer:
            clause = outer.pop()
        elif token.has("punct") and token.text in CLAUSE_MARKS:
            fresh += 1
            clause = fresh


def funds_containing(model: SemanticModel, core: str) -> set[int]:
    """Funds with a name that contains ``core`` (3+ characters) on its word boundaries."""
    if len(core) < FUZZY_MIN_CHARS:
        return set()
    return {f.id for f in model.funds.values() if any(core in n and on_word_bounds(core, n) for n in f.names)}


def indicator_words(names: set[str], lexicon: Lexicon) -> set[str]:
    """Words that name a kind of indicator (满意度, 合格率): the last word of indicator names
    that two or more indicators share, and that the lexicon does not already give a role."""
    tails: dict[str, int] = defaultdict(int)
    for name in names:
        words = [w for w in jieba.lcut(name, HMM=False) if len(w) >= 2]
        if words:
            tails[words[-1]] += 1
    return {w for w, n in tails.items() if n >= 2 and not lexicon.words_at(w, 0) and w not in lexicon.fillers}


def lexicon_senses(lexicon: Lexicon, word: str) -> tuple[Sense, ...]:
    """The senses the lexicon gives a word: cue roles, measure, object noun, group, filler."""
    out: list[Sense] = [Sense("cue", cue) for cue in lexicon.cues.get(word, ())]
    if word in lexicon.measures:
        out.append(Sense("measure", lexicon.measures[word]))
    if word in lexicon.nouns:
        out.append(Sense("noun", lexicon.nouns[word]))
    if word in lexicon.fillers:
        out.append(Sense("filler", word))
    if word in lexicon.subject_levels:
        out.append(Sense("level", lexicon.subject_levels[word]))
    return tuple(out)


class Tagger:
    """Turns questions into tokens for one semantic model."""

    def __init__(self, model: SemanticModel, lexicon: Lexicon) -> None:
        self.model = model
        self.lexicon = lexicon
        self.phrases = PhraseIndex(model, lexicon)
        self.longest_filler = max((len(f) for f in lexicon.fillers), default=1)

    def tag(self, question: str) -> list[Token]:
        """Tokens of the question, in order, with clause numbers."""
        text = normalise_question(question)
        tokens: list[Token] = []
        loose_start: int | None = None
        i = 0
        while i < len(text):
            found = self._known_at(text, i)
            if found is None:
                loose_start = i if loose_start is None else loose_start
                i += 1
                continue
            if loose_start is not None:
                tokens.extend(self._loose(text, loose_start, i))
                loose_start = None
            end, senses = found
            tokens.append(Token(i, end, text[i:end], senses))
            i = end
        if loose_start is not None:
            tokens.extend(self._loose(text, loose_start, len(text)))
        tokens = self._rejoin(tokens)
        _number_clauses(tokens)
        return tokens

    def _known_at(self, text: str, i: int) -> tuple[int, tuple[Sense, ...]] | None:
        """The longest known piece at ``i`` with all its senses (ties: every reading is kept)."""
        if text[i] in PUNCT:
            return i + 1, (Sense("punct", text[i]),)
        options: list[tuple[int, tuple[Sense, ...]]] = []
        name = self.phrases.at(text, i)
        if name:
            options.append(name)
        number = self.lexicon.number_at(text, i)
        if number is not None:
            kind = "year" if number.unit is not None and number.unit.kind == "year" else "number"
            options.append((number.end, (Sense(kind, number),)))
        asked = text[max(0, i - 1) : i] == "几" or text[max(0, i - 2) : i] == "多少"
        for size in range(min(4, len(text) - i), 0, -1) if asked else ():  # 多少户 / 几场: a unit asked about
            unit = self.lexicon.units.get(text[i : i + size])
            if unit is not None and unit.kind == "other":
                options.append((i + size, (Sense("unit", unit),)))
                break
        for word in self.lexicon.words_at(text, i)[:1]:
            options.append((i + len(word), lexicon_senses(self.lexicon, word)))
        for size in range(min(self.longest_filler, len(text) - i), 0, -1):
            if text[i : i + size] in self.lexicon.fillers:
                options.append((i + size, (Sense("filler", text[i : i + size]),)))
                break
        if not options:
            return None
        end = max(e for e, _ in options)
        senses: list[Sense] = []
        for e, s in options:
            if e == end:
                senses.extend(x for x in s if x not in senses)
        return end, tuple(senses)

    def _rejoin(self, tokens: list[Token]) -> list[Token]:
        """处|于 → 处于: a single-character filler taken too early is put back with the word it
        belongs to, when the two form a dictionary word."""
        out: list[Token] = []
        for token in tokens:
            prev = out[-1] if out else None
            pair = None
            if prev is not None and (
                (prev.not_understood and len(token.text) == 1
                 and token.senses == (Sense("filler", token.text),))
                or (token.not_understood and len(prev.text) == 1
                    and prev.senses == (Sense("filler", prev.text),))
            ):
                pair = prev.text + token.text
            if pair is not None and jieba.dt.FREQ.get(pair):
                out[-1] = self._loose(pair, 0, len(pair))[0]
                out[-1].start, out[-1].end = prev.start, token.end
                continue
            out.append(token)
        return out

    def _loose(self, text: str, start: int, end: int) -> list[Token]:
        """Characters nothing claimed, cut into words: each a filler or a word not understood."""
        out = []
        pos = start
        for pair in posseg.lcut(text[start:end]):
            word = pair.word
            if word in self.lexicon.fillers:
                senses: tuple[Sense, ...] = (Sense("filler", word),)
            elif self.lexicon.ignorable(word, pair.flag):
                senses = (Sense("filler", word), Sense("unknown", word))  # a way of asking, not a figure
            else:
                senses = (Sense("unknown", word),)
            out.append(Token(pos, pos + len(word), word, senses))
            pos += len(word)
        return out

def longest_common(a: str, b: str) -> tuple[str, int]:
    """The longest substring of ``a`` that occurs in ``b``, and where it starts in ``b``."""
    best, where = "", -1
    for i in range(len(a)):
        for j in range(len(a), i + len(best), -1):
            pos = b.find(a[i:j])
            if pos >= 0:
                best, where = a[i:j], pos
                break
    return best, where


@lru_cache(maxsize=8192)
def word_bounds(text: str) -> frozenset[int]:
    """Offsets where a word of ``text`` starts or ends (jieba's precise cut)."""
    bounds, pos = {0}, 0
    for word in jieba.cut(text, HMM=False):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


def on_word_bounds(piece: str, text: str) -> bool:
    """Whether ``piece`` occurs in ``text`` starting and ending where words do."""
    bounds = word_bounds(text)
    start = text.find(piece)
    while start >= 0:
        if start in bounds and start + len(piece) in bounds:
            return True
        start = text.find(piece, start + 1)
    return False
