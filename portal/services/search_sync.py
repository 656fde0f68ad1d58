"""Keeping the search index equal to the database: the outbox, its one writer, reindex and verify.

1. Tracking. A SQLAlchemy `after_flush` listener looks at every flushed object of a tracked model
   (suggestions, replies, conversions and their outcomes and progress, supports, renamed
   categories/departments/districts, and hearings once registered) and inserts `IndexOutbox`
   rows for the documents they affect, on the same connection, in the same transaction. No
   service has to remember anything; a rollback removes the rows with the change.
2. Applying. `apply_pending` reads pending rows, builds each document from the committed
   database (upsert when public, delete otherwise), writes the index, then deletes the rows
   and commits. A crash in between leaves the rows pending; applying again is harmless.
   The whole read → build → write → delete runs under the sync lock beside the index, so two
   appliers (threads or processes) cannot overwrite a newer document with an older one.
3. PostgreSQL. With SEARCH_BACKEND=postgres the index is a table of the database: the documents are
   rewritten before the commit, in the same transaction (`portal.services.search_postgres`), so
   every host finds a change as soon as it commits. Supports are the exception: they change only
   a count, come in crowds, and each one would wait for the document's lock, so their rows are
   left to the steps below (the sync worker sets the counts within its loop's seconds), which
   otherwise only meet rows left by a failed refresh.
4. After commit. With SEARCH_SYNC_INLINE (default) a commit that wrote outbox rows wakes the
   process's sync thread, which applies them in its own session: a job after commit, never
   inside the request (the response does not wait; tests set SEARCH_SYNC_WAIT to read their own
   writes). A missing or unreadable index is rebuilt there too, and a failure is logged and
   leaves the rows for the next turn. With SEARCH_SYNC_INLINE=0 the web processes do no index
   work at all and `flask search sync --loop 5` is the one writer; the loop also compares the
   index with the database every few minutes and re-applies whatever differs (`repair`).
"""
from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from portal import caching, jobs
from portal.jobs import Worker
from portal.models import (
    Category, Conversion, ConversionOutcome, ConversionProgress, Department, District, IndexOutbox, Reply,
    Suggestion, Support,
)
from portal.services import search_postgres
from portal.services.search_documents import (
    SOURCES, documents_for, doc_id, expected_documents, hearing_document, model_source, register_source,
)
from portal.timeutil import utcnow
from search_index import IndexBusy, IndexUnavailable, SearchIndex, VerifyReport, diff
from search_index.pgstore import PostgresSearchIndex
from search_index.store import file_lock, lock_path
from portal.transaction_hooks import after_real_commit, after_real_rollback

log = logging.getLogger(__name__)

Key = tuple[str, int]  # (document kind, object id)
Tracker = Callable[[Session, Any], Iterable[Key]]

_WROTE_OUTBOX = "search_outbox_written"
_OUTBOX_KEYS = "search_outbox_keys"
_WHOLE_KEYS = "search_outbox_whole_keys"
_APPLIER = "search_applier"
SYNC_WAIT_TIMEOUT = jobs.WAIT_TIMEOUT  # SEARCH_SYNC_WAIT (tests): how long a commit waits for its index turn
BATCH = 500


# ----- the index object ---------------------------------------------------------------------------
def get_index(app: Flask | None = None) -> SearchIndex | PostgresSearchIndex:
    """The app's index, shared by all requests: Whoosh (it caches its searcher) or PostgreSQL."""
    app = app or current_app
    if app.config.get("SEARCH_BACKEND") == "postgres":
        from portal.extensions import db
        from portal.models import search_documents

        index = app.extensions.get("search_index")
        if not isinstance(index, PostgresSearchIndex) or index.engine is not db.engine:
            index = app.extensions["search_index"] = PostgresSearchIndex(db.engine, search_documents)
        return index
    base_dir = app.config["SEARCH_INDEX_DIR"]
    index = app.extensions.get("search_index")
    if index is None or index.base_dir != os.fspath(base_dir):
        index = app.extensions["search_index"] = SearchIndex(base_dir)
    return index


def writer_turn(index: SearchIndex, timeout: float) -> AbstractContextManager[None]:
    """Exclusive right to sync or rebuild `index`, across threads and processes.

    Separate from the package's writer lock, which `SearchIndex.apply`/`rebuild` take
    themselves (flock would block on a second descriptor of the same file in this process).
    """
    return file_lock(lock_path(index.base_dir, "sync"), timeout, "search sync lock")


