"""Plain-text exports (.txt / .md): tab-separated table rows between prose lines.

Exports staff receive come in UTF-8, UTF-8 with BOM or GB18030/GBK, carry HTML
(``<b>``, ``<p>``) and TeX-like math markup inside cells, and mark headings with
``#``.  Markup is turned into the characters it displays (the same text the
office renderings show) but cell values are never altered otherwise: column
re-alignment is a recogniser's job, because only it knows the expected columns.
"""

from __future__ import annotations

import re
from pathlib import Path

from db.blocks import Block, Location, Paragraph, Row, Table
from ingest.readers.cells import clean_cell
from ingest.readers.errors import ReaderError

_ENCODINGS = ("utf-8-sig", "gb18030")
_PARA_BREAK = re.compile(r"</p>\s*<p>", re.I)
_TAG = re.compile(r"</?(?:b|p|br|strong|span|div)\s*/?>", re.I)
_MATH = {r"\geq": "≥", r"\leq": "≤", r"\%": "%", r"\times": "×"}
_MATH_SPAN = re.compile(r"<math>(.*?)</math>|\$(.*?)\$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_NEWLINE = re.compile(r"\r\n|[\r\n]")


def decode(data: bytes) -> str:
    """Decode bytes trying UTF-8 (with or without BOM), then GB18030 (a superset of GBK)."""
    if b"\x00" in data[:4096]:
        raise ReaderError("文件包含二进制内容，不是文本文件")
    for enc in _ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReaderError("无法识别文本编码（既不是 UTF-8 也不是 GB18030/GBK）")


def _math(text: str) -> str:
    """Render TeX-like math spans as the symbols they display."""

    def render(m: re.Match[str]) -> str:
        body = m.group(1) if m.group(1) is not None else m.group(2)
        for tex, sym in _MATH.items():
            body = body.replace(tex, sym)
        return body.replace(" ", "")

    return _MATH_SPAN.sub(render, text)


def strip_markup(text: str) -> str:
    """Remove HTML tags (``<p>`` boundaries become line breaks) and render math markup."""
    text = _PARA_BREAK.sub("\n", text)
    return _math(_TAG.sub("", text))


def read_text(path: Path) -> list[Block]:
    """Read a text export into paragraphs and tables, one source line per row."""
    text = decode(path.read_bytes())
    if not text.strip():
        raise ReaderError("文件为空")
    blocks: list[Block] = []
    table: Table | None = None
    # lines as editors number them: str.splitlines() would also break at form feeds
    # (page breaks in exports), vertical tabs and U+2028, shifting every cited line number
    for number, raw in enumerate(_NEWLINE.split(text), start=1):
        loc = Location(source=path.name, fmt=path.suffix.lower().lstrip("."), line=number)
        if "\t" in raw:
            cells = [clean_cell(strip_markup(c)) for c in raw.rstrip("\r\n").split("\t")]
            if table is None:
                table = Table()
                blocks.append(table)
            table.rows.append(Row(cells=cells, loc=loc, raw=raw))
            continue
        table = None
        if not raw.strip():
            continue
        heading = _HEADING.match(raw.strip())
        body = heading.group(2) if heading else raw
        cleaned = clean_cell(strip_markup(body)) or ""
        if cleaned:
            level = len(heading.group(1)) if heading else 0
            blocks.append(Paragraph(text=cleaned, loc=loc, raw=raw, heading=level))
    return blocks
