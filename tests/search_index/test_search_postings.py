"""Posting lists read a block at a time (ids and weights only) equal what Whoosh steps through."""

from __future__ import annotations

from array import array

from search_index import SearchIndex
from search_index.lru import postings_bytes
from search_index.postings import SegmentPostings, _decode
from search_index.schema import SCORED_FIELDS


def _stepped(matcher) -> tuple[list[int], list[float]]:
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_every_term_decodes_as_whoosh_steps_it(index: SearchIndex, suggestion) -> None:
    # 400 documents: common words fill many 128-posting blocks (the last one short), repeated
    # words give weights other than 1, rare ones end in blocks of fewer than four postings.
    docs = [suggestion(n, f"小区停车难{'停车' * (n % 4)}，第{n}号楼", f"物业{'收费' * (n % 3)}问题{n % 7}，编号{n}")
            for n in range(1, 401)]
    index.rebuild(docs)
    index.apply([("upsert", suggestion(401, "停车停车", "物业"))])  # a second segment
    checked = 0
    with index._leased() as lease:
        for sub, _offset in lease.searcher.leaf_searchers():
            reader = sub.reader()
            for field in SCORED_FIELDS:
                for term in reader.lexicon(field):
                    expected = _stepped(reader.postings(field, term))
                    assert _decode(reader.postings(field, term)) == expected, (field, term)
                    checked += 1
    assert checked > 1000 and len(lease.searcher.leaf_searchers()) == 2


def test_cached_postings_take_twelve_bytes_a_posting(index: SearchIndex, suggestion) -> None:
    index.rebuild([suggestion(n, "小区停车难", "物业收费") for n in range(1, 1001)])
    with index._leased() as lease:
        reader = lease.searcher.reader()
        segment = reader.segment().segment_id()
        ids, weights = SegmentPostings(max_bytes=10 << 20).get(segment, reader, "title", "停车")
    assert isinstance(ids, array) and isinstance(weights, array)
    assert list(ids) == list(range(1000)) and set(weights) == {3.0}  # the title's boost, once each
    assert 12_000 <= postings_bytes((ids, weights)) < 13_000
