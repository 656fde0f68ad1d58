"""专项征集: a department asks for suggestions on a topic within a period, then answers them together.

Suggestions join a call through `Suggestion.themed_call_id` (the submit form offers open calls).
Individual suggestions in a call are still dispatched and answered one by one as usual.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import PUBLIC_STATUSES, Suggestion, ThemedCall, User
from portal.timeutil import utcnow

ANSWER_MIN_LENGTH = 20
UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"


class ThemedCallError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def state(call: ThemedCall, now: Optional[datetime] = None) -> str:
    now = now or utcnow()
    if now < call.opens_at:
        return UPCOMING
    return OPEN if now < call.closes_at else CLOSED


def is_open(call: ThemedCall, now: Optional[datetime] = None) -> bool:
    return state(call, now) == OPEN


def open_calls(session: Session, now: Optional[datetime] = None) -> list[ThemedCall]:
    """Calls accepting suggestions now, closing soonest first (for the submit form)."""
    now = now or utcnow()
    return list(session.scalars(select(ThemedCall).where(ThemedCall.opens_at <= now, ThemedCall.closes_at > now)
                                .order_by(ThemedCall.closes_at, ThemedCall.id)))


def public_calls(session: Session, now: Optional[datetime] = None) -> list[ThemedCall]:
    """Calls that have opened (upcoming ones are not announced yet), newest first."""
    now = now or utcnow()
    return list(session.scalars(select(ThemedCall).where(ThemedCall.opens_at <= now)
                                .options(selectinload(ThemedCall.department))
                                .order_by(ThemedCall.opens_at.desc(), ThemedCall.id.desc())))


def department_calls(session: Session, department_id: int) -> list[ThemedCall]:
    return list(session.scalars(select(ThemedCall).where(ThemedCall.department_id == department_id)
                                .order_by(ThemedCall.opens_at.desc(), ThemedCall.id.desc())))


def suggestions_in(session: Session, call: ThemedCall, public_only: bool = False) -> list[Suggestion]:
    query = select(Suggestion).where(Suggestion.themed_call_id == call.id).options(selectinload(Suggestion.author))
    if public_only:
        query = query.where(Suggestion.status.in_([s.value for s in PUBLIC_STATUSES]))
    return list(session.scalars(query.options(selectinload(Suggestion.author), selectinload(Suggestion.category),
                                              selectinload(Suggestion.district),
                                              selectinload(Suggestion.lead_department))
                                .order_by(Suggestion.submitted_at, Suggestion.id)))


def _check_period(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValueError("themed call times must be aware datetimes")
    if closes_at <= opens_at:
        raise ThemedCallError("closes_before_opens")


def create_call(session: Session, actor: User, title: str, description: str, opens_at: datetime,
                closes_at: datetime) -> ThemedCall:
    if actor.department_id is None:
        raise ThemedCallError("no_department")
    _check_period(opens_at, closes_at)
    call = ThemedCall(department_id=actor.department_id, title=title.strip(), description=description.strip(),
                      opens_at=opens_at, closes_at=closes_at, created_at=utcnow())
    session.add(call)
    session.flush()
    return call


def update_call(session: Session, call: ThemedCall, actor: User, title: str, description: str,
                opens_at: datetime, closes_at: datetime) -> ThemedCall:
    require_own(call, actor)
    if call.answered_at is not None:
        raise ThemedCallError("already_answered")
    _check_period(opens_at, closes_at)
    call.title, call.description = title.strip(), description.strip()
    call.opens_at, call.closes_at = opens_at, closes_at
    session.flush()
    return call


def require_own(call: ThemedCall, actor: User) -> None:
    if actor.department_id is None or call.department_id != actor.department_id:
        raise ThemedCallError("not_own_call")


def publish_collective_answer(session: Session, call: ThemedCall, actor: User, answer: str,
                              now: Optional[datetime] = None) -> None:
    """One public answer to all the suggestions in a call, once it has closed."""
    require_own(call, actor)
    if state(call, now) != CLOSED:
        raise ThemedCallError("not_closed")
    if call.answered_at is not None:
        raise ThemedCallError("already_answered")
    answer = (answer or "").strip()
    if len(answer) < ANSWER_MIN_LENGTH:
        raise ThemedCallError("answer_too_short")
    call.collective_answer = answer
    call.answered_at = now or utcnow()
    session.flush()
