"""The ChromaDB vector index: chunks mirror the SQL store, search resolves meaning to SQL entities.

Everything runs on real Chroma — the embedded ``PersistentClient`` and a real
``chroma run`` server (tests/chroma_server.py), the tests parametrized over
both — and the real dense model, in a temporary BUDGETQA_HOME.  The two .txt
samples are indexed once per module and client kind; tests that change what is
stored get a store and index of their own (sharing the run's embedding cache,
so they cost little model time).  Killed ingests run as real subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import chromadb
import pytest
from chroma_server import chroma_url, http_client
from chromadb.api.client import SharedSystemClient
from chromadb.config import Settings
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from page_server import environment, ingest, start
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import cli
from assistant.service import Assistant
from db import models as m
from db.backfill import DenseBackfill
from db.chunks import build_chunks
from db.embeddings import DENSE, LEXICAL, EmbeddingCache, available_modes
from db.engine import make_engine
from db.manifest import READY, WRITING
from db.vector import COLLECTIONS, FUSED, FUSED_COMPLETE, LEXICAL_ONLY, VectorIndex
from ingest.pipeline import ADDED, FAILED, REPLACED, ingest_file, ingest_paths, remove_file

ROOT = Path(__file__).resolve().parent.parent
RETRIEVAL_SET = Path(__file__).resolve().parent / "retrieval_set.jsonl"
KINDS = ("embedded", "server")
PORK = "猪肉储备的钱从哪出？"
MINUTES = "minutes.txt"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[Path]:
    """A temporary BUDGETQA_HOME for the whole module; no shared database or vector server."""
    path = tmp_path_factory.mktemp("vector_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGETQA_HOME", str(path))
        for name in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL"):
            mp.delenv(name, raising=False)
        yield path


@pytest.fixture(scope="module", params=KINDS)
def kind(request) -> str:
    """Which Chroma the test runs on: the embedded client or a ``chroma run`` server."""
    return request.param


@pytest.fixture(scope="module")
def corpus(home, kind) -> Iterator[tuple[Engine, VectorIndex]]:
    """Both .txt samples ingested through the hook, dense vectors filled.

    The store is the default one of ``home/<kind>`` (so the CLI finds it); on a
    server, BUDGETQA_CHROMA_URL points at it for the CLI and subprocesses too.
    """
    with ExitStack() as stack, pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGETQA_HOME", str(home / kind))
        if kind == "server":
            mp.setenv("BUDGETQA_CHROMA_URL", stack.enter_context(chroma_url()))
        engine = make_engine()
        index = VectorIndex(engine)
        results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT], hook=index)
        assert [r.status for r in results] == [ADDED, ADDED], [r.describe() for r in results]
        index.fill_dense()
        yield engine, index


@pytest.fixture
def fresh(home, kind, tmp_path) -> Iterator[Callable[..., tuple[Engine, VectorIndex]]]:
    """Factory of an empty store with a Chroma of its own: ``fresh()`` or ``fresh(IndexClass)``."""
    with ExitStack() as stack:

        def make(cls: type[VectorIndex] = VectorIndex) -> tuple[Engine, VectorIndex]:
            engine = make_engine(f"sqlite:///{tmp_path}/t.db")
            if kind == "server":
                client = http_client(stack.enter_context(chroma_url()))
            else:
                client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                                   settings=Settings(anonymized_telemetry=False))
            return engine, cls(engine, client=client)

        yield make


def chunk_ids(index: VectorIndex, file_name: str) -> dict[str, set[str]]:
    """Ids of a file's chunks in each collection."""
    return {
        signal: set(collection.get(where={"file_name": file_name})["ids"])
        for signal, collection in index.collections.items()
    }


def expected_chunks(engine: Engine) -> set[str]:
    """Keys of the chunks every stored document should have."""
    with Session(engine) as s:
        return {c.key for doc_id in s.scalars(select(m.Document.id)) for c in build_chunks(s, doc_id)}


def document_id(engine: Engine, file_name: str) -> int | None:
    with Session(engine) as s:
        return s.scalar(select(m.Document.id).where(m.Document.file_name == file_name))


def copy_sample(name: str, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(SAMPLES / name, folder / name))


