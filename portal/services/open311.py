"""Open311 GeoReport v2 (read): categories as services, public suggestions as service requests.

Field names and formats follow the GeoReport v2 specification (wiki.open311.org/GeoReport_v2):
services carry service_code, service_name, description, metadata, type, keywords and group;
requests carry service_request_id, status (open or closed), status_notes, service_name,
service_code, description, agency_responsible, service_notice, requested_datetime,
updated_datetime, expected_datetime, address, address_id, zipcode, lat, long and media_url.
Everything comes from public views; a suggestion's location is given only as its district
(residents' addresses are never published), so lat/long stay empty.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Category, OPEN_STATUSES, PUBLIC_STATUSES, Reply, Suggestion
from portal.services import public_views

MAX_REQUESTS = 1000  # the specification's suggested maximum per answer
DEFAULT_WINDOW = timedelta(days=90)  # without dates, the specification's default window
OPEN = {s.value for s in OPEN_STATUSES}


@dataclass(frozen=True)
class RequestQuery:
    request_ids: Sequence[int] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()  # "open", "closed"
    start: Optional[datetime] = None
    end: Optional[datetime] = None


def services(session: Session) -> list[dict]:
    rows = session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.id))
    return [{"service_code": c.slug, "service_name": c.name, "description": c.name_en or c.name,
             "metadata": False, "type": "batch", "keywords": "", "group": ""} for c in rows]


def service(session: Session, code: str) -> Optional[dict]:
    category = session.scalar(select(Category).where(Category.slug == code, Category.active.is_(True)))
    if category is None:
        return None
    return {"service_code": category.slug, "attributes": []}


def _time(moment: Optional[datetime]) -> str:
    """W3C date-time with its offset, as the specification asks (e.g. 2026-11-30T08:00:00+00:00)."""
    return moment.isoformat(timespec="seconds") if moment is not None else ""


def _as_request(view: public_views.PublicSuggestion, category_codes: dict[int, str]) -> dict:
    published_reply = next((r for r in view.replies if r.kind == "reply"), None)
    status_notes = published_reply.body if published_reply is not None else ""
    updated = max((t for t in (view.accepted_at, view.published_at, view.submitted_at) if t is not None))
    description = view.title + ("\n" + view.problem if view.problem else "")
    return {
        "service_request_id": str(view.id),
        "status": "open" if view.status in OPEN else "closed",
        "status_notes": status_notes,
        "service_name": view.category.name if view.category else "",
        "service_code": category_codes.get(view.category.id, "") if view.category else "",
        "description": description,
        "agency_responsible": view.lead_department.name if view.lead_department else "",
        "service_notice": "",
        "requested_datetime": _time(view.submitted_at),
        "updated_datetime": _time(updated),
        "expected_datetime": "",
        "address": view.district.name if view.district else "",
        "address_id": "",
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def requests(session: Session, query: RequestQuery, now: datetime) -> list[dict]:
    stmt = (select(Suggestion).where(Suggestion.status.in_([s.value for s in PUBLIC_STATUSES]))
            .order_by(Suggestion.submitted_at.desc(), Suggestion.id.desc()).limit(MAX_REQUESTS)
            .options(selectinload(Suggestion.category), selectinload(Suggestion.district),
                     selectinload(Suggestion.lead_department), selectinload(Suggestion.author),
                     selectinload(Suggestion.replies).selectinload(Reply.department)))
    if query.request_ids:  # the specification: every other parameter is then ignored
        stmt = stmt.where(Suggestion.id.in_(query.request_ids))
    else:
        start = query.start
        if start is None and query.end is None:
            start = now - DEFAULT_WINDOW
        if start is not None:
            stmt = stmt.where(Suggestion.submitted_at >= start)
        if query.end is not None:
            stmt = stmt.where(Suggestion.submitted_at <= query.end)
        if query.service_codes:
            stmt = stmt.join(Category, Suggestion.category_id == Category.id).where(
                Category.slug.in_(query.service_codes))
        if query.statuses and set(query.statuses) != {"open", "closed"}:
            wanted_open = "open" in query.statuses
            stmt = stmt.where(Suggestion.status.in_(OPEN) if wanted_open else Suggestion.status.not_in(OPEN))
    rows = list(session.scalars(stmt))
    codes = {c.id: c.slug for c in session.scalars(select(Category))}
    return [_as_request(public_views.public_suggestion(s, with_replies=True), codes) for s in rows]
