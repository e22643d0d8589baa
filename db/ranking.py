"""Ranking: the candidates two signals found become one list of entities, best first.

A search asks each signal (lexical, dense) for its nearest chunks; the union is
rescored exactly in every signal that has a vector for the chunk, each signal
is min-max normalised over those candidates, and the signals are added with
fixed weights.  Chunks are then folded into the entity they belong to, so a
fund matched by its 概况 and its 目标 takes one slot, with the best-scoring
chunk as the evidence.

While dense vectors are still being computed some candidates have none.  Such
a chunk takes, in the signal it lacks, the mean of its normalised scores in the
signals it has: with no dense vector at all the ranking is exactly the lexical
one, and a chunk is neither rewarded nor punished for having been embedded
first.  That keeps a half-built index at least as good as the lexical signal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from db.chunks import FIELD_LABELS
from db.embeddings import LEXICAL

# Lexical cosine favours short chunks: an indicator label ("猪肉储备资金") or a name
# line shares a few grams with a question and, being short, scores high on them,
# while a fund's 概况 and 目标 say in whole sentences what the money is for.
# Lifting those two fields in the lexical ranking (not in the reported
# similarity) moved lexical recall@1 on tests/retrieval_set.jsonl from 0.81 to
# 0.88 with recall@5 unchanged; every lift from 1.1 to 1.3 gave the same result,
# so the value sits in the middle of that plateau.  It serves while the lexical
# signal carries the ranking, alone or beside a half-built dense index (where it
# kept fused recall@1 at or above the lexical one at every stage); once every
# chunk has its dense vector the model judges meaning, and lifting long fields
# would only count their word overlap twice ("帮失业的人找工作" then went to a
# 概况 about 人才工作), so a complete index ranks without it.
LEXICAL_FIELD_LIFT = {"overview": 1.2, "goal": 1.2}


@dataclass(frozen=True)
class Match:
    """One entity a search found, with the chunk that matched best as its evidence.

    ``entity`` is "fund" (``entity_id`` = funds.id), "form" (a 绩效目标表 with
    no fund) or "paragraph" (``entity_id`` = source_rows.id; its stated facts
    are the ``stated_facts`` rows with that ``source_row_id``).  ``name`` is
    the fund's canonical name (funds.name) or the paragraph's section heading.
    ``score`` is in [0, 1] and relative to this query's candidates;
    ``similarity`` has each signal's raw cosine for the evidence chunk (a signal
    with no vector for it yet is left out), for callers that need an absolute
    "is this a match at all" test.
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
class Signal:
    """One signal's query vector, its collection, and the cosine of each candidate it has."""

    name: str
    collection: Collection
    vector: np.ndarray
    sims: dict[str, float] = field(default_factory=dict)

    def rescore(self, ids: list[str]) -> None:
        """Exact similarity of chunks another signal retrieved, so fusion never guesses a zero.

        Chunks this signal has no vector for (dense work still pending) stay absent.
        """
        if not ids:
            return
        got = self.collection.get(ids=ids, include=["embeddings"])
        for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
            self.sims[cid] = float(np.dot(np.asarray(emb, dtype=np.float32), self.vector))


def _normalised(signal: Signal, fields: dict[str, str], lift: dict[str, float]) -> dict[str, float]:
    """Min-max over the candidates this signal has, after the lexical field lift."""
    factors = lift if signal.name == LEXICAL else {}
    lifted = {c: v * factors.get(fields[c], 1.0) for c, v in signal.sims.items()}
    lo, hi = min(lifted.values()), max(lifted.values())
    return {c: (v - lo) / (hi - lo) if hi > lo else 1.0 for c, v in lifted.items()}


def fold(found: dict[str, tuple[dict[str, Any], str]], signals: list[Signal], weights: dict[str, float],
         k: int, lift: dict[str, float]) -> list[Match]:
    """Normalise each signal over the candidates, weight, and keep each entity's best chunk.

    An entity's score adds each signal's best normalised score among its chunks
    (a fund found by words in its goal and by meaning in its overview gets
    both); its evidence is the chunk with the best combined score.  ``lift``
    multiplies lexical similarities by field (``LEXICAL_FIELD_LIFT``, or none).
    """
    total = sum(weights[s.name] for s in signals) or 1.0
    fields = {cid: meta["field"] for cid, (meta, _) in found.items()}
    norm = {s.name: _normalised(s, fields, lift) for s in signals if s.sims}
    scores: dict[str, dict[str, float]] = {}
    for cid in found:
        known = {name: values[cid] for name, values in norm.items() if cid in values}
        stand_in = sum(known.values()) / len(known)
        scores[cid] = {s.name: known.get(s.name, stand_in) for s in signals}
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for cid, (meta, _) in found.items():
        groups[(meta["entity"], int(meta["entity_id"]))].append(cid)

    def combined(cid: str) -> float:
        return sum(weights[name] * value for name, value in scores[cid].items()) / total

    matches = []
    for cids in groups.values():
        score = sum(weights[s.name] * max(scores[c][s.name] for c in cids) for s in signals) / total
        best = max(cids, key=combined)
        meta, text = found[best]
        matches.append(Match(
            entity=meta["entity"], entity_id=int(meta["entity_id"]), name=meta["name"], score=score,
            field=meta["field"], text=text, source_row_id=int(meta["source_row_id"]),
            document_id=int(meta["document_id"]), file_name=meta["file_name"],
            fund_id=meta.get("fund_id"), form_id=meta.get("form_id"), indicator_id=meta.get("indicator_id"),
            line=meta.get("line"), page=meta.get("page"), sheet=meta.get("sheet"), row=meta.get("row"),
            similarity={s.name: s.sims[best] for s in signals if best in s.sims},
        ))
    matches.sort(key=lambda mt: (-mt.score, mt.entity, mt.entity_id))
    return matches[:k]
