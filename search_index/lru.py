"""One least-recently-used cache bounded by the bytes its values hold, shared by the search caches.

The caches hold decoded postings, phrase sets and score maps for the words visitors search for;
their number is unbounded (any word) and their size varies by four orders of magnitude (a rare
word: a few documents; 小区: a third of the index). Counting entries bounds neither a worker's
memory nor its usefulness, so each value is weighed in bytes (`sys.getsizeof` of the container
plus its number objects) and the oldest are dropped past the budget.

SEARCH_CACHE_MB (default 160) is what one process may keep in all; a budget of 0 caches nothing.
"""
from __future__ import annotations

import os
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Callable, Generic, Hashable, Optional, TypeVar

V = TypeVar("V")

INT_BYTES = sys.getsizeof(1 << 20)  # a docnum past the small-int cache
FLOAT_BYTES = sys.getsizeof(0.5)
ARRAY_HEADER_BYTES = 112  # sys.getsizeof of an empty numpy array
MB = 1 << 20
# At 100 000 documents the benchmark's 30 queries (bench/search_bench.py) stay cached in 160 MB,
# so a word searched again is not decoded again; a worker then holds about 370 MB resident.
DEFAULT_BUDGET_MB = 160


def total_budget_bytes() -> int:
    """SEARCH_CACHE_MB from the environment (a whole number of megabytes), else 160 MB."""
    text = os.environ.get("SEARCH_CACHE_MB", "").strip()
    return int(text) * MB if text.isascii() and text.isdigit() else DEFAULT_BUDGET_MB * MB


def share_of_budget(fraction: float) -> int:
    return int(total_budget_bytes() * fraction)


def postings_bytes(value: tuple[Sequence[int], Sequence[float]]) -> int:
    ids, weights = value
    if isinstance(ids, array) and isinstance(weights, array):  # numbers held in the buffer itself
        return sys.getsizeof(ids) + sys.getsizeof(weights)
    return sys.getsizeof(ids) + sys.getsizeof(weights) + len(ids) * INT_BYTES + len(weights) * FLOAT_BYTES


def array_bytes(value: Any) -> int:
    """A numpy array, or a tuple of them (a word's docnums and scores), with their headers."""
    arrays = value if isinstance(value, tuple) else (value,)
    return sum(ARRAY_HEADER_BYTES + a.nbytes for a in arrays)


class ByteBoundedLRU(Generic[V]):
    """Thread-safe; `get_or_compute` computes outside the lock (two threads may both compute a
    missing value; the first stored wins), so one slow word never blocks other searches."""

    def __init__(self, max_bytes: int, weigh: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self.bytes = 0

    def get(self, key: Hashable) -> Optional[V]:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: V) -> V:
        """Stores `value` (unless another thread stored one first) and returns the stored one."""
        size = self._weigh(value)
        if size > self.max_bytes:
            return value  # larger than the whole budget: used once, never kept
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                return found[0]
            self._values[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _key, (_value, dropped) = self._values.popitem(last=False)
                self.bytes -= dropped
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        found = self.get(key)
        return found if found is not None else self.put(key, compute())

    def __len__(self) -> int:
        return len(self._values)
