"""Decoded posting lists, read a whole block at a time, shared and kept across searchers.

Both the matching set (``DocSets``) and the ranking (``Ranker``) need a word's postings; at
100 000 documents decoding them (unpickle, inflate, delta-decode) was half the cost of a
first search for a common word. ``SegmentPostings`` keeps decoded lists per *segment*:
segments never change once written, so after an index update, which opens a new searcher,
only the new small segment is read again. Deletions change; they are applied per searcher.
"""

from __future__ import annotations

import pickle
import re
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate, repeat
from typing import Any

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher

from .decoded import DecodedLists
from .lru import ByteBoundedLRU, postings_bytes, share_of_budget

Decoded = tuple[list[int], list[float]]  # kept in the cache as arrays (``_compact``, ``decoded``)
_UNKNOWN = object()

# Decoded postings kept per index directory: half of the search caches' byte budget.
POSTINGS_SHARE = 0.5


class SegmentPostings:
    """(segment id, field, term) → the segment's decoded postings, deleted documents included."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self._cache: ByteBoundedLRU[Decoded] = ByteBoundedLRU(
            share_of_budget(POSTINGS_SHARE) if max_bytes is None else max_bytes, postings_bytes)
        # segment id → its common terms' lists written ready to read (``decoded``), or None
        self._ready: dict[Any, DecodedLists | None] = {}

    def get(self, segment_id: Any, reader: Any, fieldname: str, text: Any) -> Decoded:
        if segment_id is None:  # no stable identity to cache under
            return _decode(reader.postings(fieldname, text))
        return self._cache.get_or_compute((segment_id, fieldname, text),
                                          lambda: self._read(segment_id, reader, fieldname, text))

    def _read(self, segment_id: Any, reader: Any, fieldname: str, text: Any) -> Decoded:
        ready = self._ready.get(segment_id, _UNKNOWN)
        if ready is _UNKNOWN:  # segments never change: asked once each
            ready = self._ready.setdefault(segment_id, DecodedLists.of(reader))
        if ready is not None:
            term = text if isinstance(text, bytes) else reader.schema[fieldname].to_bytes(text)
            found = ready.get(reader, fieldname, term)
            if found is not None:
                return found  # type: ignore[return-value]
        return _compact(_decode(reader.postings(fieldname, text)))


def _compact(decoded: Decoded) -> Decoded:
    # 12 bytes a posting instead of ~60 as lists of int and float objects: five times as many
    # words stay decoded in the same budget. At 100 000 documents the benchmark's 30 queries
    # did not fit as lists, so every round decoded them again.
    ids, weights = decoded
    return array("i", ids), array("d", weights)  # type: ignore[return-value]


class Postings:
    """A searcher's view: searcher docnums (segment docnums plus the segment's offset)."""

    def __init__(self, searcher: Searcher, segments: SegmentPostings) -> None:
        self._segments = segments
        self._leaves = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            self._leaves.append((reader, offset, segment.segment_id() if segment else None))

    def arrays(self, fieldname: str, text: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """A term's postings, a (searcher docnums, weights) pair of numpy arrays per segment holding it.

        Deleted documents are included: a query's set leaves them out once (``DocSets``), and a
        score for a document outside the set is never read.
        """
        parts = []
        for reader, offset, segment_id in self._leaves:
            if (fieldname, text) not in reader:
                continue
            local_ids, weights = self._segments.get(segment_id, reader, fieldname, text)
            docnums = _as_numpy(local_ids).astype(np.intp)
            if offset:
                docnums += offset
            parts.append((docnums, _as_numpy(weights).astype(np.float64, copy=False)))
        return parts


def _as_numpy(values: Sequence[Any]) -> np.ndarray:
    """A view of a cached ``array`` (ids are 'i', 'H' or 'I'; weights 'd', 'f' or 'B'), or a copy of a list."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=values.typecode)
    return np.asarray(values)


def _decode(matcher: Any) -> Decoded:
    if isinstance(matcher, FilterMatcher):  # deletions: the caller filters them
        matcher = matcher.child
    ids: list[int] = []
    weights: list[float] = []
    block_attributes = ("_postfile", "_dataoffset", "_nextoffset", "_compression", "_blocklength", "_byteids",
                        "_data", "_next_block")
    if all(hasattr(matcher, name) for name in block_attributes) and not matcher._byteids:
        # W3LeafMatcher (whoosh-reloaded 2.7.5, pinned): each block is a zlib-compressed pickle of
        # (id deltas, weights, values). Copying whole blocks is ~20× faster than stepping posting
        # by posting, and reading only the ids and weights ~3× faster again (``_ids_and_weights``).
        while matcher.is_active():
            count = matcher._blocklength
            block = _ids_and_weights(matcher, count)
            if block is None:  # an unusual block: Whoosh decodes it
                if matcher._data is None:
                    matcher._read_data()
                block = matcher._data[0], matcher._data[1]
            deltas, block_weights = block
            ids.extend(accumulate(deltas))
            if block_weights is None:
                weights.extend(repeat(1.0, count))
            elif isinstance(block_weights, float):
                weights.extend(repeat(block_weights, count))
            else:
                weights.extend(block_weights)
            matcher._next_block()
        return ids, weights
    while matcher.is_active():  # inlined single postings and any other matcher
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


# The start of a block's pickle (protocol 2) of 4 or more postings: the tuple of id deltas
# (small ints), then the weights (None, one float for all, or a tuple of floats), each tuple
# possibly followed by its memo entry. The values that follow (for word fields, every
# posting's positions as bytes, each rebuilt through a codecs call) are what made decoding
# slow, and only phrase queries need them: Whoosh reads those itself.
_HEAD = re.compile(rb"\x80\x02\((?:K.|M..|J....)*t(?:q.)?(?:N|\((?:G.{8})*t(?:q.)?|G.{8})", re.DOTALL)
_MIN_COUNT = 4  # shorter tuples are pickled without MARK; Whoosh decodes those blocks


def _ids_and_weights(matcher: Any, count: int) -> tuple[tuple[int, ...], Any] | None:
    """(id deltas, weights) of the matcher's current block, without its values; None if the block
    is not laid out as ``_HEAD`` expects."""
    if count < _MIN_COUNT:
        return None
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    # At most 5 bytes an id and 9 a weight: inflate only what can hold them.
    wanted = 14 * count + 16
    data = zlib.decompressobj().decompress(raw, wanted) if matcher._compression else raw[:wanted]
    head = _HEAD.match(data)
    if head is None:
        return None
    deltas, block_weights = pickle.loads(head.group() + b"\x86.")  # TUPLE2, STOP
    if len(deltas) != count or isinstance(block_weights, tuple) and len(block_weights) != count:
        return None
    return deltas, block_weights
