"""Faster index writing: the same segment files as Whoosh writes, with less Python per posting.

Every posting a writer produces (about 780 a document here, words and bigrams) passes through
two stages that cost more than the analysis itself (issue 11: a rebuild ran at 0.50× the
analyzer's throughput):

1. **The pool** sorts postings by (field, term, document), spilling sorted runs to disk, and
   merges the runs when the segment is written. Whoosh's ``PostingPool`` pickles and unpickles
   each posting on its own. :class:`ChunkedPostingPool` writes a run as pickled lists of
   ``CHUNK`` postings and merges runs with :func:`heapq.merge`. The order is Whoosh's: plain
   tuple order, which never gets past the document number, since (field, term, document) is
   unique per posting.
2. **Writing the postings** looks up each posting's field length in the new segment: Whoosh
   seeks and reads the lengths column once a posting. :func:`add_postings` asks once a
   document and field instead, through the same ``doc_field_length``, and looks the answer up.

Whoosh's ``SegmentWriter`` ignores its ``poolclass`` argument and builds a ``PostingPool`` by
name (whoosh-reloaded 2.7.5, pinned), so :func:`install` rebinds that name and the field
writer's ``add_postings``. Both reach the multi-process writer's sub-writers, forked from this
process. ``tests/search_index/test_search_bulk_writing.py`` checks that the files hold the
same postings as Whoosh's own writing.
"""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from whoosh import writing
from whoosh.codec import base, whoosh3

CHUNK = 20_000
# What a posting costs in memory: a 5-tuple, the term's and the value's bytes, docnum and weight.
POSTING_BYTES = 200
_whoosh_add_postings = base.FieldWriter.add_postings


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
        current.sort()
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
        return heapq.merge(*(self._read_run(path) for path in paths))

    def items(self, maxfiles: int = 128) -> Iterator[tuple]:
        if not self.runs:
            return iter(self._sorted_current())
        return super().items(maxfiles)


class RememberedLengths:
    """``doc_field_length`` of ``lengths``, asked once per document and field, then looked up."""

    def __init__(self, lengths: Any) -> None:
        self._lengths = lengths
        self._documents = lengths.doc_count_all()
        self._known: dict[tuple[str, int], list[Any]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        known = self._known.get((fieldname, default))
        if known is None:
            ask = self._lengths.doc_field_length
            known = self._known[fieldname, default] = [ask(n, fieldname, default) for n in range(self._documents)]
        if 0 <= docnum < self._documents:
            return known[docnum]
        return self._lengths.doc_field_length(docnum, fieldname, default)


def add_postings(self: Any, schema: Any, lengths: Any, items: Iterable[tuple]) -> None:
    return _whoosh_add_postings(self, schema, RememberedLengths(lengths) if lengths else lengths, items)


def install() -> None:
    """Make every Whoosh writer in this process (and processes forked from it) write this way."""
    writing.PostingPool = ChunkedPostingPool
    whoosh3.W3FieldWriter.add_postings = add_postings
