"""Plain-text exports (.txt / .md): tab-separated table rows between prose lines.

Exports staff receive come in UTF-8, UTF-8 with BOM or GB18030/GBK, carry HTML
(``<b>``, ``<p>``) and TeX-like math markup inside cells, and mark headings with
``#``.  Markup is turned into the characters it displays (the same text the
office renderings show) but cell values are never altered otherwise: column
re-alignment is a recogniser's job, because only it knows the expected columns.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from db.blocks import Block, Location, Paragraph, Row, Table
from ingest.readers.bounds import check_text_file
from ingest.readers.cells import clean_cell
from ingest.readers.errors import ReaderError
from ingest.settings import Limits

_ENCODINGS = ("utf-8-sig", "gb18030")
_PARA_BREAK = re.compile(r"</p>\s*<p>", re.I)
_TAG = re.compile(r"</?(?:b|p|br|strong|span|div)\s*/?>", re.I)
_MATH = {r"\geq": "≥", r"\leq": "≤", r"\%": "%", r"\times": "×"}
_MATH_SPAN = re.compile(r"<math>(.*?)</math>|\$(.*?)\$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_CHUNK = 1 << 20


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK): whichever decodes the whole file.

    Checked chunk by chunk, so a large file is never held in memory to find out.
    """
    with path.open("rb") as f:
        if b"\x00" in f.read(4096):
            raise ReaderError("文件包含二进制内容，不是文本文件")
    for enc in _ENCODINGS:
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return enc
    raise ReaderError("无法识别文本编码（既不是 UTF-8 也不是 GB18030/GBK）")


def _lines(f: TextIO) -> Iterator[str]:
    """Lines as editors number them, without their ending.

    Only CR LF, CR and LF end a line: str.splitlines() would also break at form
    feeds (page breaks in exports), vertical tabs and U+2028, shifting every cited
    line number.  A file opened with ``newline=""`` splits exactly there.
    """
    for line in f:
        if line.endswith("\r\n"):
            yield line[:-2]
        elif line.endswith(("\r", "\n")):
            yield line[:-1]
        else:
            yield line


def render_math(text: str) -> str:
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
    return render_math(_TAG.sub("", text))


def read_text(path: Path, limits: Limits | None = None) -> list[Block]:
    """Read a text export into paragraphs and tables, one source line per row.

    The file is streamed line by line, after its size is checked against the
    text limit.
    """
    check_text_file(path, limits or Limits.from_env())
    fmt = path.suffix.lower().lstrip(".")
    blocks: list[Block] = []
    table: Table | None = None
    blank = True
    with path.open(encoding=_encoding(path), newline="") as f:
        for number, raw in enumerate(_lines(f), start=1):
            loc = Location(source=path.name, fmt=fmt, line=number)
            blank = blank and not raw.strip()
            if "\t" in raw:
                cells = [clean_cell(strip_markup(c)) for c in raw.split("\t")]
                if table is None:
                    table = Table()
                    blocks.append(table)
                table.rows.append(Row(cells=cells, loc=loc, raw=raw))
                continue
            table = None
            heading = _HEADING.match(raw.strip())
            body = heading.group(2) if heading else raw
            cleaned = clean_cell(strip_markup(body)) or ""
            if cleaned:
                level = len(heading.group(1)) if heading else 0
                blocks.append(Paragraph(text=cleaned, loc=loc, raw=raw, heading=level))
    if blank:
        raise ReaderError("文件为空")
    return blocks
