"""Pick the recogniser for a document by what its blocks look like, not by its file name."""

from __future__ import annotations

from db.blocks import Block
from db.records import DocumentRecords
from ingest.recognisers import dept_budget, generic, special_funds


def recognise(blocks: list[Block], file_name: str) -> DocumentRecords:
    """Special-fund compilation, department budget disclosure, or generic rows."""
    if special_funds.is_special_funds(blocks):
        return special_funds.recognise(blocks)
    if dept_budget.is_dept_budget(blocks):
        return dept_budget.recognise(blocks)
    return generic.recognise(blocks, file_name)
