"""The ChromaDB vector index: chunks mirror the SQL store, search resolves meaning to SQL entities.

Everything runs on a real Chroma ``PersistentClient`` and the real dense model,
in a temporary BUDGETQA_HOME.  The two .txt samples are indexed once per
module; tests that change what is stored get a store and index of their own
(sharing the module's embedding cache, so they cost no model time).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import cli
from db import models as m
from db.embeddings import DENSE, LEXICAL, EmbeddingCache, available_modes
from db.engine import make_engine
from db.vector import MODE_LABELS, VectorIndex, build_chunks
from ingest.pipeline import ADDED, FAILED, REPLACED, ingest_file, ingest_paths, remove_file

ROOT = Path(__file__).resolve().parent.parent
RETRIEVAL_SET = Path(__file__).resolve().parent / "retrieval_set.jsonl"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[Path]:
    """A temporary BUDGETQA_HOME for the whole module; no shared database, vector server or cache."""
    path = tmp_path_factory.mktemp("vector_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGETQA_HOME", str(path))
        for name in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL", "BUDGETQA_EMBEDDING_CACHE"):
            mp.delenv(name, raising=False)
        yield path


@pytest.fixture(scope="module")
def corpus(home) -> tuple[Engine, VectorIndex]:
    """Both .txt samples in the default store and index of ``home``, ingested through the hook."""
    engine = make_engine()
    index = VectorIndex(engine)
    results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT], hook=index)
    assert [r.status for r in results] == [ADDED, ADDED], [r.describe() for r in results]
    return engine, index


@pytest.fixture
def fresh(home, tmp_path) -> Callable[..., tuple[Engine, VectorIndex]]:
    """Factory of an empty store with its own Chroma folder: ``fresh()`` or ``fresh(IndexClass)``."""

    def make(cls: type[VectorIndex] = VectorIndex) -> tuple[Engine, VectorIndex]:
        engine = make_engine(f"sqlite:///{tmp_path}/t.db")
        client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                           settings=Settings(anonymized_telemetry=False))
        return engine, cls(engine, client=client)

    return make


def chunk_ids(index: VectorIndex, file_name: str) -> dict[str, set[str]]:
    """Ids of a file's chunks in each collection."""
    return {
        signal: set(collection.get(where={"file_name": file_name})["ids"])
        for signal, collection in index.collections.items()
    }


def document_id(engine: Engine, file_name: str) -> int | None:
    with Session(engine) as s:
        return s.scalar(select(m.Document.id).where(m.Document.file_name == file_name))


def copy_sample(name: str, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(SAMPLES / name, folder / name))


# -- what is indexed --------------------------------------------------------------


def test_every_overview_goal_and_indicator_has_a_chunk_linked_to_sql(corpus):
    engine, index = corpus
    expected: dict[str, tuple[int | None, int, int | None]] = {}
    with Session(engine) as s:
        lines = dict(s.execute(select(m.SourceRow.id, m.SourceRow.line)).all())
        for f in s.scalars(select(m.FundForm)):
            for field, text, row_id in (("overview", f.overview, f.overview_row_id),
                                        ("goal", f.goal, f.goal_row_id)):
                if text.strip():
                    expected[f"{f.document_id}:{field}:{f.id}"] = (f.fund_id, f.id, row_id)
        for i, f in s.execute(select(m.Indicator, m.FundForm).join(m.FundForm)).all():
            expected[f"{f.document_id}:indicator:{i.id}"] = (i.fund_id, f.id, i.source_row_id)
    assert len(expected) > 700
    assert set(index.collections) == {LEXICAL, DENSE}
    for collection in index.collections.values():
        got = collection.get(ids=list(expected), include=["metadatas"])
        assert len(got["ids"]) == len(expected)
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            fund_id, form_id, row_id = expected[cid]
            assert (meta["fund_id"], meta["form_id"], meta["source_row_id"]) == (fund_id, form_id, row_id)
            assert meta["line"] == lines[row_id]
    lexical, dense = (set(c.get()["ids"]) for c in index.collections.values())
    assert lexical == dense


def test_narrative_paragraphs_are_chunks_named_by_their_section(corpus):
    _, index = corpus
    got = index.collections[LEXICAL].get(where={"entity": "paragraph"}, include=["metadatas", "documents"])
    by_text = {doc: meta for doc, meta in zip(got["documents"], got["metadatas"], strict=True)}
    three = next(meta for doc, meta in by_text.items() if doc.startswith("2024年“三公”经费预算44.8万元"))
    assert three["name"] == "四、“三公”经费情况说明"
    assert three["file_name"] == DEPT_TXT and three["line"] == 71
    assert not any(doc.startswith(("联系人", "联系电话", "单位：")) for doc in by_text)


# -- searching ----------------------------------------------------------------------


