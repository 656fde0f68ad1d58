"""Faster index writing: the same segment files as Whoosh writes, with less Python per posting.

Every posting a writer produces (about 780 a document here, words and bigrams) passes through
two stages that cost more than the analysis itself (issue 11: a rebuild ran at 0.50× the
analyzer's throughput):

1. **The pool** sorts postings by (field, term, document), spilling sorted runs to disk, and
   merges the runs when the segment is written. Whoosh's ``PostingPool`` pickles, unpickles
   and heap-merges each posting on its own. :class:`ChunkedPostingPool` sorts a run, groups it
   by term, and writes the groups as pickled chunks: a group is a term and its documents,
   weights and values as three tuples. Runs are merged a term at a time; a term found in
   several runs gets their documents one after the other, since each run holds later
   documents than the one before it (documents are numbered in the order they are added).
2. **Writing the postings.** Whoosh's field writer takes one posting at a time: a method call,
   type checks, running statistics and a look-up of the field's length in the new segment's
   column file. :func:`add_postings` takes a term's postings a block at a time instead (the
   same blocks: ``blocklimit`` postings, the rest at ``finish_term``), with each document's
   field lengths read once (:class:`RememberedLengths`) and the block's statistics computed
   over the whole block, as Whoosh's running ones end up.

Whoosh's ``SegmentWriter`` ignores its ``poolclass`` argument and builds a ``PostingPool`` by
name (whoosh-reloaded 2.7.5, pinned), so :func:`install` rebinds that name and the field
writer's ``add_postings``. Both reach the multi-process writer's sub-writers, forked from this
process. Postings from anywhere else (a merge of segments) are written by Whoosh's own code.
``tests/search_index/test_search_bulk_writing.py`` checks that the postings files are the
bytes Whoosh writes. Common terms' lists are also written ready to read (``decoded``).
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from whoosh import writing
from whoosh.codec import base, whoosh3

from .decoded import DecodedListsWriter

# Postings per pickled chunk of a run: big enough that pickling is a few calls, small enough
# that merging dozens of runs holds little of each in memory.
CHUNK = 20_000
# What a posting costs in memory: a 5-tuple, the term's and the value's bytes, docnum and weight.
POSTING_BYTES = 200
_whoosh_add_postings = base.FieldWriter.add_postings
_term_of = itemgetter(0, 1)

# A term's postings in a run: (field, term, documents, weights, values), the last three tuples.
Group = tuple[str, bytes, tuple, tuple, tuple]


class TermPostings:
    """What the pool hands the field writer: a term at a time, or flat postings for anyone else.

    ``terms()`` yields (field, term, parts): parts are (documents, weights, values) tuples in
    document order, one per run the term was found in. Iterating yields Whoosh's postings,
    (field, term, docnum, weight, value), in order.
    """

    def __init__(self, terms: Iterator[tuple[str, bytes, list[tuple]]]) -> None:
        self._terms = terms

    def terms(self) -> Iterator[tuple[str, bytes, list[tuple]]]:
        return self._terms

    def __iter__(self) -> Iterator[tuple]:
        for field, text, parts in self._terms:
            for docnums, weights, values in parts:
                for posting in zip(docnums, weights, values):
                    yield (field, text, *posting)


class ChunkedPostingPool(writing.PostingPool):
    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.max_postings = max(1_000, self.limit // POSTING_BYTES)

    def add(self, item: tuple) -> None:
        current = self.current
        current.append(item)
        if len(current) >= self.max_postings:
            self.save()

    def _sorted_groups(self) -> Iterator[Group]:
        """The postings in memory, sorted and grouped by term. Spelling-only postings (document
        −1) are left out here; Whoosh's field writer skips them too."""
        current = self.current
        self.fieldnames.update({item[0] for item in current})
        current.sort()
        for (field, text), postings in groupby(current, key=_term_of):
            _fields, _texts, docnums, weights, values = zip(*postings)
            if docnums[0] == -1:
                start = docnums.count(-1)
                if start == len(docnums):
                    continue
                docnums, weights, values = docnums[start:], weights[start:], values[start:]
            yield field, text, docnums, weights, values

    def save(self) -> None:
        if self.current:
            path, handle = self._new_run()
            self._write_run(handle, self._sorted_groups())
            self.runs.append(path)
            self.current = []

    def _write_run(self, handle: Any, groups: Iterable[Group]) -> None:
        with handle:
            chunk: list[Group] = []
            size = 0
            for group in groups:
                chunk.append(group)
                size += len(group[2])
                if size >= CHUNK:
                    pickle.dump(chunk, handle, pickle.HIGHEST_PROTOCOL)
                    chunk, size = [], 0
            if chunk:
                pickle.dump(chunk, handle, pickle.HIGHEST_PROTOCOL)

    def _read_run(self, path: str) -> Iterator[Group]:
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

    def _merged_terms(self, paths: list[str]) -> Iterator[tuple[str, bytes, list[tuple]]]:
        """Each term once, with its parts from every run, earlier runs first (heapq.merge keeps
        the order of its inputs among equal keys)."""
        merged = heapq.merge(*(self._read_run(path) for path in paths), key=_term_of)
        for (field, text), groups in groupby(merged, key=_term_of):
            yield field, text, [group[2:] for group in groups]

    def reduce_to(self, target: int, k: int) -> None:
        """Merge neighbouring runs, k at a time, until at most ``target`` are left. (Whoosh's
        merges runs from both ends, which would put later documents before earlier ones.)"""
        while len(self.runs) > target:
            reduced = []
            for start in range(0, len(self.runs), k):
                batch = self.runs[start:start + k]
                if len(batch) == 1:
                    reduced.extend(batch)
                    continue
                path, handle = self._new_run()
                self._write_run(handle, ((field, text, *_joined(parts))
                                         for field, text, parts in self._merged_terms(batch)))
                reduced.append(path)
            self.runs = reduced

    def items(self, maxfiles: int = 128) -> TermPostings:
        if not self.runs:
            return TermPostings((field, text, [tuple(rest)]) for field, text, *rest in self._sorted_groups())
        self.save()
        if len(self.runs) > maxfiles:
            self.reduce_to(maxfiles, maxfiles)
        runs, self.runs = self.runs, []
        return TermPostings(self._merged_terms(runs))


