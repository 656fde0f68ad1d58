"""Deadlines computed from configurable policies and the working-day calendar.

The functions compute; `portal.services.work_queues` stores the staff's current deadline on the
suggestion (`due_at`) from `next_deadline` whenever it starts or changes, so queues and metrics
can compare it with the clock in SQL. Calendar-day
limits end at midnight in Asia/Shanghai; working-day limits skip weekends and public holidays and
count the weekend days worked instead (调休), both from the `Holiday` table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import DeadlinePolicy, Holiday, Status, Suggestion, SuggestionEvent
from portal.timeutil import LOCAL_TZ, local_date

_FALLBACK_POLICY = dict(accept_days=15, dispute_working_days=5, reply_days=60, extension_max_days=30,
                        review_request_days=30, review_answer_days=30, rating_days=30, support_threshold=100,
                        widely_supported_reply_days=30)


@dataclass(frozen=True)
class Deadline:
    kind: str  # accept, reply, rating, review_request, review_answer, second_review_request, second_review_answer
    due: datetime
    overdue: bool


def policy_for(session: Session, suggestion: Suggestion) -> DeadlinePolicy:
    if suggestion.policy is not None:
        return suggestion.policy
    default = session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.is_default.is_(True)).limit(1))
    # A database without policies still computes the statutory limits.
    return default or DeadlinePolicy(code="statutory", name="", **_FALLBACK_POLICY)


def support_threshold_sql():
    """`policy_for(session, suggestion).support_threshold` as SQL over the suggestion's row, for
    the RETURNING of the statement that counts a support (one round trip instead of two)."""
    own = select(DeadlinePolicy.support_threshold).where(DeadlinePolicy.id == Suggestion.policy_id)
    default = select(DeadlinePolicy.support_threshold).where(DeadlinePolicy.is_default.is_(True)).limit(1)
    return func.coalesce(own.scalar_subquery(), default.scalar_subquery(), _FALLBACK_POLICY["support_threshold"])


def end_of_local_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ) - timedelta(microseconds=1)


def after_days(moment: datetime, days: int) -> datetime:
    """The end of the local day `days` calendar days after `moment`'s local date."""
    return end_of_local_day(local_date(moment) + timedelta(days=days))


def _calendar_overrides(session: Session, start: date, end: date) -> dict[date, bool]:
    rows = session.execute(select(Holiday.day, Holiday.is_workday).where(Holiday.day.between(start, end)))
    return {day: is_workday for day, is_workday in rows}


def is_working_day(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(session: Session, start: date, days: int) -> date:
    """The date `days` working days after `start` (which itself does not count)."""
    overrides = _calendar_overrides(session, start, start + timedelta(days=days * 3 + 30))
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            counted += 1
    return day


def dispute_due(session: Session, suggestion: Suggestion) -> Optional[datetime]:
    """The last moment a department may dispute the current dispatch (5 working days by default)."""
    if suggestion.dispatched_at is None:
        return None
    policy = policy_for(session, suggestion)
    return end_of_local_day(add_working_days(session, local_date(suggestion.dispatched_at), policy.dispute_working_days))


def reply_due(session: Session, suggestion: Suggestion, extra_days: int = 0) -> Optional[datetime]:
    """When the written reply is due: from acceptance, plus an approved extension; sooner when widely supported.

    `extra_days`: as if an extension of that many days were approved too (what the office is asked to grant)."""
    policy = policy_for(session, suggestion)
    if policy.first_round_hours and suggestion.submitted_at is not None:
        # Fast track (民意速办): a first round within hours of receipt.
        return suggestion.submitted_at + timedelta(hours=policy.first_round_hours)
    if suggestion.accepted_at is None:
        return None
    due = after_days(suggestion.accepted_at, policy.reply_days + suggestion.extension_days + extra_days)
    if suggestion.widely_supported_at is not None:
        due = min(due, after_days(suggestion.widely_supported_at, policy.widely_supported_reply_days))
    return due


def accept_due(session: Session, suggestion: Suggestion) -> datetime:
    policy = policy_for(session, suggestion)
    if policy.acknowledge_minutes:
        return suggestion.submitted_at + timedelta(minutes=policy.acknowledge_minutes)
    return after_days(suggestion.submitted_at, policy.accept_days)


def _last_event_time(session: Session, suggestion: Suggestion, action: str) -> Optional[datetime]:
    # An event added in this transaction but not yet flushed (the due date is stored just before
    # the flush that writes it) is the latest one.
    pending = [e.created_at for e in session.new if isinstance(e, SuggestionEvent)
               and e.suggestion is suggestion and e.action == action and e.created_at is not None]
    if pending:
        return max(pending)
    if suggestion.id is None:
        return None
    return session.scalar(select(SuggestionEvent.created_at)
                          .where(SuggestionEvent.suggestion_id == suggestion.id, SuggestionEvent.action == action)
                          .order_by(SuggestionEvent.id.desc()).limit(1))


def next_deadline(session: Session, suggestion: Suggestion, now: datetime) -> Optional[Deadline]:
    """The deadline that matters now for this suggestion, or None when nobody is waited for."""
    policy = policy_for(session, suggestion)
    status = Status(suggestion.status)
    kind, due = None, None
    if status == Status.SUBMITTED:
        kind, due = "accept", accept_due(session, suggestion)
    elif status in (Status.ACCEPTED, Status.DISPATCHED):
        kind, due = "reply", reply_due(session, suggestion)
    elif status == Status.REPLIED and suggestion.replied_at is not None:
        kind, due = "rating", after_days(suggestion.replied_at, policy.rating_days)
    elif status == Status.IN_REVIEW:
        requested = _last_event_time(session, suggestion, "request_review")
        kind, due = "review_answer", requested and after_days(requested, policy.review_answer_days)
    elif status == Status.REVIEWED:
        answered = _last_event_time(session, suggestion, "answer_review")
        kind, due = "second_review_request", answered and after_days(answered, policy.review_request_days)
    elif status == Status.IN_SECOND_REVIEW:
        requested = _last_event_time(session, suggestion, "request_second_review")
        kind, due = "second_review_answer", requested and after_days(requested, policy.review_answer_days)
    if kind is None or due is None:
        return None
    return Deadline(kind=kind, due=due, overdue=now > due)
