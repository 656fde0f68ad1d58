"""The index on disk: privacy guard, updates, generations, recovery, verify, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from search_index import IndexBuildFailed, IndexBusy, SearchIndex, diff
from search_index.analysis import ChineseTokenizer


def test_undeclared_keys_are_never_stored(index: SearchIndex, suggestion, tmp_path: Path) -> None:
    doc = suggestion(1, "公积金", "正文", author_phone="13912345678", author_name="张三丰")
    index.apply([("upsert", doc)])
    with index.searcher() as searcher:
        stored = searcher.stored_fields(0)
        assert "author_phone" not in stored and "author_name" not in stored
        assert "author_phone" not in searcher.schema.names()
    # nor anywhere in the files, in any form
    for path in Path(index.base_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"13912345678" not in content
            assert "张三丰".encode() not in content
    assert index.search("13912345678").total == 0


def test_upsert_replaces_and_delete_removes(index: SearchIndex, suggestion) -> None:
    index.apply([("upsert", suggestion(1, "旧标题")), ("upsert", suggestion(2, "另一个建议"))])
    index.apply([("upsert", suggestion(1, "新标题")), ("delete", "suggestion:2")])
    assert index.search("旧标题").total == 0
    assert [h.doc_id for h in index.search("新标题").hits] == ["suggestion:1"]
    assert index.search("另一个建议").total == 0
    assert index.health()["doc_count"] == 1


def test_postings_kept_across_updates_never_show_deleted_or_replaced_documents(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(n, f"公积金建议{n}") for n in range(1, 201)])
    assert index.search("公积金").total == 200  # the big segment's postings are now decoded and kept
    index.apply([("delete", "suggestion:5"), ("upsert", suggestion(6, "停车建议")),
                 ("upsert", suggestion(201, "公积金新建议"))])
    found = index.search("公积金", per_page=100, page=1)
    assert found.total == 199
    ids = {h.doc_id for page in (1, 2) for h in index.search("公积金", per_page=100, page=page).hits}
    assert "suggestion:5" not in ids and "suggestion:6" not in ids and "suggestion:201" in ids
    assert [h.doc_id for h in index.search("停车").hits] == ["suggestion:6"]


def test_a_second_instance_sees_another_workers_commits(index: SearchIndex, suggestion) -> None:
    index.apply([("upsert", suggestion(1, "公积金"))])
    assert index.search("公积金").total == 1  # the cached searcher is now open
    with SearchIndex(index.base_dir) as other_worker:
        other_worker.apply([("upsert", suggestion(2, "公积金贷款"))])
    assert index.search("公积金").total == 2


def test_rebuild_swaps_while_an_open_search_finishes(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(1, "旧的公积金建议")])
    with index.searcher() as before_swap:
        assert index.rebuild([suggestion(2, "新的公积金建议"), suggestion(3, "停车")]) == 2
        # the searcher opened before the swap still answers, from the old generation
        old = before_swap.search(index_query("公积金"))
        assert [hit["doc_id"] for hit in old] == ["suggestion:1"]
    assert [h.doc_id for h in index.search("公积金").hits] == ["suggestion:2"]


def index_query(word: str):
    from search_index.query import parse_user_query

    return parse_user_query(word)[0]


def test_rebuild_keeps_only_current_and_previous_generation(index: SearchIndex, suggestion) -> None:
    for n in range(4):
        index.rebuild([suggestion(n, f"建议{n}")])
    generations = sorted(p for p in os.listdir(index.base_dir) if p.startswith("gen-"))
    assert generations == ["gen-3", "gen-4"]
    assert Path(index.base_dir, "CURRENT").read_text().strip() == "gen-4"


def test_rebuild_in_two_processes_indexes_every_document(index: SearchIndex, suggestion) -> None:
    docs = [suggestion(n, f"公积金建议{n}" if n % 2 else f"停车建议{n}", "住房公积金提取") for n in range(1, 451)]
    assert index.rebuild(iter(docs), procs=2) == 450
    assert index.health()["doc_count"] == 450
    assert index.search("停车").total == 225
    assert index.search("公积金").total == 450  # body of every document
    assert index.all_doc_versions() == {doc["doc_id"]: doc["fingerprint"] for doc in docs}


def test_a_parallel_build_that_loses_a_batch_is_never_switched_to(
    index: SearchIndex, suggestion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's multi-process writer silently drops the batch of a worker that died."""
    index.rebuild([suggestion(1, "旧的公积金建议")])
    parent = os.getpid()
    tokenize = ChineseTokenizer.__call__

    def dies_in_a_worker(self, value, **kwargs):
        if "崩溃" in value and os.getpid() != parent:
            raise MemoryError("worker killed")  # what an out-of-memory worker looks like
        return tokenize(self, value, **kwargs)

    monkeypatch.setattr(ChineseTokenizer, "__call__", dies_in_a_worker)
    docs = [suggestion(n, "崩溃" if n == 150 else f"新的公积金建议{n}") for n in range(2, 400)]
    with pytest.raises(IndexBuildFailed, match="lost documents"):
        index.rebuild(iter(docs), procs=2)
    assert [h.doc_id for h in index.search("公积金").hits] == ["suggestion:1"]  # the old generation
    assert sorted(p for p in os.listdir(index.base_dir) if p.startswith("gen-")) == ["gen-1"]


