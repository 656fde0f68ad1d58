"""Queries behind the public lists: suggestions open for support, answered ones, and outcomes.

Only public suggestions (accepted or later) ever appear; a suggestion's decision and conversion
appear only once the department has published them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

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


# Newest accepted first: the home page and the lists share this order and its index.
NEWEST = (Suggestion.accepted_at, Suggestion.id)
NEWEST_PUBLISHED = (Suggestion.published_at, Suggestion.id)


def sort_keys(filters: ListFilters) -> tuple:
    """The keyset order of the suggestion lists; each has an index (see Suggestion.__table_args__)."""
    if filters.sort == "supported":
        return (Suggestion.support_count, Suggestion.id)
    return NEWEST


def suggestions_query(filters: ListFilters) -> Select:
    """Public suggestions matching `filters`, unordered: pages are cut by `pagination.keyset_page`."""
    statuses = [s.value for s in STATUS_GROUPS.get(filters.group, PUBLIC_STATUSES)]
    # Public suggestions were all accepted; saying so lets the newest-first index serve the order.
    query = select(Suggestion).where(Suggestion.status.in_(statuses), Suggestion.accepted_at.is_not(None)).options(
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
    return query


def outcomes_query(filters: OutcomeFilters) -> Select:
    """Published answers (ordered NEWEST_PUBLISHED by the paginator), conversions loaded for the summary."""
    statuses = [s.value for s in PUBLIC_STATUSES]
    query = (select(Suggestion)
             .where(Suggestion.status.in_(statuses), Suggestion.published_at.is_not(None))
             .options(selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
                      selectinload(Suggestion.conversions).selectinload(Conversion.progress),
                      selectinload(Suggestion.lead_department), selectinload(Suggestion.category),
                      selectinload(Suggestion.district), selectinload(Suggestion.author)))
    if filters.decision:
        query = query.where(Suggestion.decision == filters.decision)
    if filters.conversion_type:
        query = query.where(exists().where(Conversion.suggestion_id == Suggestion.id,
                                           Conversion.type == filters.conversion_type))
    return query
