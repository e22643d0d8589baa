"""Figures stated in narrative prose: "2024年“三公”经费预算44.8万元，比2023年减少4万元".

Budget narratives state each figure as *label + number + unit*, often followed
by its change against an earlier year ("比2023年减少", "较2023年增加", "与上年数
持平").  Sentences are cut into clauses; each figure takes the words before it
as its item and the section heading above it as its topic, and a change clause
attaches to the figure it follows.  The source sentence stays the citation.
"""

from __future__ import annotations

import re

from db.blocks import Block, Paragraph
from db.records import StatedFact
from db.writing import parse_amount

_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_UNITS = r"(万元|元|辆|台（套）|台|个|人|项|家|%)"
_FIGURE = re.compile(_NUMBER + _UNITS + r"(以上|以下)?")
_CHANGE = re.compile(
    r"^(.*?)(?:比|较)(?:(20\d{2})年|上年)(?:预算数?)?(增加|减少|增长|下降)" + _NUMBER + _UNITS
)
_BARE_CHANGE = re.compile(r"^(.*?)(增加|减少)" + _NUMBER + _UNITS + "$")
_FLAT = re.compile(r"与上年(?:数)?持平|与(20\d{2})年持平")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、(.+)$")
_SUBSECTION = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*([^：:。]{1,24})(?:[：:](.*)|。?)$")
_CLAUSE_BREAK = re.compile(r"[，。；;、（）()：:,]")
_YEAR_PREFIX = re.compile(r"(20\d{2})年")
_NOISE = re.compile(r"^(其中|主要是|主要原因是|所属各预算单位|我部门|均|共|另)+")
_NAME_BRACKETS = re.compile(r"（([^（）\d]{1,6})）")
_SKIP_SECTIONS = ("名词解释", "部门基本情况")
_GROWTH = {"增长": "增加", "下降": "减少"}


def _clean_topic(text: str) -> str:
    """A heading as a topic: numbering and "情况说明" dropped."""
    return re.sub(r"(情况说明|情况|。)$", "", text.strip())


def _compact(text: str) -> str:
    """Drop spaces inside Chinese prose ("2024 年 1952.98 万元" → "2024年1952.98万元")."""
    return re.sub(r"\s+", "", text)


class _Reader:
    """Walks narrative paragraphs keeping the current section, sentence year and last figure."""

    def __init__(self, doc_year: int | None) -> None:
        self.doc_year = doc_year
        self.section = ""
        self.subsection = ""
        self.facts: list[StatedFact] = []

    def topic(self) -> str:
        return self.subsection or self.section

    def paragraph(self, p: Paragraph) -> None:
        text = _compact(p.text)
        if m := _SECTION.match(text):
            self.section, self.subsection = _clean_topic(m.group(1)), ""
            return
        if m := _SUBSECTION.match(text):
            self.subsection = _clean_topic(m.group(1))
            text = m.group(2) or ""
        if any(s in self.section for s in _SKIP_SECTIONS) or not text:
            return
        for sentence in re.split(r"(?<=。)", text):
            self.sentence(sentence, p)

    def sentence(self, sentence: str, p: Paragraph) -> None:
        year = self.doc_year
        last: StatedFact | None = None
        # brackets without figures belong to a name: 因公出国（境）费, 台（套）
        protected = _NAME_BRACKETS.sub(lambda m: f"\x01{m.group(1)}\x02", sentence)
        for part in _CLAUSE_BREAK.split(protected):
            clause = part.replace("\x01", "（").replace("\x02", "）")
            if not clause:
                continue
            if m := _YEAR_PREFIX.match(clause):
                year = int(m.group(1))
            if (m := _CHANGE.match(clause)) or (m := _BARE_CHANGE.match(clause)):
                last = self.change(m, clause, last, year, p)
                continue
            if _FLAT.search(clause) and last is not None and last.change is None:
                last.change, last.change_amount, last.change_text = "持平", None, "持平"
                last.base_year = (last.year or year or 1) - 1
                continue
            last = self.figures(clause, year, p) or last

    def change(self, m: re.Match[str], clause: str, last, year, p) -> StatedFact | None:
        """A change clause: attach to the figure before it, or stand alone with its own label."""
        if m.re is _CHANGE:
            head, base, kind, number, unit = m.groups()
        else:
            head, kind, number, unit = m.groups()
            base = None
        kind = _GROWTH.get(kind, kind)
        head = _NOISE.sub("", _YEAR_PREFIX.sub("", head))
        target = last
        if head or target is None or target.change is not None:
            target = StatedFact(
                topic=self.topic(), item=head or self.topic(), year=year, amount=None,
                amount_text="", unit=unit, row=p.as_row(),
            )
            self.facts.append(target)
        target.change, target.change_amount, target.change_text = kind, parse_amount(number), number
        target.base_year = int(base) if base else (target.year or year or 1) - 1
        return target

    def figures(self, clause: str, year: int | None, p: Paragraph) -> StatedFact | None:
        """Each figure of a clause, named by the words before it."""
        last = None
        start = 0
        pending = ""
        for m in _FIGURE.finditer(clause):
            if m.group(3):  # "50万元以上" is a threshold inside the next item's name
                pending += clause[start : m.end()]
                start = m.end()
                continue
            item = _NOISE.sub("", _YEAR_PREFIX.sub("", pending + clause[start : m.start()]))
            start, pending = m.end(), ""
            last = StatedFact(
                topic=self.topic(),
                item=item or self.topic(),
                year=year,
                amount=parse_amount(m.group(1)),
                amount_text=m.group(1),
                unit=m.group(2),
                row=p.as_row(),
            )
            self.facts.append(last)
        return last


def stated_facts(blocks: list[Block], year: int | None) -> list[StatedFact]:
    """Figures of the narrative part (paragraphs before the first table)."""
    reader = _Reader(year)
    for block in blocks:
        if not isinstance(block, Paragraph):
            break
        reader.paragraph(block)
    return reader.facts
