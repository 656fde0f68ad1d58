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
            self._every = frozenset(self.searcher.docs_for_query(wq.Every()))
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
            return frozenset().union(*(self.of(sub) for sub in q.subqueries))
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
