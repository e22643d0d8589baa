"""Documents no recogniser knows: they still land, as searchable and citable source rows."""

from __future__ import annotations

from db.blocks import Block, Paragraph
from db.records import GENERIC, DocumentRecords
from ingest.recognisers.common import find_year


def recognise(blocks: list[Block], fallback_title: str) -> DocumentRecords:
    """Only a title and year: the store keeps every paragraph and table row as generic rows."""
    first = next((b.text for b in blocks if isinstance(b, Paragraph)), fallback_title)
    title = first[:120]
    return DocumentRecords(kind=GENERIC, title=title, year=find_year(title))