def _joined(parts: list[tuple]) -> tuple[tuple, tuple, tuple]:
    if len(parts) == 1:
        return parts[0]
    return tuple(tuple(chain.from_iterable(column)) for column in zip(*parts))


class RememberedLengths:
    """``doc_field_length`` of ``lengths``, asked once per document and field, then looked up."""

    def __init__(self, lengths: Any) -> None:
        self._lengths = lengths
        self._documents = lengths.doc_count_all()
        self._known: dict[tuple[str, int], list[Any]] = {}

    def of_field(self, fieldname: str, default: int = 0) -> list[Any]:
        """Every document's length in ``fieldname``, by document number."""
        known = self._known.get((fieldname, default))
        if known is None:
            ask = self._lengths.doc_field_length
            known = self._known[fieldname, default] = [ask(n, fieldname, default) for n in range(self._documents)]
        return known

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        if 0 <= docnum < self._documents:
            return self.of_field(fieldname, default)[docnum]
        return self._lengths.doc_field_length(docnum, fieldname, default)


def add_postings(self: Any, schema: Any, lengths: Any, items: Iterable[tuple]) -> None:
    remembered = RememberedLengths(lengths) if lengths else None
    if not isinstance(items, TermPostings):
        return _whoosh_add_postings(self, schema, remembered or lengths, items)
    field = None
    ready = DecodedListsWriter(self._create_file)
    for fieldname, text, parts in items.terms():
        if fieldname != field:
            if field is not None:
                self.finish_field()
            self.start_field(fieldname, schema[fieldname])
            field = fieldname
            field_lengths = remembered.of_field(fieldname) if remembered else None
        self.start_term(text)
        postings = _joined(parts)
        _add_term(self._postwriter, postings, field_lengths)
        ready.add(fieldname, text, postings[0], postings[1])
        self.finish_term()
    if field is not None:
        self.finish_field()
    ready.close()


def _add_term(writer: Any, postings: tuple[tuple, tuple, tuple], lengths: list[int] | None) -> None:
    """A term's postings into Whoosh's postings writer, a block at a time, leaving the last block
    buffered for ``finish_term`` as ``add_posting`` does."""
    docnums, weights, values = postings
    if type(writer) is not whoosh3.W3PostingsWriter or writer._byteids:
        for docnum, weight, value in zip(docnums, weights, values):
            writer.add_posting(docnum, weight, value or b"", lengths[docnum] if lengths else 0)
        return
    limit = writer._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            writer._write_block()
        end = start + limit
        block_docnums = docnums[start:end]
        block_weights = weights[start:end]
        writer._ids = array("I", block_docnums)
        writer._weights = array("f", block_weights)
        writer._values = [value for value in values[start:end] if value]
        heaviest = max(block_weights)
        writer._maxweight = heaviest if heaviest > 0 else 0
        # Whoosh's block statistics count only non-zero lengths.
        known = [length for length in map(lengths.__getitem__, block_docnums) if length] if lengths else ()
        writer._minlength = min(known) if known else None
        writer._maxlength = max(known) if known else 0


def install() -> None:
    """Make every Whoosh writer in this process (and processes forked from it) write this way."""
    writing.PostingPool = ChunkedPostingPool
    whoosh3.W3FieldWriter.add_postings = add_postings
