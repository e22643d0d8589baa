"""The index-hook protocol: what mirrors documents after their SQL rows are committed.

The ingest pipeline calls it, and the vector index implements it.  It lives in
``db`` so that the index (a ``db`` module) does not have to import the pipeline
that calls it: the pipeline depends on the store, never the other way round.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine


class IndexHook(Protocol):
    """Something that mirrors documents after the SQL commit (the vector index)."""

    def document_saved(self, engine: Engine, document_id: int, file_name: str) -> None:
        """Called after a document's SQL rows are committed."""

    def document_removed(self, file_name: str) -> None:
        """Called after a document is deleted from SQL, or to undo a failed save."""
