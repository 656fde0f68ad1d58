"""Decoded posting lists, read a whole block at a time, shared and kept across searchers.

Both the matching set (``DocSets``) and the ranking (``Ranker``) need a word's postings; at
100 000 documents decoding them (unpickle, inflate, delta-decode) was half the cost of a
first search for a common word. ``SegmentPostings`` keeps decoded lists per *segment*:
segments never change once written, so after an index update, which opens a new searcher,
only the new small segment is read again. Deletions change; they are applied per searcher.
"""

from __future__ import annotations

from typing import Any

from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher

from .lru import ByteBoundedLRU, postings_bytes, share_of_budget

Decoded = tuple[list[int], list[float]]

# Decoded postings kept per index directory: half of the search caches' byte budget.
POSTINGS_SHARE = 0.5


class SegmentPostings:
    """(segment id, field, term) → the segment's decoded postings, deleted documents included."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self._cache: ByteBoundedLRU[Decoded] = ByteBoundedLRU(
            share_of_budget(POSTINGS_SHARE) if max_bytes is None else max_bytes, postings_bytes)

    def get(self, segment_id: Any, reader: Any, fieldname: str, text: Any) -> Decoded:
        if segment_id is None:  # no stable identity to cache under
            return _decode(reader.postings(fieldname, text))
        return self._cache.get_or_compute((segment_id, fieldname, text),
                                          lambda: _decode(reader.postings(fieldname, text)))


class Postings:
    """A searcher's view: searcher docnums, deleted documents left out."""

    def __init__(self, searcher: Searcher, segments: SegmentPostings) -> None:
        self._segments = segments
        self._leaves = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            self._leaves.append((reader, offset, segment.segment_id() if segment else None, deleted))

    def get(self, fieldname: str, text: Any) -> Decoded:
        """(searcher docnums in increasing order, weights) of a term."""
        ids: list[int] = []
        weights: list[float] = []
        for reader, offset, segment_id, deleted in self._leaves:
            if (fieldname, text) not in reader:
                continue
            local_ids, local_weights = self._segments.get(segment_id, reader, fieldname, text)
            if deleted:
                kept = [i for i, docnum in enumerate(local_ids) if docnum not in deleted]
                local_ids = [local_ids[i] for i in kept]
                local_weights = [local_weights[i] for i in kept]
            ids.extend(map(offset.__add__, local_ids) if offset else local_ids)
            weights.extend(local_weights)
        return ids, weights


def _decode(matcher: Any) -> Decoded:
    if isinstance(matcher, FilterMatcher):  # deletions: the caller filters them
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    block_attributes = ("_ids", "_weights", "_i", "_blocklength", "_read_ids", "_read_weights", "_next_block")
    if all(hasattr(matcher, name) for name in block_attributes):
        # W3LeafMatcher (whoosh-reloaded 2.7.5, pinned) keeps each decoded block in ``_ids`` and
        # ``_weights``; copying whole blocks is ~20× faster than stepping posting by posting.
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            start, end = matcher._i, matcher._blocklength
            ids.extend(matcher._ids[start:end])
            weights.extend(matcher._weights[start:end])
            matcher._next_block()
        return ids, weights
    while matcher.is_active():  # inlined single postings and any other matcher
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights
