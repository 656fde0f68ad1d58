"""Whoosh segment files read straight from their memory map, never copied into the heap.

Whoosh maps each compound segment file and then wraps every sub-file in ``BufferFile``, whose
``BytesIO(buf)`` copies the mapped bytes into the process heap: every gunicorn worker ended up
holding its own copy of the whole index (1.3–1.5 GB each at 100 000 suggestions). Here the
sub-file reads from the map itself, so the pages stay in the operating system's page cache,
shared by every process that opens the index, and are read only when touched.

Reading without the map (``supports_mmap=False``) also avoids the copy, but then every sub-file
seeks and reads one shared file handle, which concurrent searches in one process would race on;
slicing a map is safe from any thread.
"""
from __future__ import annotations

import io
import os
import pickle

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile

_LINE_CHUNK = 256
_PICKLE_CHUNK = 64  # a posting block's header tuple (six small numbers) is shorter


class ViewReader:
    """The part of a file object Whoosh's StructFile uses, over a memoryview, without copying it."""

    def __init__(self, buf) -> None:
        self._view = memoryview(buf)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        data = self._view[self._pos:end].tobytes()
        self._pos = max(self._pos, end)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start = end = self._pos
        while end < limit:
            chunk = self._view[end:min(end + _LINE_CHUNK, limit)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        self._pos = end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view.release()


class MappedBufferFile(BufferFile):
    def __init__(self, buf, name=None, onclose=None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = ViewReader(buf)

    def read_pickle(self):
        # pickle.load on the reader calls its read() in Python once per opcode: every posting
        # block starts with a pickled header. Unpickling a copied window is one C call; a window
        # that cuts the pickle short raises, and a larger one is tried.
        reader = self.file
        start, size = reader._pos, _PICKLE_CHUNK
        while True:
            stream = io.BytesIO(reader._view[start:start + size].tobytes())
            try:
                value = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError):
                if start + size >= len(reader._view):
                    raise
                size *= 16
                continue
            reader._pos = start + stream.tell()
            return value


def install() -> None:
    """Make Whoosh's compound segments hand out map-backed sub-files (idempotent)."""
    compound.BufferFile = MappedBufferFile
