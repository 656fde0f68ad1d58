"""The PostgreSQL search backend (SEARCH_BACKEND=postgres): documents refreshed in the changing transaction.

With Whoosh the index lives on one host and one writer applies the outbox after commit. Here the
index is a table of the same database, so the transaction that changes a suggestion also rewrites
its search document: when it commits, every host finds the change at once, and a rollback takes
both away. The outbox rows the transaction queued (see `search_sync`) are consumed in it too.
A support's row is not: `flask search sync` sets the count after the commit, without tokenizing
the document again (`apply_pending` compares fingerprints).

Per document, writers are serialised with a transaction-level advisory lock taken *before* the
document is read (`PostgresSearchIndex.lock_documents`), so a writer always reads what the previous
one committed, on whichever host it ran. The write runs in a savepoint: if it fails, the change
still commits, with its outbox rows left for `flask search sync`.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.inputs import parse_int
from portal.models import IndexOutbox
from portal.services.search_documents import SOURCES, content_part, doc_id, documents_for
from search_index.pgstore import PostgresSearchIndex

log = logging.getLogger(__name__)

Key = tuple[str, int]  # (document kind, object id)
BATCH = 200  # documents per transaction when refreshing many (a lock on each until it commits)


def refresh_documents(connection: Connection, index: PostgresSearchIndex, keys: Collection[Key],
                      rewrite_unchanged: bool = True) -> dict[str, int]:
    """Rewrite (or delete) the documents for `keys` in `connection`'s transaction; consume their outbox rows.

    With `rewrite_unchanged` off, a document whose content is what the index holds is not
    tokenized again: only its support count is set if that moved (a support's outbox row).
    """
    keys = sorted(k for k in keys if k[0] in SOURCES)
    if not keys:
        return {"upserted": 0, "deleted": 0}
    index.lock_documents(connection, [doc_id(kind, object_id) for kind, object_id in keys])
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, object_id in keys:
        wanted[kind].add(object_id)
    built: list[tuple[str, Any]] = []
    # A session of its own on the same connection: it reads this transaction's changes and
    # leaves the caller's session (its identity map, its pending state) untouched.
    with Session(bind=connection, join_transaction_mode="rollback_only", autoflush=False) as reader:
        for kind, ids in wanted.items():
            for object_id, doc in documents_for(reader, kind, ids).items():
                built.append(("upsert", doc) if doc else ("delete", doc_id(kind, object_id)))
    operations, new_counts = built, {}
    if not rewrite_unchanged:
        operations, new_counts = _skip_unchanged(connection, index, built)
    counts = index.apply(operations, connection=connection)
    counts["upserted"] += len(index.set_support_counts(connection, new_counts)) if new_counts else 0
    connection.execute(delete(IndexOutbox).where(tuple_(IndexOutbox.kind, IndexOutbox.object_id).in_(keys)))
    return counts


def _skip_unchanged(connection: Connection, index: PostgresSearchIndex,
                    operations: list[tuple[str, Any]]) -> tuple[list[tuple[str, Any]], dict[str, int]]:
    """The operations still needed, and the support counts to set instead of rewriting documents
    whose content (the fingerprint before its ':<count>') the index already holds."""
    held = index.fingerprints(connection, [doc["doc_id"] for op, doc in operations if op == "upsert"])
    needed, new_counts = [], {}
    for op, doc in operations:
        before = held.get(doc["doc_id"]) if op == "upsert" else None
        if before is None:
            needed.append((op, doc))
        elif before != doc["fingerprint"]:
            content = content_part(before)
            if content is not None and content == content_part(doc["fingerprint"]):
                new_counts[doc["doc_id"]] = doc["support_count"]
            else:
                needed.append((op, doc))
    return needed, new_counts


def refresh_in_transaction(session: Session, index: PostgresSearchIndex, keys: Collection[Key]) -> bool:
    """Refresh `keys` inside `session`'s open transaction, in a savepoint; False (logged) if it failed."""
    connection = session.connection()
    savepoint = connection.begin_nested()
    try:
        refresh_documents(connection, index, keys)
    except Exception:
        savepoint.rollback()
        log.exception("search: indexing in the transaction failed; `flask search sync` will apply the change")
        return False
    savepoint.commit()
    return True


def apply_pending(session: Session, index: PostgresSearchIndex) -> tuple[int, dict[str, int]]:
    """Refresh every document with outbox rows (left by a failed refresh, or queued before the switch
    from Whoosh); commits after each batch. Returns (rows' documents, counts)."""
    total, counts = 0, {"upserted": 0, "deleted": 0}
    while True:
        keys = session.execute(
            select(IndexOutbox.kind, IndexOutbox.object_id).distinct().limit(BATCH)
        ).tuples().all()
        if not keys:
            return total, counts
        done = refresh_documents(session.connection(), index, keys, rewrite_unchanged=False)
        session.commit()
        total += len(keys)
        counts = {name: counts[name] + done[name] for name in counts}


def reindex(session: Session, index: PostgresSearchIndex) -> int:
    """Refresh every document the database implies and every document the table holds, a batch per
    transaction; returns the number of documents now indexed. Searches go on meanwhile."""
    for batch in _batches(_every_key(session, index)):
        refresh_documents(session.connection(), index, batch)
        session.commit()
    return index.health()["doc_count"]


def _every_key(session: Session, index: PostgresSearchIndex) -> Iterator[Key]:
    seen: set[Key] = set()
    for source in SOURCES.values():
        for obj in source.load_all(session):
            seen.add((source.kind, obj.id))
            yield source.kind, obj.id
        session.expunge_all()  # bounded memory: the objects were only needed for their ids
    for indexed in index.all_doc_versions():
        kind, _, object_id = indexed.partition(":")
        number = parse_int(object_id)
        if number is not None and (kind, number) not in seen:
            yield kind, number  # no longer public or gone: refreshing deletes it


def _batches(keys: Iterable[Key]) -> Iterator[list[Key]]:
    batch: list[Key] = []
    for key in keys:
        batch.append(key)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
