"""Numbers as budget documents and answers write them: 5763, 5,763.0, 1086.61, ５７６３.

Two readings of a text share one pattern.  ``numbers`` is every number a
source row or result value holds; ``figures`` is what an answer *claims*,
leaving out what only looks like a figure: years (2024年), months and days,
positions (第3, 前5), list numbering ("1. ", "2、", "（3）" at the start of a
line).  Counts written in words (三个) are not read at all.
Commas count only as thousands separators, and a number is whole or nothing:
the 5763 inside 15,763.0 or 5763.5 is not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d]|[.,]\d)")
# full-width digits and point as plain ones, one character for one, so positions stay valid
FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
NOT_BEFORE = frozenset("第前")  # 第3, 前5: positions
NOT_AFTER = frozenset("年月日")  # 2024年, 3月, 15日: dates
# "1. ", "2、", "（3）" opening a line: the numbering of a list
LIST_NUMBER = re.compile(r"^[ \t]*[（(]?$")
LIST_END = frozenset(".、)）")


@dataclass(frozen=True)
class Figure:
    """A number an answer states: as written, its magnitude, and where it stands in the text."""

    text: str
    value: Decimal
    start: int
    end: int

    @property
    def places(self) -> int:
        """Decimals as written: 5,763.0 → 1 (``Decimal`` keeps the trailing zero)."""
        return max(0, -int(self.value.as_tuple().exponent))


def _matches(text: str) -> list[re.Match[str]]:
    return list(NUMBER.finditer(text.translate(FULL_WIDTH)))


def numbers(text: str) -> set[Decimal]:
    """Every number ``text`` holds, as values: "5,763.0" and "5763" both give 5763."""
    return {Decimal(match.group().replace(",", "")) for match in _matches(text)}


def figures(text: str) -> list[Figure]:
    """The figures an answer states, in order, each occurrence once; years and positions left out."""
    found = []
    for match in _matches(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        line_start = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
        listed = after in LIST_END and LIST_NUMBER.match(line_start) is not None
        if before in NOT_BEFORE or after in NOT_AFTER or listed:
            continue
        found.append(Figure(text[match.start():match.end()], Decimal(match.group().replace(",", "")),
                            match.start(), match.end()))
    return found