def test_search_resolves_a_question_to_the_fund_and_its_source_row(corpus):
    engine, index = corpus
    matches = index.search("猪肉储备的钱从哪出？", k=5)
    top = matches[0]
    assert (top.entity, top.name) == ("fund", "应急保供专项")
    with Session(engine) as s:
        fund = s.get(m.Fund, top.entity_id)
        row = s.get(m.SourceRow, top.source_row_id)
        assert fund is not None and fund.name == top.name and top.fund_id == fund.id
        assert row is not None and row.document.file_name == top.file_name == FUNDS_TXT
        assert row.line == top.line and top.text in row.text
    assert len({(x.entity, x.entity_id) for x in matches}) == len(matches) == 5
    scores = [x.score for x in matches]
    assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
    assert set(top.similarity) == {LEXICAL, DENSE}


def test_entity_filter_keeps_only_the_asked_types(corpus):
    _, index = corpus
    matches = index.search("三公经费", k=5, entities={"paragraph"})
    assert matches and {x.entity for x in matches} == {"paragraph"}


def test_paragraphs_of_an_unrecognised_document_are_searchable(fresh, tmp_path):
    engine, index = fresh()
    path = tmp_path / "minutes.txt"
    path.write_text(
        "防汛工作会议纪要\n\n"
        "一、汛期准备\n\n"
        "会议要求各镇街在五月底前完成河道清淤和堤防巡查，备足沙袋、冲锋舟等抢险物资。\n\n"
        "二、值班安排\n\n"
        "汛期实行二十四小时领导带班制度，遇强降雨及时转移低洼地带群众。\n",
        encoding="utf-8",
    )
    assert ingest_file(engine, path, index).status == ADDED
    top = index.search("下大雨时怎么安置住在低处的居民", k=1)[0]
    assert (top.entity, top.name, top.file_name) == ("paragraph", "二、值班安排", "minutes.txt")
    assert top.text.startswith("汛期实行二十四小时") and top.line is not None


def test_fused_recall_at_5_on_the_paraphrase_set(corpus):
    _, index = corpus
    items = [json.loads(line) for line in RETRIEVAL_SET.read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 30
    missed = [i["query"] for i in items
              if i["expected"] not in [x.name for x in index.search(i["query"], k=5)]]
    assert 1 - len(missed) / len(items) >= 0.95, missed


def test_without_the_dense_model_the_lexical_index_still_answers(corpus):
    engine, index = corpus
    assert available_modes() == (LEXICAL, DENSE)
    assert index.mode == MODE_LABELS["fused"] == "融合（字词+语义模型）"
    lexical_only = VectorIndex(engine, client=index.client, use_dense=False)
    assert lexical_only.mode == "仅字词（未安装语义模型）"
    top = lexical_only.search("猪肉储备的钱从哪出？", k=1)[0]
    assert top.name == "应急保供专项" and set(top.similarity) == {LEXICAL}
    with pytest.raises(ValueError, match="语义模型"):
        lexical_only.search("猪肉储备", mode="dense")


def test_cli_search_json_lists_matches_best_first(corpus, capsys):
    assert cli.main(["search", "--json", "-k", "3", "猪肉储备的钱从哪出？"]) == 0
    matches = json.loads(capsys.readouterr().out)
    assert len(matches) == 3 and matches[0]["name"] == "应急保供专项"
    assert {"name", "score", "source", "line", "page", "text"} <= set(matches[0])
    assert matches[0]["source"] == FUNDS_TXT and matches[0]["line"] is not None
    assert [x["score"] for x in matches] == sorted((x["score"] for x in matches), reverse=True)
    assert cli.main(["search", "--mode", "lexical", "三公经费"]) == 0
    captured = capsys.readouterr()
    assert "得分" in captured.out and DEPT_TXT in captured.out
    assert "检索方式：融合（字词+语义模型）" in captured.err


# -- the index never disagrees with SQL -------------------------------------------------


def test_reingest_replaces_chunks_without_stale_ids(fresh, tmp_path):
    engine, index = fresh()
    path = copy_sample(DEPT_TXT, tmp_path / "in")
    assert ingest_file(engine, path, index).status == ADDED
    before = chunk_ids(index, DEPT_TXT)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ingest_file(engine, path, index).status == REPLACED
    with Session(engine) as s:
        new = s.scalars(select(m.Document)).one()
        current = {c.key for c in build_chunks(s, new.id)}
    for collection in index.collections.values():
        got = collection.get(include=["metadatas"])
        assert len(got["ids"]) == len(before[LEXICAL]) == len(current) > 50
        assert set(got["ids"]) == current
        assert {(meta["document_id"], meta["sha256"]) for meta in got["metadatas"]} == {(new.id, new.sha256)}


class FailingIndex(VectorIndex):
    """Writes the chunks, then fails, while ``failures`` lasts: a crash mid-way through the hook."""

    failures = 0

    def document_saved(self, engine: Engine, document_id: int, file_name: str) -> None:
        super().document_saved(engine, document_id, file_name)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("模拟的索引写入错误")


def test_a_failed_index_write_leaves_neither_sql_rows_nor_chunks(fresh, tmp_path):
    engine, index = fresh(FailingIndex)
    path = copy_sample(DEPT_TXT, tmp_path / "in")
    index.failures = 1
    result = ingest_file(engine, path, index)
    assert result.status == FAILED and "向量索引" in result.message
    assert document_id(engine, DEPT_TXT) is None
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: set(), DENSE: set()}
    # the same file goes in once the index works again, and a failed replacement drops both sides
    assert ingest_file(engine, path, index).status == ADDED
    assert all(chunk_ids(index, DEPT_TXT).values())
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    index.failures = 1
    assert ingest_file(engine, path, index).status == FAILED
    assert document_id(engine, DEPT_TXT) is None
    assert all(c.count() == 0 for c in index.collections.values())


