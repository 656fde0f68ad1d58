"""A faster posting pool for Whoosh's writers: the same postings in the same order, written in chunks.

Every posting a writer produces passes through a pool that sorts them by (field, term, document)
before they are written as posting lists, spilling sorted runs to disk when it holds ``limitmb``.
Whoosh's own pool (``whoosh.writing.PostingPool``) pickles and unpickles each posting on its own
and sorts whole 5-tuples; at 780 postings a document that was most of a rebuild's time, more
than the analysis it measures itself against (issue 11). This pool:

- sorts by the (field, term, document) key only: the three are unique per posting, so the
  order is exactly Whoosh's, and the weight and value bytes are never compared;
- writes a run as pickled lists of ``CHUNK`` postings, and reads it back a chunk at a time;
- merges runs with :func:`heapq.merge` on the same key;
- checks its size by count, at ``POSTING_BYTES`` a posting, instead of adding up each one.

Whoosh's ``SegmentWriter`` ignores its ``poolclass`` argument and builds a ``PostingPool`` by
name (whoosh-reloaded 2.7.5, pinned). :func:`install` rebinds that name, which also reaches
the multi-process writer's sub-writers: they are forked from this process.
"""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import itemgetter
from typing import Any

from whoosh import writing

CHUNK = 20_000
# What a posting costs in memory: a 5-tuple, the term's and the value's bytes, docnum and weight.
POSTING_BYTES = 200
_sort_key = itemgetter(0, 1, 2)  # (fieldname, term bytes, docnum)


class ChunkedPostingPool(writing.PostingPool):
    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.max_postings = max(1_000, self.limit // POSTING_BYTES)

    def add(self, item: tuple) -> None:
        current = self.current
        current.append(item)
        if len(current) >= self.max_postings:
            self.save()

    def _sorted_current(self) -> list[tuple]:
        current = self.current
        self.fieldnames.update({item[0] for item in current})
        current.sort(key=_sort_key)
        return current

    def save(self) -> None:
        if self.current:
            path, handle = self._new_run()
            self._write_run(handle, self._sorted_current())
            self.runs.append(path)
            self.current = []

    def _write_run(self, handle: Any, items: Iterable[tuple]) -> None:
        with handle:
            if isinstance(items, list):
                for start in range(0, len(items), CHUNK):
                    pickle.dump(items[start:start + CHUNK], handle, pickle.HIGHEST_PROTOCOL)
            else:  # a merge of runs (reduce_to)
                iterator = iter(items)
                while chunk := list(islice(iterator, CHUNK)):
                    pickle.dump(chunk, handle, pickle.HIGHEST_PROTOCOL)

    def _read_run(self, path: str) -> Iterator[tuple]:
        handle = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(handle)
                except EOFError:
                    return
                yield from chunk
        finally:
            handle.close()
            self._remove_run(path)

    def _merge_runs(self, paths: list[str]) -> Iterator[tuple]:
        return heapq.merge(*(self._read_run(path) for path in paths), key=_sort_key)

    def items(self, maxfiles: int = 128) -> Iterator[tuple]:
        if not self.runs:
            return iter(self._sorted_current())
        return super().items(maxfiles)


def install() -> None:
    """Make every Whoosh writer in this process (and processes forked from it) use the pool."""
    writing.PostingPool = ChunkedPostingPool
