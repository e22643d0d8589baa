"""Cell-text clean-up and row/paragraph construction shared by every reader.

Every format goes through the same functions, so a cell or paragraph holding the
same text yields the same string whichever file it came from.
"""

from __future__ import annotations

import re

from db.blocks import Location, Paragraph, Row

_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_WRAP_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_cell(text: str | None) -> str | None:
    """Join text wrapped inside a cell (no space between Chinese characters), fold spaces.

    ``None`` stays ``None``: it marks a cell merged away, which differs from an empty cell.
    """
    if text is None:
        return None
    text = _WRAP_CJK.sub("", text.replace("\r", ""))
    text = "\n".join(_SPACES.sub(" ", part).strip() for part in text.split("\n"))
    return text.strip()


def table_row(texts: list[str | None], loc: Location) -> Row | None:
    """A table row from the texts a file holds (``None`` = merged away); ``None`` when blank.

    ``raw`` keeps the texts as found, tab-joined, so a citation shows the row as the
    file has it while ``cells`` carry the cleaned strings recognisers match on.
    """
    cells = [clean_cell(t) for t in texts]
    if not any(cells):
        return None
    return Row(cells=cells, loc=loc, raw="\t".join(t or "" for t in texts))


def paragraph(raw: str, loc: Location, heading: int = 0) -> Paragraph | None:
    """A paragraph from the text a file holds; ``None`` when it is only whitespace."""
    text = clean_cell(raw)
    if not text:
        return None
    return Paragraph(text=text, loc=loc, raw=raw, heading=heading)
