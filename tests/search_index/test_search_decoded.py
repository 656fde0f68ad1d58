"""Common terms' posting lists written ready to read give exactly what decoding Whoosh's blocks gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_index import SearchIndex, decoded
from search_index.postings import _compact, _decode


def _docs(suggestion) -> list[dict]:
    # Words in most documents, some repeated within a field (whole-number weights above one), and
    # titles (boosted) beside bodies: lists with one weight for all, small whole ones, and others.
    return [suggestion(n, f"小区停车难{'停车' * (n % 4)}，第{n % 37}号楼",
                       f"物业收费问题{n % 11}，{'噪音扰民，' * (n % 3)}编号{n}", place=f"A市A{n % 5}区")
            for n in range(1, 401)]


@pytest.mark.parametrize("procs", [1, 2])
def test_ready_lists_equal_the_decoded_blocks(tmp_path: Path, suggestion, procs: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoded, "MIN_POSTINGS", 40)
    index = SearchIndex(tmp_path / "ix")
    index.rebuild(_docs(suggestion), procs=procs, limitmb=0)
    # An update after the rebuild: a small segment Whoosh writes itself, and a deleted document.
    index.apply([("upsert", suggestion(7, "停车位不够", "夜间停车")), ("delete", "suggestion:8")])
    compared, with_lists, weights_seen = 0, 0, set()
    with index.searcher() as searcher:
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            ready = decoded.DecodedLists.of(reader)
            if ready is None:
                assert reader.doc_count_all() == 1  # only the update's segment has none
                continue
            with_lists += 1
            for field, text in reader.all_terms():
                found = ready.get(reader, field, text)
                if reader.doc_frequency(field, text) < 40:
                    assert found is None
                    continue
                expected = _compact(_decode(reader.postings(field, text)))
                assert found == expected, (field, text)
                weights_seen.update(expected[1])
                compared += 1
    assert with_lists == procs
    assert compared >= 40
    assert {1.0, 2.0, 3.0} <= weights_seen and any(not w.is_integer() for w in weights_seen)


def test_searches_read_the_ready_lists(tmp_path: Path, suggestion, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _docs(suggestion)
    plain = SearchIndex(tmp_path / "plain")
    plain.rebuild(docs, procs=1)
    monkeypatch.setattr(decoded, "MIN_POSTINGS", 40)
    ready = SearchIndex(tmp_path / "ready")
    ready.rebuild(docs, procs=1)
    read = []
    original = decoded.DecodedLists.get
    monkeypatch.setattr(decoded.DecodedLists, "get",
                        lambda self, *args: read.append(args[1:]) or original(self, *args))
    for words in ("停车", "物业收费", "小区 噪音", '"噪音扰民"', "A市A2区"):
        ours, theirs = ready.search(words, per_page=50), plain.search(words, per_page=50)
        assert ours.total == theirs.total > 0
        assert [(h.doc_id, h.score) for h in ours.hits] == [(h.doc_id, h.score) for h in theirs.hits]
    assert ("title", "停车".encode()) in read
