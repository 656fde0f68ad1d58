"""Common terms' posting lists written ready to read give exactly what decoding Whoosh's blocks gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_index import SearchIndex, decoded
from search_index.postings import _compact, _decode

from tests.search_index.test_search_bulk_writing import _docs  # long lists of shared words, titles boosted, words repeated


@pytest.mark.parametrize("procs", [1, 2])
def test_ready_lists_equal_the_decoded_blocks(tmp_path: Path, suggestion, procs: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoded, "MIN_POSTINGS", 40)
    index = SearchIndex(tmp_path / "ix")
    index.rebuild(_docs(suggestion), procs=procs, limitmb=0)
    # An update after the rebuild: a small segment Whoosh writes itself, and a deleted document.
    index.apply([("upsert", suggestion(7, "停车位不够", "夜间停车")), ("delete", "suggestion:8")])
    compared, with_lists, weight_forms = 0, 0, set()
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
                weight_forms.add(ready._directory[field, text][3])
                compared += 1
    assert with_lists == procs
    assert compared >= 40
    assert weight_forms == {None, "B", "f"}  # one weight for all, small whole numbers, floats


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