def minutes(folder: Path) -> Path:
    """A small document no recogniser knows: two sections of meeting minutes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MINUTES
    path.write_text(
        "防汛工作会议纪要\n\n"
        "一、汛期准备\n\n"
        "会议要求各镇街在五月底前完成河道清淤和堤防巡查，备足沙袋、冲锋舟等抢险物资。\n\n"
        "二、值班安排\n\n"
        "汛期实行二十四小时领导带班制度，遇强降雨及时转移低洼地带群众。\n",
        encoding="utf-8",
    )
    return path


def retrieval_set() -> list[dict[str, str]]:
    return [json.loads(line) for line in RETRIEVAL_SET.read_text(encoding="utf-8").splitlines() if line]


def wait_until(condition: Callable[[], bool], what: str, limit: float = 300.0) -> None:
    """Poll until ``condition`` holds; ``limit`` only guards against a hang."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < limit, f"{what}：{limit:.0f} 秒内没有发生"
        time.sleep(0.1)


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
    assert lexical == dense == expected_chunks(engine)


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
    matches = index.search(PORK, k=5)
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
    assert ingest_file(engine, minutes(tmp_path), index).status == ADDED
    assert index.fill_dense() == 2
    top = index.search("下大雨时怎么安置住在低处的居民", k=1)[0]
    assert (top.entity, top.name, top.file_name) == ("paragraph", "二、值班安排", MINUTES)
    assert top.text.startswith("汛期实行二十四小时") and top.line is not None


def test_fused_recall_at_5_on_the_paraphrase_set(corpus):
    _, index = corpus
    items = retrieval_set()
    assert len(items) >= 30
    missed = [i["query"] for i in items
              if i["expected"] not in [x.name for x in index.search(i["query"], k=5)]]
    assert 1 - len(missed) / len(items) >= 0.95, missed


def test_without_the_dense_model_the_lexical_index_still_answers(corpus):
    engine, index = corpus
    assert available_modes() == (LEXICAL, DENSE)
    assert index.mode == FUSED_COMPLETE == "融合（字词+语义模型）"
    lexical_only = VectorIndex(engine, client=index.client, use_dense=False)
    assert lexical_only.mode == LEXICAL_ONLY == "仅字词（未安装语义模型）"
    assert lexical_only.progress().describe() == "未安装语义模型，只用字词检索"
    top = lexical_only.search(PORK, k=1)[0]
    assert top.name == "应急保供专项" and set(top.similarity) == {LEXICAL}
    with pytest.raises(ValueError, match="语义模型"):
        lexical_only.search("猪肉储备", mode="dense")


def test_cli_search_json_lists_matches_best_first(corpus, capsys):
    assert cli.main(["search", "--json", "-k", "3", PORK]) == 0
    matches = json.loads(capsys.readouterr().out)
    assert len(matches) == 3 and matches[0]["name"] == "应急保供专项"
    assert {"name", "score", "source", "line", "page", "text"} <= set(matches[0])
    assert matches[0]["source"] == FUNDS_TXT and matches[0]["line"] is not None
    assert [x["score"] for x in matches] == sorted((x["score"] for x in matches), reverse=True)
    assert cli.main(["search", "--mode", "lexical", "三公经费"]) == 0
    captured = capsys.readouterr()
    assert "得分" in captured.out and DEPT_TXT in captured.out
    assert "检索方式：融合（字词+语义模型）" in captured.err


# -- dense vectors are pending work ------------------------------------------------------


def test_ingest_writes_lexical_chunks_and_leaves_dense_vectors_pending(fresh, tmp_path):
    engine, index = fresh()
    assert ingest_file(engine, copy_sample(DEPT_TXT, tmp_path / "in"), index).status == ADDED
    expected = expected_chunks(engine)
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: expected, DENSE: set()}
    progress = index.progress()
    assert (progress.chunks, progress.embedded, progress.pending, progress.percent) == (
        len(expected), 0, len(expected), 0)
    assert index.mode == "融合（语义索引完成 0%）"
    assert progress.describe() == f"语义索引完成 0%（0/{len(expected)} 段），其余 {len(expected)} 段待计算"
    top = index.search("三公经费", k=1)[0]
    assert top.file_name == DEPT_TXT and set(top.similarity) == {LEXICAL}
    with pytest.raises(ValueError, match="budgetqa index"):
        index.search("三公经费", mode="dense")

    seen: list[tuple[int, int]] = []
    assert index.fill_dense(progress=lambda done, total: seen.append((done, total))) == len(expected)
    assert seen[-1] == (len(expected), len(expected))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: expected, DENSE: expected}
    assert index.mode == FUSED_COMPLETE and index.pending() == 0
    assert index.progress().describe() == f"语义索引已完成（{len(expected)} 段）"
    assert set(index.search("三公经费", k=1)[0].similarity) == {LEXICAL, DENSE}
    assert index.fill_dense() == 0


