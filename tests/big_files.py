"""Oversized inputs for the ingest bounds, generated on the fly so the repository carries none.

Workbooks are written member by member from deflated bytes: a shared string of
a gigabyte is compressed once as a megabyte and the compressed block repeated,
so making a file that expands to gigabytes costs the test neither the time nor
the memory it would cost a reader that trusted it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_MIME}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_MIME}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_MIME}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
_CHUNK = 1 << 20


def _deflate(chunks: Iterable[bytes]) -> tuple[bytes, int, int]:
    """Raw deflate of the chunks, with their total size and CRC-32, as a zip member needs them."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    parts, size, crc = [], 0, 0
    for chunk in chunks:
        parts.append(compressor.compress(chunk))
        size, crc = size + len(chunk), zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    return b"".join(parts), size, crc


def _repeated(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk × times + tail, compressing the chunk once.

    After a full flush the compressor starts afresh, so the chunk's compressed
    form is the same every time and can simply be repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return start + body * times + end, len(head) + len(chunk) * times + len(tail), zlib.crc32(tail, crc)


def _zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> Path:
    """A zip of already deflated members (name → data, size, CRC), written field by field."""
    central = []
    with path.open("wb") as f:
        for name, (data, size, crc) in members.items():
            encoded, offset = name.encode(), f.tell()
            fields = (8, 0, 0x21, crc, len(data), size, len(encoded), 0)  # deflate, 1980-01-01
            f.write(struct.pack("<IHH" + "HHHIIIHH", 0x04034B50, 20, 0, *fields) + encoded + data)
            central.append(struct.pack("<IHHH" + "HHHIIIHH" + "HHHII", 0x02014B50, 20, 20, 0, *fields,
                                       0, 0, 0, 0, offset) + encoded)
        directory, start = b"".join(central), f.tell()
        f.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                                        len(directory), start, 0))
    return path


def _workbook(path: Path, sheet: tuple[bytes, int, int], strings: tuple[bytes, int, int]) -> Path:
    members = {name: _deflate([text.encode()]) for name, text in _PARTS.items()}
    members["xl/worksheets/sheet1.xml"] = sheet
    members["xl/sharedStrings.xml"] = strings
    return _zip(path, members)


_SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'.encode()
_SHEET_TAIL = b"</sheetData></worksheet>"
_SST_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'.encode()


def shared_strings_bomb(path: Path, expanded_mb: int) -> Path:
    """A workbook of about 1 KB per MB it expands to: each of its cells shows one enormous shared string."""
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, 101))
    sheet = _deflate([_SHEET_HEAD, rows.encode(), _SHEET_TAIL])
    strings = _repeated(_SST_HEAD + b"<si><t>", "预".encode() * (_CHUNK // 3), expanded_mb,
                        b"</t></si></sst>")
    return _workbook(path, sheet, strings)


def number_cells(path: Path, rows: int, columns: int) -> Path:
    """A workbook of ``rows`` × ``columns`` number cells, written as Excel writes them."""
    letters = [chr(ord("A") + i % 26) * (1 + i // 26) for i in range(columns)]
    template = "".join(f'<c r="{c}{{r}}"><v>{i + 0.5}</v></c>' for i, c in enumerate(letters))

    def sheet() -> Iterator[bytes]:
        yield _SHEET_HEAD
        for start in range(1, rows + 1, 1000):
            yield "".join(f'<row r="{r}">{template.format(r=r)}</row>'
                          for r in range(start, min(start + 1000, rows + 1))).encode()
        yield _SHEET_TAIL

    return _workbook(path, _deflate(sheet()), _deflate([_SST_HEAD, b"</sst>"]))


def long_text(path: Path, megabytes: int, line: str) -> Path:
    """A text file of ``megabytes`` × 10⁶ bytes or a little more, made of one line repeated."""
    data = (line.rstrip("\n") + "\n").encode()
    per_chunk = max(1, _CHUNK // len(data))
    chunk = data * per_chunk
    with path.open("wb") as f:
        written = 0
        while written < megabytes * 1_000_000:
            f.write(chunk)
            written += len(chunk)
    return path
