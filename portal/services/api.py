"""Queries behind the read-only JSON API: public suggestions with cursor pagination.

A cursor is the sort key of the last item a client saw, so every page costs the same however deep
a client pages, and a page never repeats or skips an item when new suggestions arrive meanwhile.
Everything returned is a public view (`portal.services.public_views`): masked text, published
decisions only.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Optional

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Conversion, PUBLIC_STATUSES, Reply, Suggestion
from portal.services import public_views
from portal.services.public_lists import STATUS_GROUPS
from portal.timeutil import LOCAL_TZ

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class CursorError(ValueError):
    """A cursor this API did not hand out (or one for another sort)."""


@dataclass(frozen=True)
class SuggestionQuery:
    status: str = "all"  # a group (open, answered, all) or one public status code
    category_id: Optional[int] = None
    district_id: Optional[int] = None
    department_id: Optional[int] = None
    call_id: Optional[int] = None
    decision: Optional[str] = None
    conversion_type: Optional[str] = None
    widely_supported: Optional[bool] = None
    submitted_from: Optional[date] = None  # local calendar days, inclusive
    submitted_to: Optional[date] = None
    sort: str = "newest"
    limit: int = DEFAULT_LIMIT
    cursor: Optional[str] = None


# Each sort: the columns of its key, newest or largest first, with the id breaking ties.
SORTS = {
    "newest": (Suggestion.id.desc(),),
    "oldest": (Suggestion.id.asc(),),
    "supported": (Suggestion.support_count.desc(), Suggestion.id.desc()),
    "published": (Suggestion.published_at.desc(), Suggestion.id.desc()),
}
_KEY_COLUMNS = {
    "newest": ("id",),
    "oldest": ("id",),
    "supported": ("support_count", "id"),
    "published": ("published_at", "id"),
}


@dataclass(frozen=True)
class SuggestionPage:
    items: list[public_views.PublicSuggestion]
    next_cursor: Optional[str]


def encode_cursor(sort: str, values: tuple) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps([sort, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise CursorError(cursor) from None
    columns = _KEY_COLUMNS[sort]
    if cursor_sort != sort or not isinstance(values, list) or len(values) != len(columns):
        raise CursorError(cursor)
    decoded = []
    for column, value in zip(columns, values):
        if column == "published_at":
            try:
                decoded.append(datetime.fromisoformat(value))
            except (TypeError, ValueError):
                raise CursorError(cursor) from None
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 31:
            decoded.append(value)
        else:
            raise CursorError(cursor)
    return tuple(decoded)


def _after(sort: str, key: tuple):
    """Rows strictly after the cursor in the sort's order."""
    if sort == "newest":
        return Suggestion.id < key[0]
    if sort == "oldest":
        return Suggestion.id > key[0]
    column = Suggestion.support_count if sort == "supported" else Suggestion.published_at
    return or_(column < key[0], and_(column == key[0], Suggestion.id < key[1]))


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _filtered(query: SuggestionQuery):
    statuses = STATUS_GROUPS.get(query.status)
    status_values = [s.value for s in statuses] if statuses else [query.status]
    stmt = select(Suggestion).where(Suggestion.status.in_(status_values))
    if query.category_id is not None:
        stmt = stmt.where(Suggestion.category_id == query.category_id)
    if query.district_id is not None:
        stmt = stmt.where(Suggestion.district_id == query.district_id)
    if query.department_id is not None:
        stmt = stmt.where(Suggestion.lead_department_id == query.department_id)
    if query.call_id is not None:
        stmt = stmt.where(Suggestion.themed_call_id == query.call_id)
    # A decision and conversions are public only once published.
    if query.decision is not None:
        stmt = stmt.where(Suggestion.decision == query.decision, Suggestion.published_at.is_not(None))
    if query.conversion_type is not None:
        stmt = stmt.where(Suggestion.published_at.is_not(None),
                          exists().where(Conversion.suggestion_id == Suggestion.id,
                                         Conversion.type == query.conversion_type))
    if query.widely_supported is not None:
        stmt = stmt.where(Suggestion.widely_supported_at.is_not(None) if query.widely_supported
                          else Suggestion.widely_supported_at.is_(None))
    if query.submitted_from is not None:
        stmt = stmt.where(Suggestion.submitted_at >= _local_midnight_utc(query.submitted_from))
    if query.submitted_to is not None:
        stmt = stmt.where(Suggestion.submitted_at < _local_midnight_utc(query.submitted_to + timedelta(days=1)))
    if query.sort == "published":
        stmt = stmt.where(Suggestion.published_at.is_not(None))
    return stmt


def list_suggestions(session: Session, query: SuggestionQuery) -> SuggestionPage:
    stmt = _filtered(query)
    if query.cursor:
        stmt = stmt.where(_after(query.sort, decode_cursor(query.sort, query.cursor)))
    stmt = (stmt.order_by(*SORTS[query.sort]).limit(query.limit + 1)
            .options(selectinload(Suggestion.category), selectinload(Suggestion.district),
                     selectinload(Suggestion.lead_department), selectinload(Suggestion.author),
                     selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
                     selectinload(Suggestion.conversions).selectinload(Conversion.progress)))
    rows = list(session.scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(query.sort, tuple(getattr(last, c) for c in _KEY_COLUMNS[query.sort]))
    return SuggestionPage(items=public_views.public_suggestions(rows, with_conversions=True), next_cursor=next_cursor)


def public_suggestion_or_none(session: Session, suggestion_id: int) -> Optional[Suggestion]:
    suggestion = session.get(Suggestion, suggestion_id, options=[
        selectinload(Suggestion.replies).selectinload(Reply.department),
        selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
        selectinload(Suggestion.conversions).selectinload(Conversion.progress)])
    if suggestion is None or suggestion.status not in {s.value for s in PUBLIC_STATUSES}:
        return None
    return suggestion


def as_json_value(value: Any) -> Any:
    """Times as RFC 3339 in UTC, dates as YYYY-MM-DD; the rest unchanged."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