def test_a_half_built_index_ranks_at_least_as_well_as_words_alone(corpus):
    _, index = corpus
    items = retrieval_set()

    def ranked(mode: str) -> list[list[str]]:
        return [[x.name for x in index.search(i["query"], k=5, mode=mode)] for i in items]

    def recall(names: list[list[str]]) -> tuple[int, int]:
        return (sum(n[:1] == [i["expected"]] for n, i in zip(names, items, strict=True)),
                sum(i["expected"] in n for n, i in zip(names, items, strict=True)))

    by_words = ranked(LEXICAL)
    words = recall(by_words)
    dense = index.collections[DENSE]
    ids = sorted(dense.get(include=[])["ids"])
    try:
        dense.delete(ids=ids[::2])  # every other chunk loses its dense vector, as if still pending
        assert index.mode == "融合（语义索引完成 50%）"
        at1, at5 = recall(ranked(FUSED))
        assert at1 >= words[0] and at5 >= words[1]
        dense.delete(ids=ids[1::2])  # none left: the fused ranking is the lexical one
        assert ranked(FUSED) == by_words
    finally:
        index.fill_dense()
    assert index.mode == FUSED_COMPLETE


def test_a_model_budget_of_zero_writes_only_vectors_the_cache_holds(corpus, fresh, tmp_path):
    EmbeddingCache.clear_memory()  # only the cache file is left
    engine, index = fresh()
    assert index.dense is not None
    assert ingest_file(engine, copy_sample(DEPT_TXT, tmp_path / "in"), index).status == ADDED
    novel = tmp_path / "in" / "novel.txt"
    novel.write_text(f"乡村夜校开设智能手机使用课程，帮助老年人预约挂号（第 {uuid.uuid4().hex} 期）。\n",
                     encoding="utf-8")  # a text no earlier run embedded: the cache file outlives runs
    assert ingest_file(engine, novel, index).status == ADDED
    written = index.fill_dense(seconds=0, document_ids=index.written)
    assert (index.dense.model_texts, index.dense.model_seconds) == (0, 0.0)
    dept = chunk_ids(index, DEPT_TXT)
    assert dept[DENSE] == dept[LEXICAL] and written == len(dept[DENSE]) > 50  # the corpus filled the cache
    assert index.pending() == 1
    assert index.fill_dense() == 1 and index.dense.model_texts == 1


# -- the index never disagrees with SQL -------------------------------------------------


def test_reingest_replaces_chunks_without_stale_ids(fresh, tmp_path):
    engine, index = fresh()
    path = copy_sample(DEPT_TXT, tmp_path / "in")
    assert ingest_file(engine, path, index).status == ADDED
    index.fill_dense()
    before = chunk_ids(index, DEPT_TXT)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ingest_file(engine, path, index).status == REPLACED
    index.fill_dense()
    with Session(engine) as s:
        new = s.scalars(select(m.Document)).one()
    current = expected_chunks(engine)
    for collection in index.collections.values():
        got = collection.get(include=["metadatas"])
        assert len(got["ids"]) == len(before[LEXICAL]) == len(current) > 50
        assert set(got["ids"]) == current
        assert {(meta["document_id"], meta["sha256"]) for meta in got["metadatas"]} == {(new.id, new.sha256)}
    assert index.manifest.states() == {(new.id, new.sha256): (READY, DEPT_TXT)}


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
    assert index.manifest.states() == {}
    # the same file goes in once the index works again, and a failed replacement drops both sides
    assert ingest_file(engine, path, index).status == ADDED
    index.fill_dense()
    assert all(chunk_ids(index, DEPT_TXT).values())
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    index.failures = 1
    assert ingest_file(engine, path, index).status == FAILED
    assert document_id(engine, DEPT_TXT) is None
    assert all(c.count() == 0 for c in index.collections.values())
    assert index.manifest.states() == {}


