"""The set of documents matching a query, fast.

Counting results and facets needs every matching docnum, not just the top 20. Whoosh
produces them by stepping nested union/intersection matchers one posting at a time in
Python, which dominated search latency. Here Term/And/Or/Not/AndMaybe (its required side) are
evaluated with Python sets built from posting lists (cached per searcher), and anything else
(phrases…) is delegated to Whoosh, its result cached too.
``tests/search_index/test_search_docsets.py`` checks both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from .lru import ByteBoundedLRU, docset_bytes, share_of_budget
from .postings import Postings

# Term sets of one searcher: a fifth of the search caches' byte budget. A term's set is
# rebuilt from its cached postings in a millisecond or two.
DOCSETS_SHARE = 0.2
# Phrase (and other delegated) sets keep a share of their own: Whoosh checks positions for them,
# tens of milliseconds at 100 000 documents, and in one cache the big sets of common words
# pushed them out between two searches for the same phrase (issue 11: "占道经营" took 61 ms in
# every round of the benchmark, 7 ms when kept).
QUERY_SETS_SHARE = 0.05


class DocSets:
    """Evaluates queries to docnum sets over one searcher; caches term and phrase sets."""

    def __init__(self, searcher: Searcher, postings: Postings) -> None:
        self.searcher = searcher
        self._postings = postings
        self._sets: ByteBoundedLRU[frozenset[int]] = ByteBoundedLRU(share_of_budget(DOCSETS_SHARE), docset_bytes)
        self._query_sets: ByteBoundedLRU[frozenset[int]] = ByteBoundedLRU(share_of_budget(QUERY_SETS_SHARE),
                                                                          docset_bytes)
        self._every: frozenset[int] | None = None

    def every(self) -> frozenset[int]:
        if self._every is None:
            self._every = frozenset().union(*(_live_docnums(sub.reader(), offset)
                                              for sub, offset in self.searcher.leaf_searchers()))
        return self._every

    def term(self, fieldname: str, text: Any) -> frozenset[int]:
        return self._cached_set((fieldname, text), lambda: self._postings.get(fieldname, text)[0])

    def _prefix(self, fieldname: str, prefix: str) -> set[int]:
        found: set[int] = set()
        for text in self.searcher.reader().expand_prefix(fieldname, prefix):
            found.update(self._postings.get(fieldname, text)[0])
        return found

    def _cached_set(self, key: Any, compute: Callable[[], Iterable[int]]) -> frozenset[int]:
        return self._sets.get_or_compute(key, lambda: frozenset(compute()))

    def _members(self, q: wq.Query) -> Iterable[int]:
        """What ``of`` gives, except that a term not in the cache comes straight from its postings.

        An OR (a word in each field it is searched in) reads each term's documents once: updating
        one set from each list skips building a set per term. For a common word (问题: eight
        fields, up to 50 000 documents each) that took 14 ms of a search, 3 ms now. AND keeps
        its terms' sets (filters, a run's bigrams): intersecting them starts from the smallest.
        """
        if type(q) is wq.Term:
            cached = self._sets.get((q.fieldname, q.text))
            return cached if cached is not None else self._postings.docnums(q.fieldname, q.text)
        return self.of(q)

    def of(self, q: wq.Query) -> frozenset[int] | set[int]:
        kind = type(q)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text)
        if kind is wq.Every:
            return self.every()
        if kind is wq.Prefix:  # one-character gram search: every gram starting with it
            return self._cached_set(("prefix", q.fieldname, q.text), lambda: self._prefix(q.fieldname, q.text))
        if q is wq.NullQuery:
            return frozenset()
        if kind is wq.Or:
            found: set[int] = set()
            for sub in q.subqueries:
                found.update(self._members(sub))
            return found
        if kind is wq.Not:
            return self.every() - self.of(q.query)
        if kind is wq.AndMaybe:  # the optional side only ranks
            return self.of(q.a)
        if kind is wq.And:
            positive = [self.of(s) for s in q.subqueries if type(s) is not wq.Not]
            negative = [self.of(s.query) for s in q.subqueries if type(s) is wq.Not]
            if not positive:
                positive = [self.every()]
            positive.sort(key=len)
            result = set(positive[0]).intersection(*positive[1:])
            return result.difference(*negative)
        # Phrases (and anything exotic): Whoosh checks positions, slowly; queries hash by value.
        return self._query_sets.get_or_compute(q, lambda: frozenset(self.searcher.docs_for_query(q)))


def _live_docnums(reader: Any, offset: int) -> frozenset[int]:
    """The segment's undeleted documents as searcher docnums. Whoosh's ``Every`` steps through
    them asking ``is_deleted`` of each: 90 ms at 100 000 documents, for every browse page of a
    new searcher; ranges and set difference are C loops."""
    docnums = frozenset(range(offset, offset + reader.doc_count_all()))
    if not reader.has_deletions():
        return docnums
    return docnums - frozenset(map(offset.__add__, reader.deleted_docs_set))
