"""Parsing helpers shared by the recognisers: years, label/value rows, blocks by kind.

These encode conventions of Chinese budget documents in general (amount styles
such as ``1,086.6`` / ``502.00`` / ``268``, ``101-单位名称`` department cells,
label cells with stray spaces or punctuation), not of any one file.
"""

from __future__ import annotations

import re

from db.blocks import Block, Paragraph, Row, Table
from db.writing import label

_YEAR = re.compile(r"(20\d{2})\s*年")


def find_year(text: str) -> int | None:
    """The first ``20xx年`` in a text, tolerating a space before 年."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def label_values(rows: list[Row], labels: set[str]) -> dict[str, tuple[str, Row]]:
    """Read a label/value form: each known label cell takes the next non-empty, non-label cell.

    Works whatever the format did to merged cells (``None``) or stray empty cells,
    which is why forms are read by label rather than by column position.
    """
    found: dict[str, tuple[str, Row]] = {}
    for row in rows:
        cells = row.texts()
        for i, cell in enumerate(cells):
            key = label(cell)
            if key not in labels or key in found:
                continue
            for value in cells[i + 1 :]:
                if not value.strip():
                    continue
                if label(value) not in labels:
                    found[key] = (value.strip(), row)
                break
    return found


def paragraphs(blocks: list[Block]) -> list[Paragraph]:
    """All paragraphs of a document, in order."""
    return [b for b in blocks if isinstance(b, Paragraph)]


def tables(blocks: list[Block]) -> list[Table]:
    """All tables of a document, in order."""
    return [b for b in blocks if isinstance(b, Table)]


def is_blank(row: Row) -> bool:
    """True when every cell is empty or merged away."""
    return not row.nonempty()
