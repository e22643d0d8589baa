"""Format-free blocks that every reader produces.

In ``db`` because each block row becomes a stored ``source_rows`` row: the store
writes them, the readers produce them, and neither layer imports the other.

Readers know file formats and nothing about budgets; recognisers know budgets and
nothing about formats.  The only thing between them is this module: a document is
an ordered list of ``Paragraph`` and ``Table`` blocks, and every paragraph and
every table row carries the ``Location`` it came from plus its original text, so
that provenance survives all later stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a piece of text sits in its file.

    Text files fill ``line`` (1-based); PDFs fill ``page`` and ``row`` (row within
    the table on that page); workbooks fill ``sheet`` and ``row``; Word documents
    fill ``row`` with the paragraph or table-row ordinal and ``sheet`` with the
    table's label ("表格3").  Unused fields stay ``None``.
    """

    source: str
    fmt: str
    line: int | None = None
    page: int | None = None
    sheet: str | None = None
    row: int | None = None


def place(line: int | None, page: int | None, sheet: str | None, row: int | None) -> str:
    """"第3页 第5行" / "表三 第7行" / "第12行": one wording for every format's location."""
    parts: list[str] = []
    if page is not None:
        parts.append(f"第{page}页")
    if sheet:
        parts.append(sheet)
    if line is not None:
        parts.append(f"第{line}行")
    elif row is not None:
        parts.append(f"第{row}行")
    return " ".join(parts)


@dataclass
class Paragraph:
    """A run of prose.  ``heading`` is the level when the source marks one (0 = body)."""

    text: str
    loc: Location
    raw: str
    heading: int = 0
    _row: Row | None = field(default=None, repr=False, compare=False)

    def as_row(self) -> Row:
        """This paragraph as a one-cell row; always the same object, so records and the
        store can refer to it by identity."""
        if self._row is None:
            self._row = Row(cells=[self.text], loc=self.loc, raw=self.raw)
        return self._row


@dataclass
class Row:
    """One table row.  ``cells`` are cleaned strings; ``None`` marks a merged-away cell."""

    cells: list[str | None]
    loc: Location
    raw: str

    def texts(self) -> list[str]:
        """Cells with ``None`` turned into empty strings, for simple matching."""
        return [c or "" for c in self.cells]

    def nonempty(self) -> list[str]:
        """The non-empty cells in order; label/value layouts are read this way."""
        return [c for c in self.texts() if c.strip()]


@dataclass
class Table:
    """Consecutive rows that the source lays out as one table."""

    rows: list[Row] = field(default_factory=list)


Block = Paragraph | Table