def test_removing_a_document_removes_its_chunks(fresh, tmp_path):
    engine, index = fresh()
    for path in (copy_sample(DEPT_TXT, tmp_path / "in"), minutes(tmp_path)):
        assert ingest_file(engine, path, index).status == ADDED
    index.fill_dense()
    kept = chunk_ids(index, MINUTES)
    assert kept[LEXICAL] == kept[DENSE] != set()
    assert remove_file(engine, DEPT_TXT, index)
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: set(), DENSE: set()}
    assert chunk_ids(index, MINUTES) == kept
    assert {name for _, name in index.manifest.states().values()} == {MINUTES}


def test_files_named_alike_in_two_folders_keep_their_own_chunks(fresh, tmp_path):
    engine, index = fresh()
    old = "2024年防汛会议要求各镇街完成河道清淤。"
    new = "2024年防汛会议要求备足沙袋、冲锋舟等抢险物资。"
    kept = "2023年防汛会议要求各镇街完成堤防巡查。"
    for year, text in (("2023", kept), ("2024", old)):
        minutes(tmp_path / "in" / year).write_text(text + "\n", encoding="utf-8")

    def texts() -> set[str]:
        assert set(index.collections[LEXICAL].get()["ids"]) == expected_chunks(engine)
        return set(index.collections[LEXICAL].get(where={"file_name": MINUTES})["documents"])

    results = ingest_paths(engine, [tmp_path / "in"], hook=index)
    assert [(r.identity, r.status) for r in results] == [(f"{y}/{MINUTES}", ADDED) for y in ("2023", "2024")]
    assert texts() == {kept, old}
    (tmp_path / "in" / "2024" / MINUTES).write_text(new + "\n", encoding="utf-8")
    assert [r.status for r in ingest_paths(engine, [tmp_path / "in"], hook=index)][1] == REPLACED
    assert texts() == {kept, new}
    assert remove_file(engine, f"2024/{MINUTES}", index)
    assert texts() == {kept}


def test_search_answers_only_from_the_primary_rendition(fresh, tmp_path):
    engine, index = fresh()
    original = copy_sample(DEPT_TXT, tmp_path / "a")
    copy = Path(shutil.copy(original, tmp_path / "a" / f"copy_{DEPT_TXT}"))
    for path in (original, copy):
        assert ingest_file(engine, path, index).status == ADDED
    assert chunk_ids(index, copy.name)[LEXICAL]  # renditions stay indexed...
    assert {x.file_name for x in index.search("三公经费", k=5)} == {DEPT_TXT}  # ...but do not answer
    assert remove_file(engine, DEPT_TXT, index)
    assert {x.file_name for x in index.search("三公经费", k=5)} == {copy.name}


def test_sync_repairs_what_ingest_could_not_see(fresh, tmp_path):
    engine, index = fresh()
    path = copy_sample(DEPT_TXT, tmp_path / "in")
    assert ingest_file(engine, path).status == ADDED  # e.g. killed before the index write
    assert index.sync() == {"added": 1, "removed": 0}
    assert chunk_ids(index, DEPT_TXT) == {LEXICAL: expected_chunks(engine), DENSE: set()}  # dense: pending
    assert index.sync() == {"added": 0, "removed": 0}
    index.fill_dense()
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ingest_file(engine, path).status == REPLACED  # SQLite gives the new version the same id
    assert index.sync() == {"added": 1, "removed": 1}
    assert index.pending() == len(expected_chunks(engine))
    index.fill_dense()
    with Session(engine) as s:
        sha = s.scalars(select(m.Document.sha256)).one()
    got = index.collections[DENSE].get(include=["metadatas"])["metadatas"]
    assert {meta["sha256"] for meta in got} == {sha}
    assert remove_file(engine, DEPT_TXT)  # deleted from SQL behind the index's back
    assert index.sync() == {"added": 0, "removed": 1}
    assert all(c.count() == 0 for c in index.collections.values())


def test_a_full_fill_sweeps_chunks_no_stored_document_owns(fresh, tmp_path):
    engine, index = fresh()
    assert ingest_file(engine, copy_sample(DEPT_TXT, tmp_path / "in"), index).status == ADDED
    index.fill_dense()
    (key,) = index.manifest.states()
    index.manifest.drop(key)  # as in a store written before documents had manifest records
    assert remove_file(engine, DEPT_TXT)
    assert index.sync() == {"added": 0, "removed": 0}  # the manifest cannot tell...
    assert index.collections[LEXICAL].count() > 0
    assert index.fill_dense() == 0  # ...a full fill can
    assert all(c.count() == 0 for c in index.collections.values())


