"""The set of documents matching a query, fast.

Counting results and facets needs every matching docnum, not just the top 20. Whoosh
produces them by stepping nested union/intersection matchers one posting at a time in
Python, which dominated search latency. Here Term/And/Or/Not/AndMaybe (its required side) are
evaluated as numpy boolean masks over the whole index (one byte a document), filled straight
from the cached posting arrays; anything else (phrases…) is delegated to Whoosh, its result
cached. ``tests/search_index/test_search_docsets.py`` checks both agree.

Masks, not sets: at 100 000 documents a common word (问题: eight fields, up to 50 000 documents
each) took 25 ms to gather into a Python set on its first search; filling a mask from the same
arrays takes well under a millisecond, so a term's set is no longer worth caching at all.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from .lru import ByteBoundedLRU, array_bytes, share_of_budget
from .postings import Postings

# Phrase (and other delegated) sets and one-character prefix searches keep a share of the search
# caches: Whoosh checks a phrase's positions, tens of milliseconds at 100 000 documents, and a
# prefix expands to hundreds of gram terms (issue 11: "占道经营" took 61 ms in every round of the
# benchmark when common words pushed it out, 7 ms when kept). Kept as docnum arrays.
QUERY_SETS_SHARE = 0.1


class DocSet:
    """Searcher docnums as a read-only boolean mask over the whole index."""

    __slots__ = ("mask", "_count")

    def __init__(self, mask: np.ndarray) -> None:
        mask.flags.writeable = False  # shared by a search's steps and by caches: never changed in place
        self.mask = mask
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(np.count_nonzero(self.mask))
        return self._count

    def __iter__(self) -> Iterator[int]:
        return iter(self.docnums().tolist())

    def __contains__(self, docnum: object) -> bool:
        try:
            position = operator.index(docnum)  # an int or a numpy integer
        except TypeError:
            return False
        return 0 <= position < len(self.mask) and bool(self.mask[position])

    def docnums(self) -> np.ndarray:
        """The members in increasing order."""
        return np.flatnonzero(self.mask)


def as_mask(docs: DocSet | Iterable[int], size: int) -> np.ndarray:
    """The mask of a ``DocSet``, or of any collection of docnums (tests, callers holding a set)."""
    if isinstance(docs, DocSet):
        return docs.mask
    mask = np.zeros(size, dtype=bool)
    mask[np.fromiter(docs, dtype=np.intp)] = True
    return mask


class DocSets:
    """Evaluates queries to ``DocSet``s over one searcher; caches phrase and prefix sets."""

    def __init__(self, searcher: Searcher, postings: Postings) -> None:
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._postings = postings
        self._query_sets: ByteBoundedLRU[np.ndarray] = ByteBoundedLRU(share_of_budget(QUERY_SETS_SHARE),
                                                                      array_bytes)
        self._live: np.ndarray | None = None
        self._has_deletions = any(sub.reader().has_deletions() for sub, _offset in searcher.leaf_searchers())

    def every(self) -> DocSet:
        return DocSet(self._live_mask())

    def term(self, fieldname: str, text: Any) -> DocSet:
        return DocSet(self._live_only(self._fill(self._empty(), fieldname, text)))

    def of(self, q: wq.Query) -> DocSet:
        return DocSet(self._mask(q))

    def _mask(self, q: wq.Query) -> np.ndarray:
        """A new mask (the caller may change it) of the live documents matching ``q``."""
        kind = type(q)
        if kind is wq.Term:
            return self._live_only(self._fill(self._empty(), q.fieldname, q.text))
        if kind is wq.Every:
            return self._live_mask().copy()
        if q is wq.NullQuery:
            return self._empty()
        if kind is wq.Or:
            found = self._empty()
            for sub in q.subqueries:
                if type(sub) is wq.Term:  # straight from its postings, no mask of its own
                    self._fill(found, sub.fieldname, sub.text)
                else:
                    found |= self._mask(sub)
            return self._live_only(found)
        if kind is wq.Not:
            return self._live_mask() & ~self._mask(q.query)
        if kind is wq.AndMaybe:  # the optional side only ranks
            return self._mask(q.a)
        if kind is wq.And:
            positive = [s for s in q.subqueries if type(s) is not wq.Not]
            result = self._mask(positive[0]) if positive else self._live_mask().copy()
            for sub in positive[1:]:
                result &= self._mask(sub)
            for sub in q.subqueries:
                if type(sub) is wq.Not:
                    result &= ~self._mask(sub.query)
            return result
        if kind is wq.Prefix:  # one-character gram search: every gram starting with it
            docnums = self._query_sets.get_or_compute(("prefix", q.fieldname, q.text),
                                                      lambda: self._prefix(q.fieldname, q.text))
        else:  # phrases (and anything exotic): Whoosh checks positions, slowly; queries hash by value
            docnums = self._query_sets.get_or_compute(
                q, lambda: np.fromiter(self.searcher.docs_for_query(q), dtype=np.int32))
        found = self._empty()
        found[docnums] = True
        return self._live_only(found)

    def _prefix(self, fieldname: str, prefix: str) -> np.ndarray:
        found = self._empty()
        for text in self.searcher.reader().expand_prefix(fieldname, prefix):
            self._fill(found, fieldname, text)
        return np.flatnonzero(found).astype(np.int32)

    def _fill(self, mask: np.ndarray, fieldname: str, text: Any) -> np.ndarray:
        for docnums, _weights in self._postings.arrays(fieldname, text):
            mask[docnums] = True
        return mask

    def _empty(self) -> np.ndarray:
        return np.zeros(self.size, dtype=bool)

    def _live_only(self, mask: np.ndarray) -> np.ndarray:
        if self._has_deletions:
            mask &= self._live_mask()
        return mask

    def _live_mask(self) -> np.ndarray:
        """Every undeleted document (Whoosh's ``Every`` asked ``is_deleted`` of each: 90 ms at
        100 000 documents for every browse page of a new searcher)."""
        if self._live is None:
            live = np.ones(self.size, dtype=bool)
            for sub, offset in self.searcher.leaf_searchers():
                reader = sub.reader()
                if reader.has_deletions():
                    live[np.fromiter(reader.deleted_docs_set, dtype=np.intp) + offset] = False
            live.flags.writeable = False
            self._live = live
        return self._live
