"""Relevance ranking: BM25F over the already-known set of matching documents.

Whoosh ranks by stepping nested union/intersection matchers one posting at a time in
Python; at 100 000 documents a common word (问题) took 130 ms and two common words ANDed
over 100 ms. We already hold every matching docnum (``DocSets``), so ranking only needs a
score per matching document. For each query word we build, once per searcher, two numpy
arrays: the documents holding it and its BM25F contribution in each, summed over the fields the
query searches it in; a document's score is the sum over the words, added in a fixed order.

Same formula and parameters as Whoosh's default ``BM25F``: B = 0.75, K1 = 1.2,
idf = log(N / (df + 1)) + 1, field lengths as Whoosh stores them (one byte, lossy), and
field boosts (title × 3) already multiplied into the posting weights at index time.
``tests/search_index/test_search_ranking.py`` checks the scores against Whoosh's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from math import log
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from .docsets import DocSet
from .lru import ByteBoundedLRU, array_bytes, share_of_budget
from .postings import Postings
from .schema import SCORED_FIELDS

# A word's documents (increasing docnums) and its score in each.
ScoreMap = tuple[np.ndarray, np.ndarray]

B = 0.75
K1 = 1.2
# Score maps of one searcher: a quarter of the search caches' byte budget, so a worker's memory
# stays bounded however many different words visitors search for.
SCORE_MAPS_SHARE = 0.25


def _positive_nodes(q: wq.Query) -> Iterator[wq.Query]:
    """Every node of ``q`` that can raise a score: not under NOT nor on the right of ANDNOT,
    whose words only exclude documents."""
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, wq.Not):
            continue
        if isinstance(node, wq.AndNot):
            stack.append(node.a)
            continue
        yield node
        stack.extend(node.children())


def positive_terms(q: wq.Query) -> dict[str, set[str]]:
    """word → text (or gram) fields it is searched in, for every term that can raise a score.

    One-character prefix searches don't count (their documents are scored by the word side).
    """
    found: dict[str, set[str]] = {}
    for node in _positive_nodes(q):
        if isinstance(node, (wq.Term, wq.Phrase)) and node.field() in SCORED_FIELDS:
            words = [node.text] if isinstance(node, wq.Term) else node.words
            for word in words:
                text = word.decode("utf-8") if isinstance(word, bytes) else word
                found.setdefault(text, set()).add(node.field())
    return found


def preferred_queries(q: wq.Query) -> list[wq.Query]:
    """The optional sides of the AndMaybe nodes of ``q`` (outside NOT), each Or split into its
    parts. A document matching more of them ranks first, whatever its score: they are a query's
    edge grams with its runs, so the title holding the typed punctuation verbatim leads."""
    found: list[wq.Query] = []
    for node in _positive_nodes(q):
        if isinstance(node, wq.AndMaybe):
            found.extend(node.b.subqueries if type(node.b) is wq.Or else [node.b])
    return found


class Ranker:
    """Ranks docnums of one searcher; safe to share between threads."""

    def __init__(self, searcher: Searcher, postings: Postings, max_bytes: int | None = None) -> None:
        self.searcher = searcher
        self._postings = postings
        self._leaves = [sub.reader() for sub, _offset in searcher.leaf_searchers()]
        self._doc_count = searcher.doc_count_all()
        self._maps: ByteBoundedLRU[ScoreMap] = ByteBoundedLRU(
            share_of_budget(SCORE_MAPS_SHARE) if max_bytes is None else max_bytes, array_bytes)
        self._norms: dict[str, np.ndarray] = {}
        self._lengths: dict[str, np.ndarray] = {}

    def top(self, q: wq.Query, matched: DocSet, n: int,
            preferred: Sequence[DocSet] = ()) -> list[tuple[int, float]]:
        """The ``n`` best (docnum, score) of ``matched`` for ``q``; equal scores in docnum order.

        A document in more of the ``preferred`` sets (see ``preferred_queries``) ranks first.
        """
        maps = [self.word_scores(word, fields) for word, fields in sorted(positive_terms(q).items())]
        maps = [m for m in maps if len(m[0])]
        docs = matched.docnums()
        if not maps and not preferred:
            return [(d, 0.0) for d in docs[:n].tolist()]
        total = self._sum(maps)
        scores = total[docs]
        if not preferred:
            best = docs[_best(scores, n)]
        else:
            held = np.zeros(len(docs), dtype=np.int32)
            for wanted in preferred:
                held += wanted.mask[docs]
            picked: list[np.ndarray] = []
            still = n
            for level in np.unique(held)[::-1]:  # most preferred sets held first, then by score
                group = np.flatnonzero(held == level)
                picked.append(group[_best(scores[group], still)])
                still -= len(picked[-1])
                if still <= 0:
                    break
            best = docs[np.concatenate(picked)]
        return list(zip(best.tolist(), total[best].tolist()))

    def _sum(self, maps: Sequence[ScoreMap]) -> np.ndarray:
        # In the order the words come, from 0.0: the same float additions as a sum word by word.
        total = np.zeros(self._doc_count)
        for docnums, scores in maps:
            total[docnums] += scores
        return total

    def weighted_top(self, weights: Iterable[tuple[str, float]], fields: Iterable[str],
                     allowed: DocSet, n: int) -> list[tuple[int, float]]:
        """The ``n`` best docnums of ``allowed`` by Σ weight × BM25F(word over ``fields``).

        What Whoosh scores for an OR of boosted terms (similar suggestions: up to 30 key words
        of a draft), accumulated word by word over each word's postings instead of stepping
        30 matchers in step.
        """
        return self.weighted_top_of([(weights, fields)], allowed, n)

    def weighted_top_of(self, groups: Iterable[tuple[Iterable[tuple[str, float]], Iterable[str]]],
                        allowed: DocSet, n: int) -> list[tuple[int, float]]:
        """``weighted_top`` summed over groups of (weighted terms, fields they are scored in)."""
        totals = np.zeros(self._doc_count)
        touched = np.zeros(self._doc_count, dtype=bool)
        for weights, fields in groups:
            fields = frozenset(fields)
            for word, weight in weights:
                docnums, scores = self.word_scores(word, fields)
                totals[docnums] += weight * scores
                touched[docnums] = True
        docs = np.flatnonzero(touched & allowed.mask)
        best = docs[_best(totals[docs], n)]
        return list(zip(best.tolist(), totals[best].tolist()))

    def word_scores(self, word: str, fields: Iterable[str]) -> ScoreMap:
        """(docnums, BM25F contribution of ``word`` summed over ``fields`` in each), cached."""
        key = (word, frozenset(fields))
        return self._maps.get_or_compute(key, lambda: self._word_scores(word, key[1]))

    def _word_scores(self, word: str, fields: frozenset[str]) -> ScoreMap:
        total = np.zeros(self._doc_count)
        held = np.zeros(self._doc_count, dtype=bool)
        for field in sorted(fields):  # fields in a fixed order, as the sums of a dict per field were
            parts = self._postings.arrays(field, word)
            if not parts:
                continue
            df = self.searcher.doc_frequency(field, word)
            numerator = (log(self._doc_count / (df + 1)) + 1) * (K1 + 1)  # idf · (K1 + 1)
            norm, lengths = self._norm(field), self._field_lengths(field)
            for docnums, weights in parts:
                # idf · w · (K1 + 1) / (w + norm[length byte]), for every posting at once
                total[docnums] += numerator * weights / (weights + norm[lengths[docnums]])
                held[docnums] = True
        docnums = np.flatnonzero(held).astype(np.int32)
        scores = total[docnums]
        docnums.flags.writeable = scores.flags.writeable = False  # cached and shared between threads
        return docnums, scores

    def _norm(self, field: str) -> np.ndarray:
        # K1 · ((1 − B) + B · length / average length), for each of the 256 stored length bytes
        norm = self._norms.get(field)
        if norm is None:
            average = self.searcher.avg_field_length(field) or 1
            norm = np.array([K1 * ((1 - B) + B * byte_to_length(b) / average) for b in range(256)])
            self._norms[field] = norm
        return norm

    def _field_lengths(self, field: str) -> np.ndarray:
        """The stored length byte of ``field`` for every searcher docnum."""
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = np.frombuffer(b"".join(_length_bytes(reader, field) for reader in self._leaves), dtype=np.uint8)
            self._lengths[field] = lengths
        return lengths


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest ``scores``, highest first, equal scores by position."""
    if n <= 0 or not len(scores):
        return np.zeros(0, dtype=np.intp)
    candidates = np.arange(len(scores))
    if n < len(scores):  # only those at least the n-th highest, ties at the edge included
        nth = np.partition(scores, len(scores) - n)[len(scores) - n]
        candidates = np.flatnonzero(scores >= nth)
    return candidates[np.lexsort((candidates, -scores[candidates]))][:n]


def _length_bytes(reader: Any, field: str) -> bytes:
    """The field-length column of a segment as one bytes object (one byte per document).

    whoosh-reloaded 2.7.5 (pinned) keeps it in a fixed-width column ``_<field>_len``; reading
    it whole is ~100× faster than ``doc_field_length`` per document. Anything else falls back
    to the public, slower call.
    """
    size = reader.doc_count_all()
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = reader._perdoc.column_reader(_lenfield(field), LENGTHS_COLUMN)
        raw = bytes(column._dbfile.get(column._basepos, column._count))
        return raw + bytes(size - len(raw))
    except Exception:
        return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(size))