def test_background_filling_finishes_pending_work_and_picks_up_new_documents(fresh, tmp_path):
    engine, index = fresh()
    assert ingest_file(engine, copy_sample(DEPT_TXT, tmp_path / "in"), index).status == ADDED
    backfill = DenseBackfill(index, poll=0.1).start()
    try:
        wait_until(lambda: index.progress().embedded and not index.pending(), "后台算完语义向量")
        assert ingest_file(engine, minutes(tmp_path), index).status == ADDED
        wait_until(lambda: not index.pending(), "后台算完新导入文件的语义向量")
    finally:
        backfill.stop(timeout=60)
    assert not backfill.alive
    for name in (DEPT_TXT, MINUTES):
        ids = chunk_ids(index, name)
        assert ids[LEXICAL] == ids[DENSE] != set()


def test_cli_ingest_writes_cached_vectors_and_leaves_the_rest_to_index(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "first"))
    monkeypatch.delenv("BUDGETQA_CHROMA_URL", raising=False)
    shared = os.environ["BUDGETQA_EMBEDDING_CACHE"]
    monkeypatch.setenv("BUDGETQA_EMBEDDING_CACHE", str(tmp_path / "empty.sqlite3"))
    EmbeddingCache.clear_memory()  # the process's own layer would remember vectors of earlier tests
    assert cli.main(["ingest", str(SAMPLES / DEPT_TXT)]) == 0  # nothing cached: every vector pending
    err = capsys.readouterr().err
    assert "语义索引完成 0%" in err and "budgetqa index" in err
    assistant = Assistant()
    assert assistant.retrieval_mode() == "融合（语义索引完成 0%）"
    assert assistant.index_progress().pending == len(expected_chunks(assistant.engine))

    monkeypatch.setenv("BUDGETQA_EMBEDDING_CACHE", shared)
    assert cli.main(["index"]) == 0
    captured = capsys.readouterr()
    assert "语义索引已完成" in captured.out and "语义索引" in captured.err  # the summary, the bar
    assert assistant.retrieval_mode() == FUSED_COMPLETE and assistant.index_progress().pending == 0

    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "second"))  # the same text again, now cached
    assert cli.main(["ingest", str(SAMPLES / DEPT_TXT)]) == 0
    assert "待计算" not in capsys.readouterr().err
    assert Assistant().retrieval_mode() == FUSED_COMPLETE


def test_threads_may_open_the_index_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path))  # a path no client of this process has opened
    monkeypatch.delenv("BUDGETQA_CHROMA_URL", raising=False)
    engine = make_engine()
    failures: list[Exception] = []

    def open_index() -> None:  # as the page and serve's background filler do while the server starts
        try:
            VectorIndex(engine).sync()
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_index) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_serve_computes_pending_dense_vectors_in_the_background(tmp_path):
    with chroma_url() as url:  # a server, so that this process can watch while ``serve`` writes
        env = {**environment(tmp_path), "BUDGETQA_CHROMA_URL": url}
        # ingested with an empty embedding cache, so that no dense vector is written yet
        ingest({**env, "BUDGETQA_EMBEDDING_CACHE": str(tmp_path / "empty.sqlite3")}, SAMPLES / DEPT_TXT)
        client = http_client(url)
        lexical, dense = (client.get_collection(COLLECTIONS[signal], embedding_function=None)
                          for signal in (LEXICAL, DENSE))
        assert lexical.count() > 0 and dense.count() == 0
        server = start(env)
        try:
            wait_until(lambda: dense.count() == lexical.count(), "页面后台算完语义向量")
        finally:
            server.stop()
        assert set(dense.get()["ids"]) == set(lexical.get()["ids"])


# -- other processes -------------------------------------------------------------------

