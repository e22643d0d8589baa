"""Which stored documents the lexical index holds completely: one record per document.

A process can die between a document's SQL commit and the end of its index
write (a killed ``budgetqa ingest``).  Finding that out by reading every chunk's
metadata costs time proportional to the corpus, and ``ask`` must start at
once; so each document's write is bracketed by a record in a small collection
of its own: *writing* before the first chunk goes in, *ready* after the last.
At start-up the index compares these records with the SQL documents (one read
each) and rewrites only what is not ready.  The records live in Chroma next to
the chunks, so a Chroma server shared by several processes carries them too.

Documents are keyed by id *and* content hash, because SQLite reuses the id of a
deleted last row.
"""

from __future__ import annotations

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

WRITING, READY = "writing", "ready"

DocKey = tuple[int, str]


def _record_id(key: DocKey) -> str:
    return f"{key[0]}:{key[1]}"


class Manifest:
    """The per-document write state of the lexical index."""

    def __init__(self, client: ClientAPI, name: str) -> None:
        """Open (or create) the collection ``name``; its records carry no text, so no embedding function."""
        self.collection: Collection = client.get_or_create_collection(name, embedding_function=None)

    def states(self) -> dict[DocKey, tuple[str, str]]:
        """Every recorded document: (document id, sha256) → (state, file name)."""
        got = self.collection.get(include=["metadatas"])
        return {
            (int(meta["document_id"]), str(meta["sha256"])): (str(meta["state"]), str(meta["file_name"]))
            for meta in got["metadatas"] or []
        }

    def mark(self, key: DocKey, file_name: str, state: str) -> None:
        """Record a document's state (Chroma wants a vector per record: a constant one)."""
        self.collection.upsert(
            ids=[_record_id(key)], embeddings=[[1.0]],
            metadatas=[{"document_id": key[0], "sha256": key[1], "file_name": file_name, "state": state}],
        )

    def drop(self, key: DocKey) -> None:
        """Drop one document's record."""
        self.collection.delete(ids=[_record_id(key)])
