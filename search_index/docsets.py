"""The set of documents matching a query, fast.

Counting results and facets needs every matching docnum, not just the top 20. Whoosh
produces them by stepping nested union/intersection matchers one posting at a time in
Python, which dominated search latency. Here Term/And/Or/Not are evaluated with Python
sets built from posting lists (cached per searcher), and anything else (phrases…) is
delegated to Whoosh. ``tests/search_index/test_search_docsets.py`` checks both agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher

TERM_CACHE_SIZE = 512


def _leaf_ids(matcher: Any) -> list[int]:
    """All ids of a fresh posting matcher; a block at a time when we can."""
    ids: list[int] = []
    # W3LeafMatcher (whoosh-reloaded 2.7.5, pinned) keeps each decoded block in ``_ids``;
    # copying whole blocks is ~20× faster than yielding postings one by one.
    if all(hasattr(matcher, a) for a in ("_ids", "_i", "_blocklength", "_read_ids", "_next_block")):
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            ids.extend(matcher._ids[matcher._i : matcher._blocklength])
            matcher._next_block()
        return ids
    return list(matcher.all_ids())


class DocSets:
    """Evaluates queries to docnum sets over one searcher; caches term sets."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self._terms: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._lock = threading.Lock()
        self._every: frozenset[int] | None = None

    def every(self) -> frozenset[int]:
        if self._every is None:
            self._every = frozenset(self.searcher.docs_for_query(wq.Every()))
        return self._every

    def term(self, fieldname: str, text: Any) -> frozenset[int]:
        key = (fieldname, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        found: list[int] = []
        for reader, offset in self._leaves:
            if (fieldname, text) not in reader:
                continue
            matcher = reader.postings(fieldname, text)
            excluded: Any = ()
            if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
                excluded, matcher = matcher._ids, matcher.child
            found.extend(d + offset for d in _leaf_ids(matcher) if d not in excluded)
        result = frozenset(found)
        with self._lock:
            self._terms[key] = result
            while len(self._terms) > TERM_CACHE_SIZE:
                self._terms.popitem(last=False)
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
        return set(self.searcher.docs_for_query(q))  # phrases and anything exotic
