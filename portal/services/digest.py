"""The daily digest (民情日报): for the whole city or one department, what one local day brought.

Everything is computed from stored times, so a past day's digest can be reopened and comes out
the same, except "overdue" and "due today", which read the stored due dates as they are now
(a deadline moved since then shows where it is now). Imported history is never counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Category, Dispatch, District, Rating, RatingLevel, Suggestion, SuggestionEvent
from portal.services import work_queues
from portal.services.work_queues import local_day_bounds

LIST_LIMIT = 20
HOT_TOPIC_CANDIDATES = 30
REVIEW_ACTIONS = ("request_review", "request_second_review")
CONVERSION_ACTIONS = ("converted", "progress")


@dataclass
class Digest:
    day: date
    department_id: Optional[int]
    arrivals: int = 0
    arrived: list[Suggestion] = field(default_factory=list)  # the first LIST_LIMIT, newest first
    average_7: float = 0.0  # arrivals per day over the 7 days before
    average_28: float = 0.0
    by_category: list[tuple[Optional[Category], int]] = field(default_factory=list)
    by_district: list[tuple[Optional[District], int]] = field(default_factory=list)
    hot_topics: list[list[Suggestion]] = field(default_factory=list)
    widely_supported: list[Suggestion] = field(default_factory=list)
    due_today: list[Suggestion] = field(default_factory=list)
    overdue: list[Suggestion] = field(default_factory=list)
    overdue_total: int = 0
    dissatisfied: list[Suggestion] = field(default_factory=list)
    review_requests: list[Suggestion] = field(default_factory=list)
    conversions: list[Suggestion] = field(default_factory=list)


def _arrivals(department_id: Optional[int], start: datetime, end: datetime):
    """Live suggestions that came in during [start, end): received (city) or dispatched to the department."""
    if department_id is None:
        return select(Suggestion).where(work_queues.live(), Suggestion.submitted_at >= start,
                                        Suggestion.submitted_at < end)
    dispatched = select(Dispatch.suggestion_id).where(
        Dispatch.department_id == department_id, Dispatch.dispatched_at >= start, Dispatch.dispatched_at < end)
    return select(Suggestion).where(work_queues.live(), Suggestion.id.in_(dispatched))


def _scoped(query, department_id: Optional[int]):
    query = query.where(work_queues.live())
    return query.where(Suggestion.lead_department_id == department_id) if department_id is not None else query


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _grouped(session: Session, arrivals, column, model) -> list:
    inner = arrivals.subquery()
    rows = session.execute(select(getattr(inner.c, column), func.count()).group_by(getattr(inner.c, column))
                           .order_by(func.count().desc())).all()
    names = {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_([r[0] for r in rows if r[0]])))}
    return [(names.get(key), count) for key, count in rows]


def _by_event(session: Session, actions, department_id, start, end) -> list[Suggestion]:
    ids = select(SuggestionEvent.suggestion_id).where(
        SuggestionEvent.action.in_(actions), SuggestionEvent.created_at >= start, SuggestionEvent.created_at < end)
    return list(session.scalars(_scoped(select(Suggestion).where(Suggestion.id.in_(ids)), department_id)
                                .order_by(Suggestion.id).limit(LIST_LIMIT)))


def compute(session: Session, day: date, department_id: Optional[int] = None,
            similar=None) -> Digest:
    """The digest of local day `day`. `similar(suggestion) -> ids` finds related suggestions (the search
    engine's similar-suggestions function); without it there are no hot topics."""
    start, end = local_day_bounds(day)
    digest = Digest(day=day, department_id=department_id)
    arrivals = _arrivals(department_id, start, end)
    digest.arrivals = _count(session, arrivals)
    digest.arrived = list(session.scalars(arrivals.order_by(Suggestion.submitted_at.desc(), Suggestion.id.desc())
                                          .limit(LIST_LIMIT)))
    digest.average_7 = _count(session, _arrivals(department_id, start - timedelta(days=7), start)) / 7
    digest.average_28 = _count(session, _arrivals(department_id, start - timedelta(days=28), start)) / 28
    digest.by_category = _grouped(session, arrivals, "category_id", Category)
    digest.by_district = _grouped(session, arrivals, "district_id", District)
    if similar is not None:
        digest.hot_topics = hot_topics(session, department_id, start - timedelta(days=6), end, similar)

    digest.widely_supported = list(session.scalars(_scoped(select(Suggestion).where(
        Suggestion.widely_supported_at >= start, Suggestion.widely_supported_at < end), department_id)
        .order_by(Suggestion.support_count.desc()).limit(LIST_LIMIT)))
    owes = [work_queues.department_owes()] if department_id is not None else []
    digest.due_today = list(session.scalars(_scoped(select(Suggestion).where(
        Suggestion.due_at >= start, Suggestion.due_at < end, *owes), department_id)
        .order_by(Suggestion.due_at).limit(LIST_LIMIT)))
    overdue = _scoped(select(Suggestion).where(work_queues.overdue(start), *owes), department_id)
    digest.overdue_total = _count(session, overdue)
    digest.overdue = list(session.scalars(overdue.order_by(Suggestion.due_at).limit(LIST_LIMIT)))

    rated = select(Rating.suggestion_id).where(Rating.level == RatingLevel.DISSATISFIED.value,
                                               Rating.created_at >= start, Rating.created_at < end)
    digest.dissatisfied = list(session.scalars(_scoped(select(Suggestion).where(Suggestion.id.in_(rated)),
                                                       department_id).order_by(Suggestion.id).limit(LIST_LIMIT)))
    digest.review_requests = _by_event(session, REVIEW_ACTIONS, department_id, start, end)
    digest.conversions = _by_event(session, CONVERSION_ACTIONS, department_id, start, end)
    return digest


def hot_topics(session: Session, department_id, start: datetime, end: datetime, similar) -> list[list[Suggestion]]:
    """Groups of at least two recent suggestions the search engine finds similar to each other, largest first."""
    recent = list(session.scalars(_arrivals(department_id, start, end)
                                  .order_by(Suggestion.submitted_at.desc()).limit(HOT_TOPIC_CANDIDATES)))
    by_id = {s.id: s for s in recent}
    parent = {s.id: s.id for s in recent}

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for suggestion in recent:
        for other in similar(suggestion):
            if other in parent and other != suggestion.id:
                parent[root(other)] = root(suggestion.id)
    groups: dict[int, list[Suggestion]] = {}
    for suggestion_id in by_id:
        groups.setdefault(root(suggestion_id), []).append(by_id[suggestion_id])
    clusters = [sorted(g, key=lambda s: s.id) for g in groups.values() if len(g) > 1]
    return sorted(clusters, key=lambda g: (-len(g), g[0].id))
