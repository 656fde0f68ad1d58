"""Bulk writing (chunked pool, remembered lengths) writes the index Whoosh writes, posting for posting."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import writing
from whoosh.codec import base, whoosh3
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from search_index import SearchIndex
from search_index.bulk_writing import ChunkedPostingPool

WHOOSH_POOL = ChunkedPostingPool.__base__


def _everything(index: SearchIndex) -> tuple[list[tuple], list[tuple], list[dict]]:
    with index.searcher() as searcher:
        reader = searcher.reader()
        # With 2 processes, which documents each segment gets varies from run to run: postings are
        # compared by the document they belong to (deleted ones left out), not by document number.
        doc_ids = {docnum: fields["doc_id"] for docnum, fields in reader.iter_docs()}
        postings = sorted((field, text, doc_ids[docnum], weight, value)
                          for field, text, docnum, weight, value in reader.iter_postings() if docnum in doc_ids)
        # What a term's blocks record beside the postings: the shortest and longest field it is in.
        term_infos = [(field, text, *_info(reader.term_info(field, text))) for field, text in reader.all_terms()]
        stored = sorted((fields for _num, fields in reader.iter_docs()), key=lambda f: f["doc_id"])
    return postings, term_infos, stored


def _info(info) -> tuple:
    return info.doc_frequency(), info.weight(), info.min_length(), info.max_length(), info.max_weight()


def _docs(suggestion) -> list[dict]:
    # Shared words across many documents (long posting lists) and numbered ones (short lists).
    return [suggestion(n, f"小区停车难，第{n % 37}号楼{'加装电梯' * (n % 3)}",
                       f"物业收费问题{n % 11}，噪音扰民，编号{n}", place=f"A市A{n % 5}区")
            for n in range(1, 301)]


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_spilling_many_runs_equals_whooshs_pool(tmp_path: Path, suggestion, procs: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _docs(suggestion)
    ours = SearchIndex(tmp_path / "ours")
    ours.rebuild(docs, procs=procs, limitmb=0)  # a run every 1 000 postings: dozens of runs
    ours.apply([("upsert", suggestion(7, "停车位不够", "夜间停车")), ("delete", "suggestion:8")])

    monkeypatch.setattr(writing, "PostingPool", WHOOSH_POOL)
    monkeypatch.setattr(whoosh3.W3FieldWriter, "add_postings", base.FieldWriter.add_postings)
    theirs = SearchIndex(tmp_path / "theirs")
    theirs.rebuild(docs, procs=procs, limitmb=0)
    theirs.apply([("upsert", suggestion(7, "停车位不够", "夜间停车")), ("delete", "suggestion:8")])

    our_postings, our_terms, our_stored = _everything(ours)
    their_postings, their_terms, their_stored = _everything(theirs)
    assert len(our_postings) > 20_000
    assert our_postings == their_postings
    assert our_terms == their_terms
    # Every title holds "，第"; the shortest title field is 12 bigrams long, the longest 20.
    assert [info[4:6] for info in our_terms if info[:2] == ("title_grams", "，第".encode())] == [(12, 20)]
    assert our_stored == their_stored and len(our_stored) == 299
    assert [hit.object_id for hit in ours.search("停车位").hits] == [7]


def _segment_files(index_dir: Path) -> dict[str, bytes]:
    """Each file inside the (single) compound segment file, by its name less the random segment name."""
    [segment] = index_dir.rglob("*.seg")
    compound = CompoundStorage(FileStorage(str(segment.parent)).open_file(segment.name), use_mmap=False)
    prefix = segment.stem
    try:
        return {name.removeprefix(prefix): compound.open_file(name).read() for name in compound.list()}
    finally:
        compound.close()


def test_one_process_writes_the_bytes_whoosh_writes(tmp_path: Path, suggestion,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Same blocks, same statistics, same term table: the postings and terms files are identical.
    docs = _docs(suggestion)
    SearchIndex(tmp_path / "ours").rebuild(docs, limitmb=0)
    monkeypatch.setattr(writing, "PostingPool", WHOOSH_POOL)
    monkeypatch.setattr(whoosh3.W3FieldWriter, "add_postings", base.FieldWriter.add_postings)
    SearchIndex(tmp_path / "theirs").rebuild(docs, limitmb=0)

    ours, theirs = _segment_files(tmp_path / "ours"), _segment_files(tmp_path / "theirs")
    assert {".pst", ".trm", "._title_len.col"} <= set(ours)
    assert len(ours[".pst"]) > 100_000
    assert ours == theirs


def test_runs_merged_in_rounds_come_back_in_order(tmp_path: Path) -> None:
    # More runs than files open at once: runs are merged into runs first (reduce_to).
    storage = FileStorage(str(tmp_path)).create()
    pool = ChunkedPostingPool(storage, None, limitmb=0)
    rng = random.Random(5)
    items = [(rng.choice(["body", "title"]), rng.choice([b"a", b"b", b"\xe5\xb0\x8f"]), docnum,
              float(rng.randint(1, 3)), bytes([docnum % 256]))
             for docnum in range(12_500)]  # 12 runs of 1 000, 500 left in memory
    for item in items:
        pool.add(item)
    assert len(pool.runs) == 12
    assert list(pool.items(maxfiles=3)) == sorted(items)
    assert pool.fieldnames == {"body", "title"}
    assert not list(tmp_path.glob("*.run"))  # every run file removed once read
