"""The on-disk index: generations, the writer lock, and a cached searcher.

Layout of ``base_dir``::

    CURRENT        "gen-7\\n" — which generation searches use; replaced atomically
    gen-6/         previous generation, kept so searches already running on it can finish
    gen-7/         a Whoosh index

and beside it, ``.<base_dir name>.writer.lock``, fcntl.flock'ed by whoever writes (apply or
rebuild). It lives outside the directory so that deleting the index (an operator, a fault)
cannot delete a lock someone holds: a new file would let a second writer in beside the first.

Whoosh allows one writer per index and fails at once (LockError) for a second; gunicorn
runs several workers. So every write takes the writer lock (blocking, with a timeout)
before opening a Whoosh writer. ``rebuild`` holds the same lock for its whole run, so no
``apply`` can land in a generation that is about to be replaced: callers (the portal's
outbox applier) get :class:`IndexBusy` and retry later.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from . import bulk_writing, mapped
from .columns import Columns, SegmentCache
from .docsets import DocSets
from .postings import Postings

mapped.install()  # segment files are read from their map, not copied into each worker's heap
bulk_writing.install()  # fewer Python steps per posting when writing (same files)
from .ranking import Ranker
from .schema import InvalidDocument, build_schema, prepare_document

if TYPE_CHECKING:
    from .query import Hit, SearchResults

log = logging.getLogger(__name__)

_GEN_RE = re.compile(r"^gen-(\d+)$")
Operation = tuple[str, Any]  # ("upsert", doc_dict) | ("delete", doc_id)


class IndexUnavailable(RuntimeError):
    """There is no readable index (never built, deleted or corrupt)."""


class IndexBusy(TimeoutError):
    """Another process held the writer lock for longer than the timeout."""


class IndexBuildFailed(RuntimeError):
    """A rebuild produced an incomplete index; the previous generation stays in use."""


def lock_path(base_dir: str, name: str) -> str:
    """``.<index dir name>.<name>.lock`` beside ``base_dir``: it survives the directory's deletion."""
    base = os.path.abspath(base_dir)
    return os.path.join(os.path.dirname(base), f".{os.path.basename(base)}.{name}.lock")


@contextmanager
def file_lock(path: str, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (created if missing), across threads and processes.

    Polls rather than blocking so it can give up: raises IndexBusy after ``timeout`` seconds.
    Two descriptors of one file conflict even in one process, so nested users need two files.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"{what} held for over {timeout}s")
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _check_count(ix: FileIndex, expected: int) -> None:
    """Refuse a multi-process build that lost documents.

    Whoosh's multi-process writer does not notice a sub-process that died (it waits one
    second for each result and silently goes on), so the new generation could lack whole
    batches. Switching to it would make search miss documents until the next reindex.
    """
    with ix.reader() as reader:
        found = reader.doc_count()
    if found != expected:
        raise IndexBuildFailed(f"index build lost documents: {found} indexed of {expected}")


