"""Queries behind the public lists: suggestions open for support, answered ones, and outcomes.

Only public suggestions (accepted or later) ever appear; a suggestion's decision and conversion
appear only once the department has published them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Conversion, OPEN_STATUSES, PUBLIC_STATUSES, Status, Suggestion

ANSWERED_STATUSES = (Status.REPLIED, Status.IN_REVIEW, Status.REVIEWED, Status.IN_SECOND_REVIEW, Status.CLOSED)
STATUS_GROUPS = {
    "open": OPEN_STATUSES,
    "answered": ANSWERED_STATUSES,
    "all": PUBLIC_STATUSES,
}
SORTS = ("newest", "supported")


@dataclass
class ListFilters:
    group: str = "all"
    category_id: Optional[int] = None
    district_id: Optional[int] = None
    department_id: Optional[int] = None
    call_id: Optional[int] = None
    widely_supported: bool = False
    sort: str = "newest"


@dataclass
class OutcomeFilters:
    decision: Optional[str] = None
    conversion_type: Optional[str] = None


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int


def paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, pages=pages, total=total)


def suggestions_query(filters: ListFilters) -> Select:
    statuses = [s.value for s in STATUS_GROUPS.get(filters.group, PUBLIC_STATUSES)]
    query = select(Suggestion).where(Suggestion.status.in_(statuses)).options(
        selectinload(Suggestion.category), selectinload(Suggestion.district),
        selectinload(Suggestion.lead_department), selectinload(Suggestion.author))
    if filters.category_id:
        query = query.where(Suggestion.category_id == filters.category_id)
    if filters.district_id:
        query = query.where(Suggestion.district_id == filters.district_id)
    if filters.department_id:
        query = query.where(Suggestion.lead_department_id == filters.department_id)
    if filters.call_id:
        query = query.where(Suggestion.themed_call_id == filters.call_id)
    if filters.widely_supported:
        query = query.where(Suggestion.widely_supported_at.is_not(None))
    if filters.sort == "supported":
        return query.order_by(Suggestion.support_count.desc(), Suggestion.id.desc())
    return query.order_by(Suggestion.accepted_at.desc().nulls_last(), Suggestion.id.desc())


def outcomes_query(filters: OutcomeFilters) -> Select:
    """Published answers, newest first, with their conversions loaded for the summary."""
    statuses = [s.value for s in PUBLIC_STATUSES]
    query = (select(Suggestion)
             .where(Suggestion.status.in_(statuses), Suggestion.published_at.is_not(None))
             .options(selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
                      selectinload(Suggestion.conversions).selectinload(Conversion.progress),
                      selectinload(Suggestion.lead_department), selectinload(Suggestion.category)))
    if filters.decision:
        query = query.where(Suggestion.decision == filters.decision)
    if filters.conversion_type:
        query = query.where(exists().where(Conversion.suggestion_id == Suggestion.id,
                                           Conversion.type == filters.conversion_type))
    return query.order_by(Suggestion.published_at.desc(), Suggestion.id.desc())