def test_missing_index_reports_unavailable_then_rebuild_restores(index: SearchIndex, suggestion) -> None:
    results = index.search("公积金")
    assert (results.available, results.error_message_key, results.total) == (False, "unavailable", 0)
    assert not index.exists() and index.health()["available"] is False
    index.rebuild([suggestion(1, "公积金")])
    assert index.search("公积金").total == 1
    shutil.rmtree(index.base_dir)
    assert index.search("公积金").available is False
    index.rebuild([suggestion(1, "公积金")])
    assert index.search("公积金").available is True and index.exists()


def test_corrupt_index_is_unavailable_and_apply_starts_fresh(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(1, "公积金")])
    index.close()
    generation = Path(index.base_dir) / "gen-1"
    for path in generation.iterdir():
        path.write_bytes(b"garbage")
    assert index.search("公积金").available is False
    index.apply([("upsert", suggestion(2, "公积金贷款"))])
    results = index.search("公积金")
    assert results.available and [h.doc_id for h in results.hits] == ["suggestion:2"]


def test_verify_diff_finds_missing_extra_and_stale(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(n, f"建议{n}", fingerprint=f"v1-{n}") for n in (1, 2, 3)])
    assert diff({f"suggestion:{n}": f"v1-{n}" for n in (1, 2, 3)}, index.all_doc_versions()).ok
    expected = {"suggestion:1": "v1-1", "suggestion:2": "v2-2", "suggestion:4": "v1-4"}
    report = diff(expected, index.all_doc_versions())
    assert not report.ok
    assert (report.missing, report.extra, report.stale) == (["suggestion:4"], ["suggestion:3"], ["suggestion:2"])


def test_writer_lock_times_out_instead_of_failing_at_once(index: SearchIndex, suggestion) -> None:
    impatient = SearchIndex(index.base_dir, lock_timeout=0.2)
    with index._writer_lock():
        with pytest.raises(IndexBusy):
            impatient.apply([("upsert", suggestion(1, "公积金"))])
    impatient.apply([("upsert", suggestion(1, "公积金"))])
    assert index.search("公积金").total == 1


def test_deleting_the_index_directory_does_not_free_a_held_writer_lock(index: SearchIndex, suggestion) -> None:
    # bench/faults.py deletes the index under traffic. With the lock inside the directory, the
    # next writer made a new lock file and wrote beside the one still holding the old one: a
    # rebuild from an older snapshot then replaced documents another writer had just updated.
    index.apply([("upsert", suggestion(1, "公积金"))])
    impatient = SearchIndex(index.base_dir, lock_timeout=0.2)
    with index._writer_lock():
        shutil.rmtree(index.base_dir)
        with pytest.raises(IndexBusy):
            impatient.rebuild([suggestion(2, "停车")])
    impatient.rebuild([suggestion(2, "停车")])
    assert impatient.search("停车").total == 1


def _apply_many(base_dir: str, first: int, count: int) -> None:
    from datetime import datetime

    ix = SearchIndex(base_dir, lock_timeout=60)
    for n in range(first, first + count):
        ix.apply([("upsert", {"doc_id": f"suggestion:{n}", "kind": "suggestion", "object_id": n,
                              "title": f"并发写入{n}", "published_at": datetime(2024, 1, 1)})])
    ix.close()


def test_concurrent_apply_from_two_processes_loses_nothing(index: SearchIndex) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_apply_many, args=(index.base_dir, first, 15)) for first in (0, 100)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    expected = {f"suggestion:{n}" for n in [*range(0, 15), *range(100, 115)]}
    assert set(index.all_doc_versions()) == expected
