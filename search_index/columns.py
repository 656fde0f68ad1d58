"""Per-document facet values and sort keys, cached per index segment.

Whoosh's own ``groupedby``/``sortedby`` walk every matching document in Python, once per
facet. With ~10 facets over tens of thousands of hits that costs more than the search.
Instead we read each segment's values once (segments are immutable; deletions only hide
documents, and hidden documents never appear in a result set) as numpy arrays, concatenate
them per searcher, and count or sort with array operations over a result's mask.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from .docsets import DocSet, as_mask
from .postings import SegmentPostings
from .schema import FACET_FIELDS, MULTI_VALUED

SORT_FIELDS = ("published_at", "support_count")
FACET_CACHE_SIZE = 64


@dataclass(frozen=True)
class SegmentValues:
    size: int
    # single-valued facets: a code per document (0 = none) and code → value
    codes: dict[str, tuple[np.ndarray, list[str | None]]]
    # multi-valued facets: value → mask of the documents holding it
    multi: dict[str, dict[str, np.ndarray]]
    # descending order = the field's order; 0 where a document has no value
    sort_keys: dict[str, np.ndarray]


def _read_segment(reader: Any) -> SegmentValues:
    size = reader.doc_count_all()
    codes: dict[str, tuple[np.ndarray, list[str | None]]] = {}
    multi: dict[str, dict[str, np.ndarray]] = {}
    for field in FACET_FIELDS:
        if field in MULTI_VALUED:
            masks: dict[str, np.ndarray] = {}
            for term in reader.field_terms(field):
                mask = masks[term] = np.zeros(size, dtype=bool)
                mask[list(reader.postings(field, term).all_ids())] = True
            multi[field] = masks
        else:
            field_codes = np.zeros(size, dtype=np.int32)
            names: list[str | None] = [None]
            for term in reader.field_terms(field):
                field_codes[list(reader.postings(field, term).all_ids())] = len(names)
                names.append(term)
            codes[field] = field_codes, names
    sort_keys: dict[str, np.ndarray] = {}
    for field in SORT_FIELDS:
        if reader.has_column(field):
            # Raw sortable integers (0 to 2**64 - 2) keep the values' order; a document without the
            # field has the column default, 2**64 - 1, which would sort first: make it 0, below all.
            missing = reader.schema[field].column_type.default_value()
            raw = reader.column_reader(field, translate=False)
            sort_keys[field] = np.fromiter((0 if v == missing else v + 1 for v in raw), dtype=np.uint64, count=size)
        else:
            sort_keys[field] = np.zeros(size, dtype=np.uint64)
    return SegmentValues(size, codes, multi, sort_keys)


class SegmentCache:
    """Segment id → values (and decoded postings); shared by all searchers of one index directory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, SegmentValues] = {}
        self.postings = SegmentPostings()

    def columns_for(self, searcher: Searcher) -> Columns:
        parts: list[SegmentValues] = []
        live: set[str] = set()
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            key = segment.segment_id() if segment is not None else None
            with self._lock:
                values = self._values.get(key) if key else None
            if values is None:
                values = _read_segment(reader)
                if key:
                    with self._lock:
                        self._values[key] = values
            if key:
                live.add(key)
            parts.append(values)
        with self._lock:  # forget segments merged away
            for stale in set(self._values) - live:
                del self._values[stale]
        return Columns(parts)


class Columns:
    """Flat per-docnum values for one searcher."""

    def __init__(self, parts: Iterable[SegmentValues]) -> None:
        parts = list(parts)
        self.size = sum(part.size for part in parts)
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        for field in FACET_FIELDS:
            if field not in MULTI_VALUED:
                self._codes[field] = _shared_codes([part.codes[field] for part in parts])
        self._multi = {field: {value: _joined([part.multi[field].get(value, np.zeros(part.size, dtype=bool))
                                               for part in parts], bool)
                               for value in sorted({v for part in parts for v in part.multi[field]})}
                       for field in FACET_FIELDS if field in MULTI_VALUED}
        self._keys = {field: _joined([part.sort_keys[field] for part in parts], np.uint64) for field in SORT_FIELDS}
        self._orders: dict[str, np.ndarray] = {}
        self._facet_cache: dict[Any, dict[str, list[tuple[str, int]]]] = {}
        self._lock = threading.Lock()  # guards the lazily filled caches: orders, facets

    def facet_counts(self, docs: DocSet | Iterable[int], cache_key: Any = None) -> dict[str, list[tuple[str, int]]]:
        """value → count per facet, most frequent first (ties by value for stable output).

        With ``cache_key`` (a filter-only query: the browse pages every visitor and crawler
        opens) the counts are kept for this searcher.
        """
        if cache_key is not None:
            with self._lock:
                cached = self._facet_cache.get(cache_key)
            if cached is not None:
                return cached
        mask = as_mask(docs, self.size)
        counted: dict[str, list[tuple[str, int]]] = {}
        for field, (codes, names) in self._codes.items():
            counts = np.bincount(codes[mask], minlength=len(names)).tolist()
            counted[field] = list(zip(names[1:], counts[1:]))
        for field, masks in self._multi.items():
            counted[field] = [(value, int(np.count_nonzero(held & mask))) for value, held in masks.items()]
        result = {field: sorted((item for item in items if item[1]), key=lambda item: (-item[1], item[0]))
                  for field, items in counted.items()}
        if cache_key is not None:
            with self._lock:
                if len(self._facet_cache) >= FACET_CACHE_SIZE:
                    self._facet_cache.pop(next(iter(self._facet_cache)))
                self._facet_cache[cache_key] = result
        return result

    def top(self, docs: DocSet | Iterable[int], sort: str, n: int) -> list[int]:
        """The ``n`` first docnums of ``docs`` in ``sort`` order (descending; ties by docnum)."""
        order = self._order(sort)
        return order[as_mask(docs, self.size)[order]][:n].tolist()

    def _order(self, sort: str) -> np.ndarray:
        """Every docnum in ``sort`` order, computed once per searcher (stable sorts: ties by docnum)."""
        with self._lock:
            order = self._orders.get(sort)
        if order is None:
            published = ~self._keys["published_at"]  # ~ reverses an unsigned order exactly
            if sort == "supported":  # most supported first, then newest
                order = np.lexsort((published, ~self._keys["support_count"]))
            else:
                order = np.argsort(published, kind="stable")
            with self._lock:
                self._orders[sort] = order
        return order


def _shared_codes(parts: list[tuple[np.ndarray, list[str | None]]]) -> tuple[np.ndarray, list[str]]:
    """Segments' codes re-coded to one list of values for the whole searcher (0 stays none)."""
    names = [None, *sorted({name for _codes, part_names in parts for name in part_names} - {None})]
    code_of = {name: code for code, name in enumerate(names)}
    recoded = [np.array([code_of[name] for name in part_names], dtype=np.int32)[codes] for codes, part_names in parts]
    return _joined(recoded, np.int32), names  # type: ignore[return-value]


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """One array of the segments' arrays (an index without segments has none)."""
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)