# ----- tracking: which documents a flush affects ---------------------------------------------------
TRACKED: dict[type, Tracker] = {}


def track(model: type, tracker: Tracker) -> None:
    """Flushing a new, changed or deleted `model` object queues the documents `tracker` names."""
    TRACKED[model] = tracker


def _values(obj: Any, attr: str) -> set[Any]:
    """Current and previous values of a column, so a moved row refreshes both owners."""
    history = inspect(obj).attrs[attr].history
    values = set(history.added or ()) | set(history.deleted or ()) | set(history.unchanged or ())
    return {v for v in values if v is not None}


def _by_suggestion_id(session: Session, obj: Any) -> Iterable[Key]:
    return [("suggestion", v) for v in _values(obj, "suggestion_id")]


def _by_conversion_id(session: Session, obj: Any) -> Iterable[Key]:
    ids = _values(obj, "conversion_id")
    if not ids:
        return []
    rows = session.connection().execute(select(Conversion.suggestion_id).where(Conversion.id.in_(ids)))
    return [("suggestion", sid) for (sid,) in rows]


def _on_slug_change(column) -> Tracker:
    # Documents hold reference slugs (names are looked up when shown), so only a new slug matters.
    def tracker(session: Session, obj: Any) -> Iterable[Key]:
        if obj.id is None or not inspect(obj).attrs["slug"].history.has_changes():
            return []
        rows = session.connection().execute(select(Suggestion.id).where(column == obj.id))
        return [("suggestion", sid) for (sid,) in rows]
    return tracker


# A support (or its withdrawal) changes only the suggestion's support count: on PostgreSQL its
# transaction leaves the document to the sync worker, which sets the count without rebuilding it.
COUNT_ONLY_MODELS = (Support,)

track(Suggestion, lambda session, s: [("suggestion", s.id)])
for _model in (Reply, Conversion, Support):
    track(_model, _by_suggestion_id)
track(ConversionOutcome, _by_conversion_id)
track(ConversionProgress, _by_conversion_id)
track(Category, _on_slug_change(Suggestion.category_id))
track(District, _on_slug_change(Suggestion.district_id))
track(Department, _on_slug_change(Suggestion.lead_department_id))


def register_hearings(model: type, *related: tuple[type, Callable[[Any], Iterable[int]]]) -> None:
    """Index hearings: `register_hearings(Hearing)` once, e.g. at the end of this module.

    `related` adds models whose changes alter a hearing's document, each with a function giving
    the hearing ids an object belongs to, e.g. ``(HearingConclusion, lambda c: [c.hearing_id])``.
    """
    register_source(model_source("hearing", model, hearing_document))
    track(model, lambda session, hearing: [("hearing", hearing.id)])
    for other, hearing_ids in related:
        track(other, lambda session, obj, ids=hearing_ids: [("hearing", i) for i in ids(obj) if i is not None])


@event.listens_for(Session, "after_flush")
def _queue_outbox_rows(session: Session, flush_context: Any) -> None:
    keys: set[Key] = set()
    whole: set[Key] = set()  # documents something other than a support changed
    for state, objects in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            tracker = TRACKED.get(type(obj))
            if tracker is None:
                continue
            if state == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            found = {(kind, int(object_id)) for kind, object_id in tracker(session, obj) if object_id is not None}
            keys |= found
            if type(obj) not in COUNT_ONLY_MODELS:
                whole |= found
    if not keys:
        return
    session.info.setdefault(_WHOLE_KEYS, set()).update(whole)
    now = utcnow()
    # Core insert on the flush's own connection: same transaction, no ORM state touched mid-flush.
    session.connection().execute(
        insert(IndexOutbox.__table__),
        [{"kind": kind, "object_id": object_id, "created_at": now} for kind, object_id in sorted(keys)],
    )
    session.info[_WROTE_OUTBOX] = True
    session.info.setdefault(_OUTBOX_KEYS, set()).update(keys)


@after_real_rollback
def _forget_outbox_rows(session: Session) -> None:
    session.info.pop(_WROTE_OUTBOX, None)
    session.info.pop(_OUTBOX_KEYS, None)
    session.info.pop(_WHOLE_KEYS, None)


