"""What the search index holds: documents built from public data only, one source per kind.

A document is a plain dict in the `search_index` package's contract (see search_index/schema.py).
Documents are built from the public views (`portal.services.public_views`): masked text, no author
name (only the masked display name or nothing for anonymous), no contact data, no internal note.
The department's decision, reply and conversion are there only once published (`published_at`).

Each document carries a `fingerprint` (a hash of its content) so `flask search verify` can tell
a stale document from a current one without comparing every field.

Kinds are registered as `DocumentSource`s; hearings plug in with `register_hearings(Hearing)`
(see portal/services/search_sync.py), which also starts tracking their changes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import PUBLIC_STATUSES, Conversion, Reply, Suggestion
from portal.services.public_views import PublicConversion, public_hearing, public_suggestion
from portal.timeutil import LOCAL_TZ


def doc_id(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def fingerprint(doc: dict[str, Any]) -> str:
    """A stable hash of everything in the document but the fingerprint itself.

    A suggestion's support count is kept apart, after the last ':' (`<hash>:<count>`), so that a
    support can set the count of an indexed document without rebuilding it
    (`PostgresSearchIndex.set_support_counts`) and the fingerprint still says what it holds."""
    content = {k: v for k, v in doc.items()
               if k not in ("fingerprint", "support_count") and v not in (None, "", [])}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32]
    return f"{digest}:{doc['support_count']}" if doc.get("support_count") is not None else digest


def content_part(stored: str) -> Optional[str]:
    """The hash of a fingerprint that carries a support count (`<hash>:<count>`); None if it has none."""
    digest, separator, _count = stored.rpartition(":")
    return digest if separator else None


def _finish(doc: dict[str, Any]) -> dict[str, Any]:
    doc["fingerprint"] = fingerprint(doc)
    return doc


def _naive_utc(moment: Optional[datetime]) -> Optional[datetime]:
    # Whoosh compares naive datetimes; the page converts back to the reader's zone.
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _local_year(moment: Optional[datetime]) -> Optional[str]:
    return str(moment.astimezone(LOCAL_TZ).year) if moment is not None else None


def _slug(obj: Any) -> Optional[str]:
    return obj.slug if obj is not None else None


def format_amount(value: Decimal | int | float) -> str:
    """50.00 → "50", 12.50 → "12.5": outcome values as people write them."""
    return format(Decimal(str(value)).normalize(), "f")


def conversion_text(conversions: Iterable[Conversion | PublicConversion]) -> str:
    """What the suggestion became, with its outcomes ("房源 50 套") and progress notes."""
    parts: list[str] = []
    for conversion in conversions:
        parts.append(conversion.description)
        outcomes = "；".join(
            f"{o.name} {format_amount(o.value)}{(' ' + o.unit) if o.unit else ''}" for o in conversion.outcomes)
        if outcomes:
            parts.append(outcomes)
        parts.extend(p.note for p in conversion.progress if p.note)
    return "\n".join(p for p in parts if p)


def suggestion_document(suggestion: Suggestion) -> Optional[dict[str, Any]]:
    """The public document for `suggestion`, or None when it must not be in the index."""
    if not suggestion.is_public:
        return None
    view = public_suggestion(suggestion, with_replies=True, with_conversions=True)
    body = "\n".join(part for part in (view.problem, view.measures) if part)
    doc: dict[str, Any] = {
        "doc_id": doc_id("suggestion", suggestion.id),
        "kind": "suggestion",
        "object_id": suggestion.id,
        "url_path": f"/suggestions/{suggestion.id}",
        "title": view.title,
        "body": body,
        "status": suggestion.status,
        "category": _slug(suggestion.category),
        "district": _slug(suggestion.district),
        "department": _slug(suggestion.lead_department),
        "support_count": suggestion.support_count,
        # "newest" sorts by this: when the resident made the suggestion.
        "published_at": _naive_utc(suggestion.submitted_at),
        "year": _local_year(suggestion.submitted_at),
        "tracking_number": suggestion.tracking_number,
        "author_display": view.author or "",
    }
    if view.published_at is not None:
        decisions = [r.decision for r in view.replies if r.kind == "reply" and r.decision]
        doc["decision"] = view.decision or (decisions[-1] if decisions else None)
        doc["reply"] = "\n\n".join(r.body for r in view.replies if r.body)
        doc["conversion"] = conversion_text(view.conversions)
        doc["conversion_types"] = sorted({c.type for c in view.conversions})
    return _finish(doc)


def hearing_document(hearing: Any) -> Optional[dict[str, Any]]:
    """The public document for a hearing (`portal.models.hearings.Hearing`).

    Closed hearings (privacy or secrets) are not indexed at all; the conclusion only once
    published. Observers, parties and members are never read: only these fields reach the index.
    """
    if not hearing.is_public:
        return None
    view = public_hearing(hearing, full=False)
    concluded = hearing.concluded_at if hearing.conclusion else None
    doc: dict[str, Any] = {
        "doc_id": doc_id("hearing", hearing.id),
        "kind": "hearing",
        "object_id": hearing.id,
        "url_path": f"/hearings/{hearing.id}",
        "title": view.subject,
        "place": view.venue,
        "status": hearing.status,
        "department": hearing.department.slug if hearing.department is not None else None,
        "event_at": _naive_utc(hearing.starts_at),
        "published_at": _naive_utc(concluded or hearing.published_at or hearing.starts_at),
        "year": _local_year(hearing.starts_at),
    }
    if concluded is not None:
        doc["conclusion"] = view.conclusion
    return _finish(doc)


@dataclass(frozen=True)
class DocumentSource:
    """How to build one kind of document from the database."""

    kind: str
    # objects for these ids (missing ids simply absent), and every object that might be indexed
    load: Callable[[Session, Collection[int]], Iterable[Any]]
    load_all: Callable[[Session], Iterable[Any]]
    build: Callable[[Any], Optional[dict[str, Any]]]


def _suggestion_query():
    return select(Suggestion).options(
        selectinload(Suggestion.category), selectinload(Suggestion.district),
        selectinload(Suggestion.lead_department), selectinload(Suggestion.author),
        selectinload(Suggestion.themed_call),
        selectinload(Suggestion.replies).selectinload(Reply.rating),
        selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
        selectinload(Suggestion.conversions).selectinload(Conversion.progress),
    )


def _load_suggestions(session: Session, ids: Collection[int]) -> Iterable[Suggestion]:
    return session.scalars(_suggestion_query().where(Suggestion.id.in_(list(ids)))).all()


def _all_suggestions(session: Session) -> Iterator[Suggestion]:
    public = [s.value for s in PUBLIC_STATUSES]
    ids = session.scalars(select(Suggestion.id).where(Suggestion.status.in_(public)).order_by(Suggestion.id)).all()
    for start in range(0, len(ids), 500):  # bounded memory on a large portal
        yield from _load_suggestions(session, ids[start:start + 500])


def model_source(kind: str, model: Any, build: Callable[[Any], Optional[dict[str, Any]]]) -> DocumentSource:
    """A source for a plain model whose documents need no eager loading (e.g. hearings)."""
    def load(session: Session, ids: Collection[int]) -> Iterable[Any]:
        return session.scalars(select(model).where(model.id.in_(list(ids)))).all()

    def load_all(session: Session) -> Iterable[Any]:
        return session.scalars(select(model).order_by(model.id)).all()

    return DocumentSource(kind, load, load_all, build)


SOURCES: dict[str, DocumentSource] = {
    "suggestion": DocumentSource("suggestion", _load_suggestions, _all_suggestions, suggestion_document),
}


def register_source(source: DocumentSource) -> None:
    SOURCES[source.kind] = source


def documents_for(session: Session, kind: str, ids: Collection[int]) -> dict[int, Optional[dict[str, Any]]]:
    """id → current document, or None where the object is gone or not public."""
    source = SOURCES[kind]
    found = {obj.id: source.build(obj) for obj in source.load(session, ids)}
    return {object_id: found.get(object_id) for object_id in ids}


def expected_documents(session: Session) -> Iterator[dict[str, Any]]:
    """Every document the index should hold right now."""
    for source in SOURCES.values():
        for obj in source.load_all(session):
            doc = source.build(obj)
            if doc is not None:
                yield doc

