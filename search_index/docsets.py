"""The set of documents matching a query, fast.

Counting results and facets needs every matching docnum, not just the top 20. Whoosh
produces them by stepping nested union/intersection matchers one posting at a time in
Python, which dominated search latency. Here Term/And/Or/Not are evaluated with Python
sets built from posting lists (cached per searcher), and anything else (phrases…) is
delegated to Whoosh, its result cached too. ``tests/search_index/test_search_docsets.py`` checks both agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from .postings import Postings

# Cached sets hold at most this many docnums in all, so a worker's memory stays bounded.
MAX_CACHED_DOCNUMS = 1_000_000


class DocSets:
    """Evaluates queries to docnum sets over one searcher; caches term and phrase sets."""

    def __init__(self, searcher: Searcher, postings: Postings) -> None:
        self.searcher = searcher
        self._postings = postings
        self._sets: OrderedDict[Any, frozenset[int]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self._every: frozenset[int] | None = None

    def every(self) -> frozenset[int]:
        if self._every is None:
            self._every = frozenset(self.searcher.docs_for_query(wq.Every()))
        return self._every

    def term(self, fieldname: str, text: Any) -> frozenset[int]:
        return self._cached_set((fieldname, text), lambda: self._postings.get(fieldname, text)[0])

    def _cached_set(self, key: Any, compute: Callable[[], Iterable[int]]) -> frozenset[int]:
        with self._lock:
            cached = self._sets.get(key)
            if cached is not None:
                self._sets.move_to_end(key)
                return cached
        result = frozenset(compute())
        with self._lock:
            if key not in self._sets:
                self._sets[key] = result
                self._cached += len(result)
                while self._cached > MAX_CACHED_DOCNUMS and len(self._sets) > 1:
                    _, dropped = self._sets.popitem(last=False)
                    self._cached -= len(dropped)
        return result

    def of(self, q: wq.Query) -> frozenset[int] | set[int]:
        kind = type(q)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text)
        if kind is wq.Every:
            return self.every()
        if q is wq.NullQuery:
            return frozenset()
        if kind is wq.Or:
            return frozenset().union(*(self.of(sub) for sub in q.subqueries))
        if kind is wq.Not:
            return self.every() - self.of(q.query)
        if kind is wq.And:
            positive = [self.of(s) for s in q.subqueries if type(s) is not wq.Not]
            negative = [self.of(s.query) for s in q.subqueries if type(s) is wq.Not]
            if not positive:
                positive = [self.every()]
            positive.sort(key=len)
            result = set(positive[0]).intersection(*positive[1:])
            return result.difference(*negative)
        # Phrases (and anything exotic): Whoosh checks positions, slowly; queries hash by value.
        return self._cached_set(("query", q), lambda: self.searcher.docs_for_query(q))