@event.listens_for(Session, "before_commit")
def _index_in_the_transaction(session: Session) -> None:
    """PostgreSQL backend: rewrite the queued documents before this commit, in its transaction."""
    if session.info.get(_APPLIER) or not has_app_context() or current_app.config.get("SEARCH_BACKEND") != "postgres":
        return
    if session.in_nested_transaction():
        # SQLAlchemy fires before_commit for a savepoint's release too; what follows it in the
        # transaction must be in the document as well.
        return
    session.flush()  # what is still pending queues its documents now, not after this hook
    queued = session.info.pop(_OUTBOX_KEYS, set())
    # A support changes only the document's count: its outbox row waits for the sync worker
    # (within its loop's seconds), so a supporter's request does no index work.
    keys = queued & session.info.pop(_WHOLE_KEYS, set())
    if keys and search_postgres.refresh_in_transaction(session, get_index(), keys) and keys == queued:
        session.info.pop(_WROTE_OUTBOX, None)  # nothing left for an after-commit sync


@after_real_commit
def _apply_after_commit(session: Session) -> None:
    if not session.info.pop(_WROTE_OUTBOX, False) or session.info.get(_APPLIER):
        return
    if not has_app_context() or not current_app.config.get("SEARCH_SYNC_INLINE"):
        return
    app = current_app._get_current_object()
    thread = sync_thread(app)
    ticket = thread.wake()
    if app.config.get("SEARCH_SYNC_WAIT"):
        thread.wait(ticket, timeout=SYNC_WAIT_TIMEOUT)


class SyncThread(Worker):
    """The process's search-index job runner: applies the outbox after commits, off the request.

    A `portal.jobs.Worker`: one per app and process, leaving when idle. Each turn applies
    whatever is pending, so many commits during one turn cost one more turn, not one each.
    """

    thread_name = "search-sync"
    extension_key = "search_sync_thread"

    def turn(self) -> None:
        try:
            sync_now(self.app)
        except IndexBusy as exc:  # a reindex or another worker's turn: the rows wait for the next
            log.info("search: index busy (%s); pending changes wait for the next turn", exc)

    def turn_failed(self, error: Exception) -> None:
        # The changes are committed; the rows stay pending for the next turn.
        log.error("search: sync after commit failed; the next turn or `flask search sync` applies it",
                  exc_info=error)


def sync_thread(app: Flask) -> SyncThread:
    return SyncThread.of(app)


# ----- applying --------------------------------------------------------------------------------------
@dataclass
class SyncResult:
    upserted: int = 0
    deleted: int = 0
    rows: int = 0
    rebuilt: int | None = None  # documents, when the index was missing and rebuilt instead

    def __str__(self) -> str:
        if self.rebuilt is not None:
            return f"index was missing: rebuilt with {self.rebuilt} documents"
        return f"applied {self.rows} pending changes: {self.upserted} upserted, {self.deleted} deleted"


def applier_session() -> Session:
    """A session of its own for the writer (needs an app context): the request's may be in any state."""
    from portal.extensions import db

    return Session(bind=db.engine, info={_APPLIER: True})


def sync_now(app: Flask, lock_timeout: float = 30.0) -> SyncResult:
    """Apply pending outbox rows for `app` (inside its app context)."""
    with applier_session() as session:
        return apply_pending(session, get_index(app), lock_timeout=lock_timeout)


def apply_pending(session: Session, index: SearchIndex, *, lock_timeout: float = 30.0,
                  rebuild_if_missing: bool = True) -> SyncResult:
    """Apply every pending outbox row; commits `session` after each index write.

    When there is no usable index at all (never built, deleted), rebuild it from the database
    instead: applying a few rows to an empty index would hide everything else.
    """
    result = SyncResult()
    if isinstance(index, PostgresSearchIndex):  # per-document locks: no single writer needed
        result.rows, counts = search_postgres.apply_pending(session, index)
        result.upserted, result.deleted = counts["upserted"], counts["deleted"]
        _retire_shared_pages(result)
        return result
    with writer_turn(index, lock_timeout):
        if rebuild_if_missing and not index.health()["available"]:
            log.warning("search index missing or unreadable: rebuilding from the database")
            result.rebuilt = _rebuild(session, index)
            return result
        while True:
            rows = session.execute(
                select(IndexOutbox.id, IndexOutbox.kind, IndexOutbox.object_id).order_by(IndexOutbox.id).limit(BATCH)
            ).all()
            if not rows:
                break
            wanted: dict[str, set[int]] = defaultdict(set)
            for _row_id, kind, object_id in rows:
                wanted[kind].add(object_id)
            operations: list[tuple[str, Any]] = []
            for kind, ids in wanted.items():
                if kind not in SOURCES:
                    log.warning("search: no document source for %r; dropping %d outbox rows", kind, len(ids))
                    continue
                for object_id, doc in documents_for(session, kind, ids).items():
                    operations.append(("upsert", doc) if doc else ("delete", doc_id(kind, object_id)))
            if operations:
                try:
                    # Deleted or damaged since the check above: rebuild, never index only this batch.
                    counts = index.apply(operations, create_missing=not rebuild_if_missing)
                except IndexUnavailable:
                    log.warning("search index vanished while applying: rebuilding from the database")
                    session.rollback()
                    result.rebuilt = _rebuild(session, index)
                    return result
                result.upserted += counts["upserted"]
                result.deleted += sum(1 for op, _ in operations if op == "delete")
            # End the reading transaction first: on SQLite a transaction that read and then writes
            # is refused outright when another process committed meanwhile; a fresh one waits.
            session.commit()
            session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_([r[0] for r in rows])))
            session.commit()
            result.rows += len(rows)
    _retire_shared_pages(result)
    return result