_REOPEN = """
import json, socket

real_connect = socket.socket.connect

def loopback_only(sock, address):
    if address[0] not in ("127.0.0.1", "::1"):
        raise OSError("network disabled by the test")
    return real_connect(sock, address)

socket.socket.connect = loopback_only

from db.engine import make_engine
from db.vector import COLLECTIONS, VectorIndex, make_client

client = make_client()
out = {}
for signal, name in COLLECTIONS.items():
    collection = client.get_collection(name)  # no function passed: Chroma rebuilds one from the config
    found = collection.query(query_texts=["猪肉储备资金"], n_results=1)["metadatas"][0][0]
    out[signal] = [type(collection.configuration["embedding_function"]).__name__, found["name"]]
out["search"] = VectorIndex(make_engine()).search("猪肉储备的钱从哪出？", k=1)[0].name
print(json.dumps(out, ensure_ascii=False))
"""


def test_reopening_in_a_new_process_without_network_uses_our_embedding_functions(corpus, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}
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


_DIE_AFTER_THE_CHUNKS = """
import os, signal, sys
from pathlib import Path
from db.engine import make_engine
from db.vector import VectorIndex
from ingest.pipeline import ingest_file

engine = make_engine()
index = VectorIndex(engine)
lexical = index.collections["lexical"]
add = lexical.add

def add_then_die(**kwargs):
    add(**kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # chunks written, the manifest still says "writing"

lexical.add = add_then_die
ingest_file(engine, Path(sys.argv[1]), index)
"""


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=600)


def _look(home: Path) -> tuple[Engine, VectorIndex]:
    """The store and index another process left, read afresh (no client state kept from before)."""
    SharedSystemClient.clear_system_cache()
    engine = make_engine(f"sqlite:///{home}/budget.db")
    client = chromadb.PersistentClient(path=str(home / "chroma"),
                                       settings=Settings(anonymized_telemetry=False))
    return engine, VectorIndex(engine, client=client)


def _killed_in_the_dense_phase(env: dict[str, str], home: Path) -> None:
    """``budgetqa ingest`` with a long model budget on an empty cache, killed once the model runs."""
    cache = home / "cold_cache.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(SAMPLES / FUNDS_TXT), "--dense-seconds", "600"],
        cwd=ROOT, env={**env, "BUDGETQA_EMBEDDING_CACHE": str(cache)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def model_ran() -> bool:
        try:
            with sqlite3.connect(cache) as conn:
                return bool(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        except sqlite3.OperationalError:  # not created yet
            return False

    try:
        wait_until(model_ran, "入库进入语义向量阶段")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def _killed_after_the_chunks(env: dict[str, str], home: Path) -> None:
    """An ingest killed between the file's chunk write and its manifest's "ready"."""
    assert _run(env, "-c", _DIE_AFTER_THE_CHUNKS, str(SAMPLES / FUNDS_TXT)).returncode == -signal.SIGKILL
    engine, index = _look(home)
    states = index.manifest.states()
    funds = next(key for key, (_, name) in states.items() if name == FUNDS_TXT)
    assert states[funds][0] == WRITING  # stored in SQL, marked unfinished in the index: not silently missing
    assert document_id(engine, FUNDS_TXT) == funds[0]


@pytest.mark.parametrize("kill", [_killed_in_the_dense_phase, _killed_after_the_chunks],
                         ids=["dense-phase", "after-chunks"])
def test_after_a_killed_ingest_ask_answers_at_once_and_index_converges(kill, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL")}
    env["BUDGETQA_HOME"] = str(tmp_path)
    kill(env, tmp_path)
    _, index = _look(tmp_path)
    embedded = index.progress().embedded

    asked = _run(env, "-m", "cli", "ask", "--json", "-", stdin=f"{PORK}\n应急保供专项今年预算多少？\n")
    assert asked.returncode == 0, asked.stderr[-3000:]
    answers = [json.loads(line)["answer"] for line in asked.stdout.splitlines()]
    assert all("应急保供专项" in a and "25.0" in a for a in answers), answers
    engine, index = _look(tmp_path)
    assert index.progress().embedded == embedded  # ask computed no dense vector of a document
    assert {state for state, _ in index.manifest.states().values()} == {READY}
    assert set(index.collections[LEXICAL].get()["ids"]) == expected_chunks(engine)

    assert _run(env, "-m", "cli", "index").returncode == 0
    engine, index = _look(tmp_path)
    assert index.mode == FUSED_COMPLETE
    assert set(index.collections[DENSE].get()["ids"]) == expected_chunks(engine)