def test_removing_a_document_removes_its_chunks(fresh, tmp_path):
    engine, index = fresh()
    for name in (DEPT_TXT, FUNDS_TXT):
        assert ingest_file(engine, copy_sample(name, tmp_path / "in"), index).status == ADDED
    funds_chunks = chunk_ids(index, FUNDS_TXT)
    assert remove_file(engine, DEPT_TXT, index)
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: set(), DENSE: set()}
    assert chunk_ids(index, FUNDS_TXT) == funds_chunks


def test_search_answers_only_from_the_primary_rendition(fresh, tmp_path):
    engine, index = fresh()
    original = copy_sample(DEPT_TXT, tmp_path / "a")
    copy = Path(shutil.copy(original, tmp_path / "a" / f"copy_{DEPT_TXT}"))
    for path in (original, copy):
        assert ingest_file(engine, path, index).status == ADDED
    assert all(chunk_ids(index, copy.name).values())  # renditions stay indexed...
    assert {x.file_name for x in index.search("三公经费", k=5)} == {DEPT_TXT}  # ...but do not answer
    assert remove_file(engine, DEPT_TXT, index)
    assert {x.file_name for x in index.search("三公经费", k=5)} == {copy.name}


def test_sync_repairs_what_ingest_could_not_see(fresh, tmp_path):
    engine, index = fresh()
    path = copy_sample(DEPT_TXT, tmp_path / "in")
    assert ingest_file(engine, path).status == ADDED  # e.g. killed before the index write
    assert index.sync() == {"added": 1, "removed": 0}
    assert all(chunk_ids(index, DEPT_TXT).values())
    assert index.sync() == {"added": 0, "removed": 0}
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ingest_file(engine, path).status == REPLACED  # SQLite gives the new version the same id
    assert index.sync() == {"added": 1, "removed": 1}
    with Session(engine) as s:
        sha = s.scalars(select(m.Document.sha256)).one()
    got = index.collections[DENSE].get(include=["metadatas"])["metadatas"]
    assert {meta["sha256"] for meta in got} == {sha}
    assert remove_file(engine, DEPT_TXT)  # deleted from SQL behind the index's back
    assert index.sync() == {"added": 0, "removed": 1}
    assert all(c.count() == 0 for c in index.collections.values())


def test_reingesting_unchanged_text_costs_no_model_time(corpus, fresh, tmp_path):
    EmbeddingCache.clear_memory()  # only the cache file under BUDGETQA_HOME is left
    engine, index = fresh()
    assert ingest_file(engine, copy_sample(FUNDS_TXT, tmp_path / "in"), index).status == ADDED
    assert index.dense is not None
    assert (index.dense.model_texts, index.dense.model_seconds) == (0, 0.0)
    assert chunk_ids(index, FUNDS_TXT) == chunk_ids(corpus[1], FUNDS_TXT)


_REOPEN = """
import json, socket

def no_network(*args, **kwargs):
    raise OSError("network disabled by the test")

socket.socket.connect = no_network
socket.create_connection = no_network
socket.getaddrinfo = no_network

import chromadb
from chromadb.config import Settings
from db.engine import home, make_engine
from db.vector import COLLECTIONS, VectorIndex

client = chromadb.PersistentClient(path=str(home() / "chroma"), settings=Settings(anonymized_telemetry=False))
out = {}
for signal, name in COLLECTIONS.items():
    collection = client.get_collection(name)  # no function passed: Chroma rebuilds one from the config
    found = collection.query(query_texts=["猪肉储备资金"], n_results=1)["metadatas"][0][0]
    out[signal] = [type(collection.configuration["embedding_function"]).__name__, found["name"]]
out["search"] = VectorIndex(make_engine()).search("猪肉储备的钱从哪出？", k=1)[0].name
print(json.dumps(out, ensure_ascii=False))
"""


def test_reopening_in_a_new_process_without_network_uses_our_embedding_functions(corpus, home, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "BUDGETQA_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", _REOPEN], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {
        LEXICAL: ["LexicalEmbedder", "应急保供专项"],
        DENSE: ["DenseEmbedder", "应急保供专项"],
        "search": "应急保供专项",
    }
    assert not (tmp_path / ".cache" / "chroma").exists()  # Chroma's default model was never fetched