def _retire_shared_pages(result: SyncResult) -> None:
    """Search pages shared with anonymous visitors (portal.caching) were answered from the index
    before these changes: retire them. (The writer's session is not the app's, whose commits
    move the generation by themselves.)"""
    if (result.rows or result.rebuilt is not None) and has_app_context():
        caching.bump("public")


def _rebuild(session: Session, index: SearchIndex, procs: int = 1) -> int:
    # Rows that exist now are covered: the documents are read after them. Rows committed later
    # stay and are applied on top (applying is idempotent).
    covered = session.scalars(select(IndexOutbox.id)).all()
    count = index.rebuild(expected_documents(session), procs=procs)
    session.commit()  # end the long read before writing (see apply_pending)
    for start in range(0, len(covered), BATCH):
        session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(covered[start:start + BATCH])))
    session.commit()
    if has_app_context():
        caching.bump("public")  # shared search pages were answered from the replaced index
    return count


def reindex(session: Session, index: SearchIndex, *, procs: int = 1, lock_timeout: float = 300.0) -> int:
    """Build a fresh generation from the database and swap it in; searches keep working.

    `procs` > 1 indexes in that many worker processes. Only the command line asks for it:
    a rebuild that a web request triggers (index missing) never forks its worker.
    The PostgreSQL backend refreshes every document in batches instead (`procs` does not apply).
    """
    if isinstance(index, PostgresSearchIndex):
        return search_postgres.reindex(session, index)
    with writer_turn(index, lock_timeout):
        return _rebuild(session, index, procs)


# ----- verifying -------------------------------------------------------------------------------------
@dataclass
class Verification:
    report: VerifyReport
    available: bool = True
    pending: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.available and self.report.ok


def verify(session: Session, index: SearchIndex) -> Verification:
    """Compare the documents the database implies (with fingerprints) with what is indexed."""
    expected = {doc["doc_id"]: doc["fingerprint"] for doc in expected_documents(session)}
    pending = session.scalar(select(func.count()).select_from(IndexOutbox)) or 0
    try:
        actual = index.all_doc_versions()
    except IndexUnavailable as exc:
        return Verification(diff(expected, {}), available=False, pending=pending, problems=[str(exc)])
    return Verification(diff(expected, actual), pending=pending)


def repair(session: Session, index: SearchIndex) -> int:
    """Queue every document the index has wrong (missing, stale, extra); the next apply fixes them.

    Differences come from crashes between an index write and its outbox delete, or from an index
    swapped or damaged by hand. Returns how many documents were queued; commits.
    """
    result = verify(session, index)
    if not result.available:
        return 0  # apply_pending rebuilds a missing index as a whole
    report = result.report
    keys = sorted({_parse_doc_id(d) for d in (*report.missing, *report.stale, *report.extra)} - {None})
    if keys:
        now = utcnow()
        session.execute(insert(IndexOutbox.__table__),
                        [{"kind": kind, "object_id": object_id, "created_at": now} for kind, object_id in keys])
    session.commit()
    return len(keys)


def _parse_doc_id(value: str) -> Key | None:
    kind, _sep, object_id = value.partition(":")
    return (kind, int(object_id)) if object_id.isascii() and object_id.isdigit() else None


def _register_hearings() -> None:
    from portal.models.hearings import Hearing

    register_hearings(Hearing)


_register_hearings()
