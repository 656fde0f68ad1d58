"""What is waiting for the suggestion office: the intake queue, pending extensions, pending reviews.

Deadlines depend on each suggestion's policy and the holiday calendar, so they are computed per
item in Python after the filters ran in SQL; the queue holds only what awaits the office, which
the time limits keep small.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Dispatch, ExtensionRequest, Status, Suggestion
from portal.services import deadlines
from portal.services.intake import latest_dispute

QUEUE_STATUSES = (Status.SUBMITTED, Status.NEEDS_INFO, Status.ACCEPTED)
REVIEW_STATUSES = (Status.IN_REVIEW, Status.IN_SECOND_REVIEW)
PAGE_SIZE = 25


@dataclass
class QueueFilters:
    status: Optional[str] = None
    category_id: Optional[int] = None
    district_id: Optional[int] = None
    channel: Optional[str] = None
    overdue_only: bool = False
    text: str = ""


@dataclass
class QueueItem:
    suggestion: Suggestion
    deadline: Optional[deadlines.Deadline]
    dispute: Optional[Dispatch] = None  # set when a department sent it back


@dataclass
class Page:
    items: list = field(default_factory=list)
    page: int = 1
    pages: int = 1
    total: int = 0


def _paginate(items: list, page: int, size: int = PAGE_SIZE) -> Page:
    pages = max(1, math.ceil(len(items) / size))
    page = min(max(1, page), pages)
    return Page(items=items[(page - 1) * size: page * size], page=page, pages=pages, total=len(items))


def _sort_key(item: QueueItem):
    # Earliest deadline first; items nobody is timed on (waiting for the author) last.
    if item.deadline is None:
        return (1, 0.0, item.suggestion.id)
    return (0, item.deadline.due.timestamp(), item.suggestion.id)


def intake_queue(session: Session, filters: QueueFilters, now: datetime, page: int = 1) -> Page:
    statuses = [s.value for s in QUEUE_STATUSES]
    if filters.status in statuses:
        statuses = [filters.status]
    query = (select(Suggestion).where(Suggestion.status.in_(statuses))
             .options(selectinload(Suggestion.dispatches), selectinload(Suggestion.policy)))
    if filters.category_id:
        query = query.where(Suggestion.category_id == filters.category_id)
    if filters.district_id:
        query = query.where(Suggestion.district_id == filters.district_id)
    if filters.channel:
        query = query.where(Suggestion.channel == filters.channel)
    if filters.text.strip():
        query = query.where(Suggestion.title.contains(filters.text.strip(), autoescape=True))
    items = []
    for suggestion in session.scalars(query):
        deadline = deadlines.next_deadline(session, suggestion, now)
        if filters.overdue_only and not (deadline and deadline.overdue):
            continue
        items.append(QueueItem(suggestion, deadline, latest_dispute(suggestion)))
    items.sort(key=_sort_key)
    return _paginate(items, page)


def pending_extensions(session: Session) -> list[ExtensionRequest]:
    return list(session.scalars(select(ExtensionRequest).where(ExtensionRequest.state == "pending")
                                .order_by(ExtensionRequest.requested_at)))


def waiting_counts(session: Session) -> tuple[int, int]:
    """How many extension requests and reviews wait for the office (for the queue's pointers)."""
    extensions = session.scalar(select(func.count()).select_from(ExtensionRequest)
                                .where(ExtensionRequest.state == "pending"))
    reviews = session.scalar(select(func.count()).select_from(Suggestion)
                             .where(Suggestion.status.in_([s.value for s in REVIEW_STATUSES])))
    return extensions, reviews


def pending_reviews(session: Session, now: datetime) -> list[QueueItem]:
    suggestions = session.scalars(select(Suggestion).where(
        Suggestion.status.in_([s.value for s in REVIEW_STATUSES])))
    items = [QueueItem(s, deadlines.next_deadline(session, s, now)) for s in suggestions]
    items.sort(key=_sort_key)
    return items
