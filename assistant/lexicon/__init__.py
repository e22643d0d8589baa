"""The lexicon: what Chinese words mean to the semantic layer, loaded from reviewable data files.

Everything the parser knows about wording lives in the ``*.tsv`` files beside
this module (cue words and their roles, measures, object nouns, department
groups, units, filler words, hand-kept aliases) or in the store (entity names,
and the synonyms staff teach).  The parser only ever asks this module "what can
the text at this position be?", so a new wording is a new line in a file, never
a new rule in code.

This module is also the only place that reads characters as numbers: Arabic
and Chinese numerals, with the units of ``units.tsv``.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_SCALES = {"十": 10, "百": 100, "千": 1000}
ARABIC = set("0123456789")
ORDINAL_BEFORE = set("第前后数排表")
NUMBER_PUNCT = {",": "thousands", ".": "point"}


def rows(name: str) -> list[list[str]]:
    """The data rows of a lexicon file: tab-separated cells, comments and blank lines skipped."""
    out = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append([cell.strip() for cell in line.split("\t")])
    return out


QUOTES = "“”\"'‘’「」『』"


def normalise(text: str) -> str:
    """The form names are compared in: NFKC (full-width digits and letters made plain),
    lower case, no spaces, quotation marks dropped (“三公”经费 is 三公经费)."""
    return "".join(ch for ch in normalise_question(text) if ch not in QUOTES)


def normalise_question(text: str) -> str:
    """A question in the same form, but with its quotation marks kept: they mark a quoted name."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace() and ch.isprintable())


@dataclass(frozen=True)
class Cue:
    """One role a word can play: (作用, 取值) from ``cues.tsv``."""

    role: str
    value: str


@dataclass(frozen=True)
class Unit:
    """A unit written after a number: its kind and, for money, how many 万元 one of it is."""

    word: str
    kind: str
    to_wan: Decimal | None
    counts: str | None = None  # what a count unit counts: 三家 are departments, 几条 indicators


@dataclass(frozen=True)
class Number:
    """A number as written at some offset of the question, with the unit that follows it."""

    start: int
    end: int
    value: Decimal
    unit: Unit | None
    text: str


@dataclass(frozen=True)
class Table:
    """One of the standard department-budget tables: what staff call it, and its rank when the same
    subject appears in several tables with different amounts."""

    number: int
    name: str
    words: tuple[str, ...]
    rank: int
    split: str | None = None  # the classification this table holds one half of (基本支出 or 项目支出)


@dataclass(frozen=True)
class GroupRule:
    """A department group by its full name: ending with these words (suffix), not ending with them
    (not-suffix), or containing one of them (contains)."""

    name: str
    rule: str
    words: tuple[str, ...]

    @property
    def negate(self) -> bool:
        return self.rule == "not-suffix"

    @property
    def suffixes(self) -> tuple[str, ...]:
        return self.words if self.rule != "contains" else ()

    def admits(self, full_name: str) -> bool:
        if self.rule == "contains":
            return any(word in full_name for word in self.words)
        ends = full_name.endswith(self.words)
        return not ends if self.negate else ends


