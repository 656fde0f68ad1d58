"""What else waits for the suggestion office besides the intake queue: extensions and reviews.

The intake queue itself is `work_queues.office_queue` (in SQL, by the stored due date).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import ExtensionRequest, Status, Suggestion
from portal.services import work_queues

REVIEW_STATUSES = (Status.IN_REVIEW, Status.IN_SECOND_REVIEW)


@dataclass
class QueueItem:
    suggestion: Suggestion
    deadline: Optional[work_queues.StoredDeadline]


def pending_extensions(session: Session) -> list[ExtensionRequest]:
    return list(session.scalars(select(ExtensionRequest).where(ExtensionRequest.state == "pending")
                                .order_by(ExtensionRequest.requested_at)))


def _reviews():
    return select(Suggestion).where(Suggestion.status.in_([s.value for s in REVIEW_STATUSES]))


def waiting_counts(session: Session) -> tuple[int, int]:
    """How many extension requests and reviews wait for the office (for the queue's pointers)."""
    extensions = session.scalar(select(func.count()).select_from(ExtensionRequest)
                                .where(ExtensionRequest.state == "pending"))
    reviews = session.scalar(select(func.count()).select_from(_reviews().subquery()))
    return extensions, reviews


def pending_reviews(session: Session, now: datetime) -> list[QueueItem]:
    suggestions = session.scalars(_reviews().order_by(Suggestion.due_at, Suggestion.id))
    return [QueueItem(s, work_queues.stored_deadline(s, now)) for s in suggestions]
