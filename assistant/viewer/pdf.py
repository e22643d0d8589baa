"""A PDF page as a picture, with the box of the cited row found from its words.

The page is rendered with pypdfium2 (pdfplumber's own renderer).  The box comes
from pdfplumber's text search on that page: each cell of the cited row is
searched (whitespace allowed between characters, because the reader joined
lines a cell wraps over), the longest cell that occurs once anchors the row,
and of every other cell the occurrence nearest the anchor's line is taken, so
a "52" elsewhere on the page does not stretch the box.  A cell split between
lines of a narrow column is found by its longest leading part that occurs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import pdfplumber
import pypdfium2 as pdfium
from pdfplumber.page import Page

from assistant.viewer.view import Box, PageImage

SCALE = 1.6  # pixels per point: a page about 950 px wide, sharp in a drawer of ~760 px
QUALITY = 82
_PAD = 2.0  # points around the found words
_SHORTEST = 2  # characters: shorter leading parts of a cell are too common to place a row
_ROW_REACH = 2.5  # line heights between the anchor and another cell of the same row


def page_image(data: bytes, number: int, cells: Sequence[str]) -> PageImage | None:
    """Page ``number`` (1-based) as a WebP picture and the box of ``cells``; ``None`` if no such page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if not 1 <= number <= len(pdf.pages):
            return None
        page = pdf.pages[number - 1]
        x_origin, y_origin = page.bbox[0], page.bbox[1]
        box = locate(page, cells)
        if box is not None:
            box = (box[0] - x_origin, box[1] - y_origin, box[2] - x_origin, box[3] - y_origin)
        width, height = page.width, page.height
    document = pdfium.PdfDocument(data)
    try:
        picture = document[number - 1].render(scale=SCALE).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    picture.save(out, "WEBP", quality=QUALITY)
    return PageImage(out.getvalue(), "image/webp", number, width, height, box)


def locate(page: Page, cells: Sequence[str]) -> Box | None:
    """The box around the cited row's cells on ``page``; ``None`` when its text is not there."""
    found = [(cell, _occurrences(page, cell)) for cell in cells if cell.strip()]
    found = [(cell, boxes) for cell, boxes in found if boxes]
    if not found:
        return None
    once = [(cell, boxes) for cell, boxes in found if len(boxes) == 1]
    _, anchor_boxes = max(once or found, key=lambda pair: len(pair[0]))
    anchor = anchor_boxes[0]
    middle, height = (anchor[1] + anchor[3]) / 2, anchor[3] - anchor[1]
    chosen = [anchor]
    for _, boxes in found:
        nearest = min(boxes, key=lambda b: abs((b[1] + b[3]) / 2 - middle))
        if abs((nearest[1] + nearest[3]) / 2 - middle) <= _ROW_REACH * max(height, 10.0):
            chosen.append(nearest)
    return (
        min(b[0] for b in chosen) - _PAD, min(b[1] for b in chosen) - _PAD,
        max(b[2] for b in chosen) + _PAD, max(b[3] for b in chosen) + _PAD,
    )


def _occurrences(page: Page, cell: str) -> list[Box]:
    """Boxes of the cell's text on the page, or of its longest leading part that occurs."""
    text = re.sub(r"\s+", "", cell)
    for end in range(len(text), _SHORTEST - 1, -1):
        pattern = r"\s*".join(map(re.escape, text[:end]))
        hits = page.search(pattern, regex=True, return_chars=False)
        if hits:
            return [(h["x0"], h["top"], h["x1"], h["bottom"]) for h in hits]
    return []
