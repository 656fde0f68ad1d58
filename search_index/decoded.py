"""Posting lists of common terms, also written ready to read, beside the segment's own.

A search for a word new to a worker decodes its postings block by block from Whoosh's format
(inflate, unpickle, delta-decode): at 100 000 documents a common word's lists in eight fields took
30 ms, a fifth to a quarter of each such search in the benchmark's first round (issue 11). When
the bulk writer (``bulk_writing``) writes a segment, every term with at least
``MIN_POSTINGS`` postings is also written here as plain arrays: the document numbers (two bytes
each in a segment of fewer than 65 536 documents, else four) and the weights (none when all are
equal, one byte when they are small whole numbers, else the four-byte float Whoosh stores).
Reading a list is two copies, and the arrays are kept as they are read: the caches hold 3–6
bytes a posting instead of 12. (Gaps would take a byte less, but summing them into an array
cost more than the decoding it replaces saved.)

The file (``<segment id>.dec``) goes into the segment's compound file with the others, so it
is written, replaced and deleted with its segment. Segments written by Whoosh's own code (small
updates, merges) have none; their postings are decoded as before. Document numbers are the
segment's own, deleted documents included, as ``postings._decode`` returns them.

Layout: the lists (in the writing machine's byte order), then a pickle of that byte order and
the directory {(field, term bytes): entry}, then the directory's offset as 8 little-endian bytes.
"""
from __future__ import annotations

import pickle
import struct
import sys
from array import array
from typing import Any, Callable, Optional, Sequence

EXT = ".dec"
# Shorter lists decode in well under a millisecond; at 100 000 documents the terms above this
# hold about 40% of the postings, and the index grew from 707 to 846 MB.
MIN_POSTINGS = 2048
_OFFSET = struct.Struct("<Q")

# (offset, count, document typecode, weight typecode or None, the weight when all are equal)
Entry = tuple[int, int, str, Optional[str], float]


class DecodedListsWriter:
    """Collects the common terms' lists while a segment's postings are written."""

    def __init__(self, create_file: Callable[[str], Any]) -> None:
        self._create_file = create_file
        self._file: Any = None
        self._offset = 0
        self._directory: dict[tuple[str, bytes], Entry] = {}

    def add(self, fieldname: str, text: bytes, docnums: Sequence[int], weights: Sequence[float]) -> None:
        if len(docnums) < MIN_POSTINGS:
            return
        if self._file is None:
            self._file = self._create_file(EXT)
        id_code = "H" if docnums[-1] < 1 << 16 else "I"
        parts = [array(id_code, docnums).tobytes()]
        stored = array("f", weights)  # what Whoosh's blocks hold, and so what decoding them gives
        first_weight = stored[0]
        if all(weight == first_weight for weight in stored):
            weight_code = None
        elif all(weight.is_integer() and 0 <= weight < 256 for weight in stored):
            weight_code = "B"
            parts.append(bytes(map(int, stored)))
        else:
            weight_code = "f"
            parts.append(stored.tobytes())
        self._directory[fieldname, text] = (self._offset, len(docnums), id_code, weight_code, first_weight)
        for part in parts:
            self._file.write(part)
            self._offset += len(part)

    def close(self) -> None:
        if self._file is None:
            return
        directory = pickle.dumps((sys.byteorder, self._directory), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(directory)
        self._file.write(_OFFSET.pack(self._offset))
        self._file.close()
        self._file = None


class DecodedLists:
    """A segment's ready lists: ``get`` gives (documents, weights) as two arrays.

    Kept per segment across searchers; the file is opened through the asking reader each time,
    since a closed searcher's storage cannot be read.
    """

    def __init__(self, name: str, directory: dict[tuple[str, bytes], Entry], swap: bool = False) -> None:
        self._name = name
        self._directory = directory
        self._swap = swap  # an index copied from a machine of the other byte order

    @classmethod
    def of(cls, reader: Any) -> Optional["DecodedLists"]:
        """The lists of a Whoosh ``SegmentReader``'s segment; None when it has none."""
        storage, name = reader.storage(), reader.segment().make_filename(EXT)
        if not storage.file_exists(name):
            return None
        handle = storage.open_file(name)
        try:
            size = storage.file_length(name)
            handle.seek(size - _OFFSET.size)
            (start,) = _OFFSET.unpack(handle.read(_OFFSET.size))
            handle.seek(start)
            byteorder, directory = pickle.loads(handle.read(size - _OFFSET.size - start))
        finally:
            handle.close()
        return cls(name, directory, swap=byteorder != sys.byteorder)

    def get(self, reader: Any, fieldname: str, text: bytes) -> Optional[tuple[array, array]]:
        entry = self._directory.get((fieldname, text))
        if entry is None:
            return None
        offset, count, id_code, weight_code, weight = entry
        ids = array(id_code)
        weights = array(weight_code or "f")
        handle = reader.storage().open_file(self._name)
        try:
            handle.seek(offset)
            ids.frombytes(handle.read(ids.itemsize * count))
            if weight_code is not None:
                weights.frombytes(handle.read(weights.itemsize * count))
        finally:
            handle.close()
        if self._swap:
            ids.byteswap()
            weights.byteswap()
        return ids, weights if weight_code is not None else array("f", [weight]) * count