class Lexicon:
    """All the reviewed word lists, with the lookups the tagger needs."""

    def __init__(self) -> None:
        self.cues: dict[str, list[Cue]] = defaultdict(list)
        for word, role, value in rows("cues.tsv"):
            self.cues[normalise(word)].append(Cue(role, value))
        self.measures = {normalise(w): m for w, m in rows("measures.tsv")}
        self.nouns = {normalise(w): n for w, n in rows("nouns.tsv")}
        self.groups = {normalise(name): GroupRule(name, rule, tuple(words.split("|")))
                       for name, rule, words in rows("groups.tsv")}
        self.units = {
            normalise(word): Unit(word, kind, None if wan == "-" else Decimal(wan),
                                  None if counts == "-" else counts)
            for word, kind, wan, counts in rows("units.tsv")
        }
        self.fillers = {normalise(r[0]) for r in rows("fillers.tsv")}
        tails = rows("name_tails.tsv")
        self.name_tails = tuple(word for word, kind in tails if kind == "department")
        self.fund_tails = tuple(word for word, kind in tails if kind == "fund")
        self.admin_levels = {r[0] for r in rows("admin_levels.tsv")}
        self.ignorable_classes = {r[0] for r in rows("word_classes.tsv")}
        self.negations = {r[0] for r in rows("negations.tsv")}
        self.total_words = {normalise(r[0]) for r in rows("totals.tsv")}
        self.subject_levels = {normalise(word): int(digits) for word, digits in rows("subject_levels.tsv")}
        self.tables = {
            int(no): Table(int(no), name, tuple(normalise(w) for w in words.split("|")), int(rank),
                           None if split == "-" else split)
            for no, name, words, rank, split in rows("tables.tsv")
        }
        aliases = rows("aliases.tsv")
        self.department_aliases = [(normalise(a), t) for k, a, t in aliases if k == "department"]
        self.terms = [(normalise(a), normalise(t)) for k, a, t in aliases if k == "term"]
        self.abbreviations = [(a, t) for k, a, t in aliases if k == "abbreviation"]
        self.indicator_aliases = {normalise(a): normalise(t) for k, a, t in aliases if k == "indicator"}
        self.longest_word = max(
            len(w) for w in [*self.cues, *self.measures, *self.nouns, *self.groups, *self.units]
        )

    def ignorable(self, word: str, word_class: str) -> bool:
        """Whether a word the lexicon does not know only says how something is asked (a verb such as
        找 or 写, an adverb such as 进一步), so leaving it out cannot change the figure."""
        return word_class in self.ignorable_classes and not any(ch in word for ch in self.negations)

    def core_name(self, name: str) -> str:
        """A fund name without the words that only say it is a fund (``name_tails.tsv``), when
        at least two characters remain."""
        for tail in self.fund_tails:
            if name.endswith(tail) and len(name) > len(tail) + 1:
                return name[: -len(tail)]
        return name

    def words_at(self, text: str, start: int) -> list[str]:
        """Lexicon words (cues, measures, nouns, groups) that begin at ``start``, longest first."""
        found = []
        for size in range(min(self.longest_word, len(text) - start), 0, -1):
            piece = text[start : start + size]
            if (piece in self.cues or piece in self.measures or piece in self.nouns or piece in self.groups
                    or piece in self.subject_levels):
                found.append(piece)
        return found

    def number_at(self, text: str, start: int) -> Number | None:
        """The number (Arabic or Chinese numerals, or a bare 千万/百万) at ``start``, with its unit."""
        end, value = _arabic(text, start)
        if value is None:
            end, value = _chinese(text, start)
            if value is not None and not self._counts(text, start, end):
                return None  # 一 of 进一步 or 统一 is no number
        if value is None:
            unit = self._unit_at(text, start)
            if unit is not None and unit.kind == "money" and unit.to_wan and unit.to_wan > 1:
                size = len(normalise(unit.word))
                return Number(start, start + size, Decimal(1), unit, text[start : start + size])
            return None
        unit = self._unit_at(text, end)
        stop = end + (len(normalise(unit.word)) if unit else 0)
        return Number(start, stop, value, unit, text[start:stop])

    def _counts(self, text: str, start: int, end: int) -> bool:
        """Whether Chinese numerals at ``start:end`` count something: a unit follows (三个, 两千万),
        an ordinal word comes before (第三, 前五, 倒数第二), or 两/俩 stands before a noun."""
        if self._unit_at(text, end) is not None or (start and text[start - 1] in ORDINAL_BEFORE):
            return True
        return text[start:end] in ("两", "俩") and end < len(text) and "\u4e00" <= text[end] <= "\u9fff"

    def _unit_at(self, text: str, start: int) -> Unit | None:
        for size in range(min(5, len(text) - start), 0, -1):
            unit = self.units.get(text[start : start + size])
            if unit is not None:
                return unit
        return None


def _arabic(text: str, start: int) -> tuple[int, Decimal | None]:
    """Digits with thousands separators and a decimal part: 1,086.6 / 502.00 / 5."""
    i = start
    while i < len(text) and (text[i] in ARABIC or (text[i] in NUMBER_PUNCT and i > start
                                                     and i + 1 < len(text) and text[i + 1] in ARABIC)):
        i += 1
    if i == start:
        return start, None
    try:
        return i, Decimal(text[start:i].replace(",", ""))
    except InvalidOperation:
        return start, None


def _chinese(text: str, start: int) -> tuple[int, Decimal | None]:
    """Chinese numerals up to the thousands: 三, 十二, 二十, 一百五十, 两千."""
    i, total, digit = start, 0, None
    while i < len(text) and (text[i] in CN_DIGITS or text[i] in CN_SCALES):
        ch = text[i]
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (digit if digit is not None else 1) * CN_SCALES[ch]
            digit = None
        i += 1
    if i == start:
        return start, None
    return i, Decimal(total + (digit or 0))


@cache
def lexicon() -> Lexicon:
    """The lexicon, read once per process (the files change only with a release)."""
    return Lexicon()
