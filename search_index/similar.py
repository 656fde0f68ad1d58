"""Suggestions similar to a draft: key terms of the draft, scored by BM25 over the index.

The draft is segmented like a query (accurate-mode jieba words); its terms are weighted by
tf × idf *in this index* (so words every suggestion uses, like 问题 or 我们, count for
little), the strongest become one OR query over title and body, and BM25 ranks the
published suggestions. Only what is in the index is used: nothing is learned elsewhere.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING

from whoosh import query as wq

from .analysis import ChineseAnalyzer
from .query import Hit, make_hit

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from .store import SearchIndex

MAX_TERMS = 30
MAX_DRAFT_CHARS = 5000
_analyzer = ChineseAnalyzer()


def key_terms(searcher: Searcher, text: str, limit: int = MAX_TERMS) -> list[tuple[str, float]]:
    """The draft's most distinctive indexed terms with a tf-idf weight, strongest first."""
    counts = Counter(
        t.text for t in _analyzer(text[:MAX_DRAFT_CHARS], mode="query") if len(t.text) > 1
    )
    total_docs = max(1, searcher.doc_count())
    weighted = []
    for term, tf in counts.items():
        df = searcher.doc_frequency("body", term) + searcher.doc_frequency("title", term)
        if df == 0:
            continue  # cannot match anything
        idf = math.log(1 + total_docs / df)
        weighted.append((term, math.sqrt(tf) * idf))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:limit]


def neighbours(
    index: SearchIndex,
    text: str,
    limit: int,
    exclude_doc_ids: Collection[str] = (),
    exclude_object_ids: Collection[int] = (),
) -> list[Hit]:
    """Best-first suggestion hits for ``text``; [] if the index is unavailable."""
    from .store import IndexUnavailable

    excluded_docs, excluded_objects = set(exclude_doc_ids), set(exclude_object_ids)
    try:
        with index.searcher() as searcher:
            terms = key_terms(searcher, text or "")
            if not terms:
                return []
            clauses: list[wq.Query] = []
            for term, weight in terms:
                clauses.append(wq.Term("title", term, boost=weight))
                clauses.append(wq.Term("body", term, boost=weight))
            q = wq.Or(clauses)
            ranked = searcher.search(
                q, filter=wq.Term("kind", "suggestion"), limit=limit + len(excluded_docs) + len(excluded_objects)
            )
            hits = []
            for hit in ranked:
                stored = hit.fields()
                if stored.get("doc_id") in excluded_docs or stored.get("object_id") in excluded_objects:
                    continue
                hits.append(make_hit(stored, None, hit.score))
                if len(hits) == limit:
                    break
            return hits
    except IndexUnavailable:
        return []


def similar(index: SearchIndex, text: str, limit: int = 5, exclude_doc_ids: Collection[str] = ()) -> list[Hit]:
    return neighbours(index, text, limit, exclude_doc_ids=exclude_doc_ids)