@contextmanager
def _quiet_file_leaks(path: str) -> Iterator[None]:
    """Ignore ResourceWarnings for files under ``path`` while a failed open unwinds.

    Whoosh does not close a table-of-contents file it failed to parse; the file is freed
    with the exception. Without this, ``-W error`` test runs (and noisy logs) would report
    it far from the cause. Callers let the exception die inside this block.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*" + re.escape(path), category=ResourceWarning
        )
        yield


class _Lease:
    """A shared searcher plus the number of threads currently using it.

    A replaced searcher is closed only when its last user releases it, so a search that
    started before an update or a generation swap always finishes on what it started with.
    """

    def __init__(self, generation: str, ix: FileIndex, segment_cache: SegmentCache) -> None:
        self.generation = generation
        self.searcher: Searcher = ix.searcher()
        self.users = 0
        self.retired = False
        self._segment_cache = segment_cache
        self._columns: Columns | None = None
        self._columns_lock = threading.Lock()
        postings = Postings(self.searcher, segment_cache.postings)
        self.docsets = DocSets(self.searcher, postings)
        self.ranker = Ranker(self.searcher, postings)

    @property
    def columns(self) -> Columns:
        with self._columns_lock:
            if self._columns is None:
                self._columns = self._segment_cache.columns_for(self.searcher)
            return self._columns

    def close(self) -> None:
        self.searcher.close()


class SearchIndex:
    def __init__(self, base_dir: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        self.base_dir = os.fspath(base_dir)
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._lease: _Lease | None = None
        self._segment_caches: dict[str, SegmentCache] = {}

    # ----- generations -------------------------------------------------------------
    def _current_name(self) -> str | None:
        try:
            with open(os.path.join(self.base_dir, "CURRENT"), encoding="ascii") as handle:
                name = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if _GEN_RE.match(name) else None

    def _generations(self) -> list[str]:
        try:
            names = [n for n in os.listdir(self.base_dir) if _GEN_RE.match(n)]
        except OSError:
            return []
        return sorted(names, key=lambda n: int(n.split("-")[1]))

    def _next_name(self) -> str:
        existing = [int(n.split("-")[1]) for n in self._generations()]
        current = self._current_name()
        if current:
            existing.append(int(current.split("-")[1]))
        return f"gen-{max(existing, default=0) + 1}"

    def _switch_current(self, name: str) -> None:
        # temp file + fsync + os.replace: readers see either the old or the new pointer
        fd, tmp = tempfile.mkstemp(prefix=".CURRENT-", dir=self.base_dir)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(name + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, os.path.join(self.base_dir, "CURRENT"))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.base_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _create_generation(self) -> tuple[str, FileIndex]:
        name = self._next_name()
        path = os.path.join(self.base_dir, name)
        os.makedirs(path)
        return name, whoosh_index.create_in(path, build_schema())

    def _open_generation(self, name: str) -> FileIndex:
        """Open an index generation, or raise IndexUnavailable (never Whoosh's errors)."""
        path = os.path.join(self.base_dir, name)
        with _quiet_file_leaks(path):
            try:
                return whoosh_index.open_dir(path)
            except Exception as exc:  # missing, truncated, garbage: all mean "unusable"
                message = f"cannot open {name}: {type(exc).__name__}: {exc}"
        raise IndexUnavailable(message)

    def _new_lease(self, name: str) -> _Lease:
        path = os.path.join(self.base_dir, name)
        cache = self._segment_caches.setdefault(name, SegmentCache())
        ix = self._open_generation(name)
        with _quiet_file_leaks(path):
            try:
                return _Lease(name, ix, cache)
            except Exception as exc:
                message = f"cannot read {name}: {type(exc).__name__}: {exc}"
        raise IndexUnavailable(message)

    # ----- the writer lock ---------------------------------------------------------
    def _writer_lock(self) -> AbstractContextManager[None]:
        return file_lock(lock_path(self.base_dir, "writer"), self.lock_timeout,
                         "search index writer lock")

    # ----- writing -----------------------------------------------------------------
    def apply(self, operations: Iterable[Operation], *, create_missing: bool = True) -> dict[str, int]:
        """Apply upserts and deletes in one commit. Creates a fresh index if none is usable,
        unless ``create_missing`` is false: then raises :class:`IndexUnavailable`, so a caller
        that can rebuild everything does not end up with an index of only this batch.

        Documents are validated before the lock is taken, so a bad document fails the
        batch without touching the index. Raises :class:`IndexBusy` after ``lock_timeout``.
        """
        prepared: list[tuple[str, Any]] = []
        for op, payload in operations:
            if op == "upsert":
                prepared.append((op, prepare_document(payload)))
            elif op == "delete":
                if not isinstance(payload, str):
                    raise InvalidDocument("delete takes a doc_id string")
                prepared.append((op, payload))
            else:
                raise ValueError(f"unknown index operation {op!r}")
        counts = {"upserted": 0, "deleted": 0}
        with self._writer_lock():
            ix = self._writable_index() if create_missing else self._existing_index()
            writer = ix.writer()
            try:
                for op, payload in prepared:
                    if op == "upsert":
                        writer.update_document(**payload)
                        counts["upserted"] += 1
                    else:
                        counts["deleted"] += writer.delete_by_term("doc_id", payload)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return counts

    def _existing_index(self) -> FileIndex:
        name = self._current_name()
        if not name:
            raise IndexUnavailable("no current generation")
        return self._open_generation(name)

    def _writable_index(self) -> FileIndex:
        name = self._current_name()
        if name:
            try:
                return self._open_generation(name)
            except IndexUnavailable as exc:
                log.error("search index unusable (%s); starting an empty one", exc)
        name, ix = self._create_generation()
        self._switch_current(name)
        return ix

    def rebuild(self, docs: Iterable[dict[str, Any]], *, procs: int = 1, limitmb: int = 256) -> int:
        """Index ``docs`` into a new generation and switch to it; returns the document count.

        Searches keep using the old generation until the switch. The previous generation is
        kept (in-flight searches), older ones are removed. ``procs`` > 1 uses Whoosh's
        multi-process writer (one segment per process); ``limitmb`` bounds each pool.
        """
        with self._writer_lock():
            previous = self._current_name()
            name, ix = self._create_generation()
            path = os.path.join(self.base_dir, name)
            if procs > 1:
                writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True)
            else:
                writer = ix.writer(limitmb=limitmb)
            count = 0
            seen: set[str] = set()
            try:
                for doc in docs:
                    fields = prepare_document(doc)
                    if fields["doc_id"] in seen:
                        log.warning("search_index: duplicate doc_id %s skipped", fields["doc_id"])
                        continue
                    seen.add(fields["doc_id"])
                    writer.add_document(**fields)
                    count += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                shutil.rmtree(path, ignore_errors=True)
                raise
            if procs > 1:
                try:
                    _check_count(ix, count)
                except IndexBuildFailed:
                    shutil.rmtree(path, ignore_errors=True)
                    raise
            self._switch_current(name)
            keep = {name, previous}
            for old in self._generations():
                if old not in keep:
                    shutil.rmtree(os.path.join(self.base_dir, old), ignore_errors=True)
        return count

    # ----- reading -----------------------------------------------------------------
    def exists(self) -> bool:
        name = self._current_name()
        return bool(name) and whoosh_index.exists_in(os.path.join(self.base_dir, name))

    def health(self) -> dict[str, Any]:
        """{"available", "generation", "doc_count", "error"} — for a status page or CLI."""
        try:
            with self._leased() as lease:
                return {
                    "available": True,
                    "generation": lease.generation,
                    "doc_count": lease.searcher.doc_count(),
                    "error": None,
                }
        except IndexUnavailable as exc:
            return {"available": False, "generation": self._current_name(), "doc_count": 0, "error": str(exc)}

    def open_reader(self) -> IndexReader:
        """A reader on the current generation; the caller closes it."""
        name = self._current_name()
        if not name:
            raise IndexUnavailable("no current generation")
        return self._open_generation(name).reader()

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The shared, up-to-date searcher; valid only inside the ``with`` block."""
        with self._leased() as lease:
            yield lease.searcher

    @contextmanager
    def _leased(self) -> Iterator[_Lease]:
        lease = self._acquire()
        try:
            yield lease
        finally:
            with self._lock:
                lease.users -= 1
                if lease.retired and lease.users == 0:
                    lease.close()

    def _acquire(self) -> _Lease:
        name = self._current_name()
        if not name:
            raise IndexUnavailable("no current generation")
        with self._lock:
            lease = self._lease
            try:
                fresh = lease is not None and lease.generation == name and lease.searcher.up_to_date()
            except Exception:  # the generation's directory vanished under us
                fresh = False
            if not fresh:
                new = self._new_lease(name)
                for gen in set(self._segment_caches) - {name}:
                    del self._segment_caches[gen]
                if lease is not None:
                    lease.retired = True
                    if lease.users == 0:
                        lease.close()
                self._lease = lease = new
            lease.users += 1
            return lease

    def all_doc_versions(self) -> dict[str, str]:
        """doc_id → fingerprint ("" when the portal gave none) of every indexed document."""
        with self._leased() as lease:
            return {
                fields["doc_id"]: fields.get("fingerprint", "")
                for fields in lease.searcher.reader().all_stored_fields()
            }

    def close(self) -> None:
        with self._lock:
            if self._lease is not None:
                self._lease.retired = True
                if self._lease.users == 0:
                    self._lease.close()
                self._lease = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- queries (implemented in query.py / similar.py) ---------------------------
    def search(
        self,
        q: str | None,
        *,
        filters: Mapping[str, str | int | Sequence[str | int]] | None = None,
        kinds: Sequence[str] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        """See :func:`search_index.query.run_search`; never raises on user input."""
        from .query import run_search

        return run_search(self, q, filters=filters, kinds=kinds, sort=sort, page=page, per_page=per_page)

    def similar(self, text: str, limit: int = 5, exclude_doc_ids: Sequence[str] = ()) -> list[Hit]:
        """Published suggestions most like a draft (title + body), best first."""
        from .similar import similar

        return similar(self, text, limit=limit, exclude_doc_ids=exclude_doc_ids)

    def neighbours(self, text: str, limit: int, exclude_doc_ids: Sequence[str] = (),
                   exclude_object_ids: Sequence[int] = ()) -> list[Hit]:
        """Suggestions most like ``text`` with their scores, for routing (see similar.py)."""
        from .similar import neighbours

        return neighbours(self, text, limit, exclude_doc_ids=exclude_doc_ids, exclude_object_ids=exclude_object_ids)
