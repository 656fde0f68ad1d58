"""Hearings (信访听证): the member pool, scheduling, postponement, cancellation, observers and conclusion.

The joint selection of members lives in `portal.services.hearing_selection`. Functions here take the
session first, may flush, never commit, and raise `HearingError` with a `code` the views translate.
Every function that depends on the clock takes `now`, so the demo and the tests can replay the past.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    Department, Hearing, HearingMember, HearingObserver, HearingPostponement, HearingStatus,
    MemberKind, Notification, ObserverState, Role, Status, Suggestion, User,
)
from portal.services import notifications, workflow
from portal.timeutil import local_date

# Local regulations: the public notice goes out at least seven days before the hearing.
MIN_NOTICE = timedelta(days=7)
PANEL_SIZES = (3, 5, 7)
STRIKES_PER_SIDE = (0, 1, 2)
# Suggestion statuses a hearing can be opened for: accepted and not yet final.
HEARABLE_STATUSES = {s.value for s in (Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED, Status.IN_REVIEW,
                                       Status.REVIEWED, Status.IN_SECOND_REVIEW)}
# Statuses in which the office's review answer can draw on the hearing's conclusion.
REVIEW_STATUSES = {Status.IN_REVIEW.value, Status.IN_SECOND_REVIEW.value}
ACTIVE_STATUSES = (HearingStatus.SCHEDULED.value, HearingStatus.POSTPONED.value)

# Notices to one observer (in-portal, rendered from `kind` in the reader's language).
NOTICE_OBSERVER_CONFIRMED = "hearing_observer_confirmed"
NOTICE_OBSERVER_WAITING = "hearing_observer_waiting"
NOTICE_OBSERVER_PROMOTED = "hearing_observer_promoted"


class HearingError(Exception):
    """A refused action; `code` maps to a translated message in the views."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# --- the member pool -----------------------------------------------------------------------------------

@dataclass
class MemberInput:
    name: str
    kind: str
    organisation: str
    department_id: Optional[int]
    term_start: date
    term_end: date
    conflicts: str
    conflict_department_ids: list[int]
    active: bool
    phone: str
    email: str


def save_member(session: Session, member: Optional[HearingMember], data: MemberInput) -> HearingMember:
    if data.kind not in {k.value for k in MemberKind}:
        raise HearingError("member_kind_unknown")
    if data.term_end < data.term_start:
        raise HearingError("term_reversed")
    member = member or HearingMember()
    member.name = data.name.strip()
    member.kind = data.kind
    member.organisation = data.organisation.strip()
    member.department_id = data.department_id or None
    member.term_start, member.term_end = data.term_start, data.term_end
    member.conflicts = data.conflicts.strip()
    member.conflict_departments = list(session.scalars(
        select(Department).where(Department.id.in_(data.conflict_department_ids or [0]))))
    member.active = data.active
    member.phone, member.email = data.phone.strip(), data.email.strip()
    session.add(member)
    session.flush()
    return member


# --- scheduling ----------------------------------------------------------------------------------------

@dataclass
class HearingInput:
    subject: str
    department_id: int
    starts_at: datetime  # aware
    duration_minutes: int
    venue: str
    is_public: bool
    closed_reason: str
    panel_size: int
    strikes_per_side: int
    observer_seats: int
    registration_closes_at: datetime  # aware


def _check_notice(starts_at: datetime, now: datetime) -> None:
    if starts_at - now < MIN_NOTICE:
        raise HearingError("notice_too_short", days=MIN_NOTICE.days)


def _check_input(data: HearingInput, now: datetime) -> None:
    _check_notice(data.starts_at, now)
    if data.panel_size not in PANEL_SIZES:
        raise HearingError("panel_size_invalid")
    if data.strikes_per_side not in STRIKES_PER_SIDE:
        raise HearingError("strikes_invalid")
    if data.observer_seats < 0:
        raise HearingError("observer_seats_invalid")
    if data.duration_minutes <= 0:
        raise HearingError("duration_invalid")
    if not data.is_public and not data.closed_reason.strip():
        raise HearingError("closed_reason_missing")
    if not now < data.registration_closes_at <= data.starts_at:
        raise HearingError("registration_close_invalid")


def schedule(session: Session, suggestion: Suggestion, data: HearingInput, actor: Optional[User],
             now: datetime) -> Hearing:
    """Open a hearing for `suggestion`; publishing it is part of scheduling, so notice runs from `now`."""
    if suggestion.status not in HEARABLE_STATUSES:
        raise HearingError("suggestion_not_hearable")
    _check_input(data, now)
    hearing = Hearing(
        reference="pending", suggestion=suggestion, subject=data.subject.strip(), department_id=data.department_id,
        starts_at=data.starts_at, duration_minutes=data.duration_minutes, venue=data.venue.strip(),
        is_public=data.is_public, closed_reason="" if data.is_public else data.closed_reason.strip(),
        panel_size=data.panel_size, strikes_per_side=data.strikes_per_side, observer_seats=data.observer_seats,
        registration_closes_at=data.registration_closes_at, status=HearingStatus.SCHEDULED.value,
        published_at=now, updated_at=now, created_by=actor,
    )
    session.add(hearing)
    session.flush()
    # A reference people can quote (听证 + year + number); also hashed into the selection record.
    hearing.reference = f"TZ{local_date(now).year}-{hearing.id:04d}"
    workflow.record_event(session, suggestion, "hearing_scheduled", actor, public_note=hearing.reference)
    _notify_followers(session, suggestion, "hearing_scheduled")
    session.flush()
    return hearing


def postpone(session: Session, hearing: Hearing, new_starts_at: datetime, reason: str, actor: Optional[User],
             now: datetime) -> HearingPostponement:
    """A new time with a fresh seven-day notice from now; observers' registration window moves along."""
    if hearing.status not in ACTIVE_STATUSES:
        raise HearingError("hearing_not_active")
    if not reason.strip():
        raise HearingError("reason_missing")
    _check_notice(new_starts_at, now)
    change = HearingPostponement(hearing=hearing, old_starts_at=hearing.starts_at, new_starts_at=new_starts_at,
                                 reason=reason.strip(), recorded_by_id=actor.id if actor else None, recorded_at=now)
    shift = new_starts_at - hearing.starts_at
    hearing.registration_closes_at = max(hearing.registration_closes_at + shift, now)
    hearing.starts_at = new_starts_at
    hearing.status = HearingStatus.POSTPONED.value
    hearing.sequence += 1
    hearing.updated_at = now
    session.add(change)
    workflow.record_event(session, hearing.suggestion, "hearing_postponed", actor, public_note=hearing.reference)
    _notify_followers(session, hearing.suggestion, "hearing_scheduled")
    session.flush()
    return change


def cancel(session: Session, hearing: Hearing, reason: str, actor: Optional[User], now: datetime) -> None:
    if hearing.status not in ACTIVE_STATUSES:
        raise HearingError("hearing_not_active")
    if not reason.strip():
        raise HearingError("reason_missing")
    hearing.status = HearingStatus.CANCELLED.value
    hearing.cancellation_reason = reason.strip()
    hearing.cancelled_at = now
    hearing.sequence += 1
    hearing.updated_at = now
    workflow.record_event(session, hearing.suggestion, "hearing_cancelled", actor, public_note=hearing.reference)
    session.flush()


def conclude(session: Session, hearing: Hearing, conclusion: str, actor: Optional[User], now: datetime) -> None:
    """Publish 听证结论 once the hearing has taken place; it goes on the suggestion's timeline."""
    if hearing.status not in ACTIVE_STATUSES:
        raise HearingError("hearing_not_active")
    if now < hearing.starts_at:
        raise HearingError("hearing_not_held")
    if not conclusion.strip():
        raise HearingError("conclusion_missing")
    hearing.conclusion = conclusion.strip()
    hearing.concluded_at = now
    hearing.status = HearingStatus.CONCLUDED.value
    hearing.updated_at = now
    workflow.record_event(session, hearing.suggestion, "hearing_concluded", actor, public_note=hearing.reference,
                          public=hearing.is_public)
    _notify_followers(session, hearing.suggestion, "hearing_concluded")
    session.flush()


def _notify_followers(session: Session, suggestion: Suggestion, kind: str) -> None:
    notifications.notify(session, suggestion, kind)


# --- who may see and do what ---------------------------------------------------------------------------

def is_party(user, hearing: Hearing) -> bool:
    """The suggestion's author: the resident side of the joint selection."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and hearing.suggestion.author_id == user.id)


def can_see_details(user, hearing: Hearing) -> bool:
    """A closed hearing shows only date, subject and status, except to the authority, the office and the author."""
    if hearing.is_public:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.HEARING_AUTHORITY, Role.OFFICE_STAFF) or is_party(user, hearing)


def involved_department_ids(hearing: Hearing) -> set[int]:
    """The organising body, the lead department and every department a dispatch ever named."""
    ids = {hearing.department_id}
    suggestion = hearing.suggestion
    if suggestion.lead_department_id:
        ids.add(suggestion.lead_department_id)
    ids.update(d.department_id for d in suggestion.dispatches)
    return ids


# --- queries -------------------------------------------------------------------------------------------

@dataclass
class ScheduleFilter:
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    department_id: Optional[int] = None
    status: Optional[str] = None


def schedule_query(filters: ScheduleFilter, now: datetime, upcoming: bool):
    from portal.timeutil import LOCAL_TZ

    query = select(Hearing)
    if upcoming:
        query = query.where(Hearing.starts_at >= now).order_by(Hearing.starts_at, Hearing.id)
    else:
        query = query.where(Hearing.starts_at < now).order_by(Hearing.starts_at.desc(), Hearing.id.desc())
    if filters.date_from:
        query = query.where(Hearing.starts_at >= datetime.combine(filters.date_from, datetime.min.time(),
                                                                  LOCAL_TZ))
    if filters.date_to:
        query = query.where(Hearing.starts_at < datetime.combine(filters.date_to + timedelta(days=1),
                                                                 datetime.min.time(), LOCAL_TZ))
    if filters.department_id:
        query = query.where(Hearing.department_id == filters.department_id)
    if filters.status:
        query = query.where(Hearing.status == filters.status)
    return query


def hearings_for_suggestion(session: Session, suggestion: Suggestion) -> list[Hearing]:
    """For the suggestion's pages and the office's review answer: every hearing held or planned on it."""
    return list(session.scalars(select(Hearing).where(Hearing.suggestion_id == suggestion.id)
                                .order_by(Hearing.starts_at)))


def search_document(hearing: Hearing) -> Optional[dict]:
    """What the search index may hold for a hearing (None for a closed hearing): no names of people."""
    if not hearing.is_public:
        return None
    from portal.services.public_views import public_hearing

    view = public_hearing(hearing, full=False)
    return {"id": hearing.id, "reference": hearing.reference, "subject": view.subject,
            "starts_at": hearing.starts_at, "venue": view.venue, "department_id": hearing.department_id,
            "status": hearing.status, "conclusion": view.conclusion if hearing.is_concluded else ""}


# --- observers (旁听) -----------------------------------------------------------------------------------

def registration_open(hearing: Hearing, now: datetime) -> bool:
    return (hearing.is_public and hearing.status in ACTIVE_STATUSES and hearing.observer_seats > 0
            and now <= hearing.registration_closes_at)


def confirmed_count(session: Session, hearing: Hearing) -> int:
    return session.scalar(select(func.count()).select_from(HearingObserver).where(
        HearingObserver.hearing_id == hearing.id, HearingObserver.state == ObserverState.CONFIRMED.value))


def waiting_list(session: Session, hearing: Hearing) -> list[HearingObserver]:
    return list(session.scalars(select(HearingObserver).where(
        HearingObserver.hearing_id == hearing.id, HearingObserver.state == ObserverState.WAITING.value)
        .order_by(HearingObserver.queued_at, HearingObserver.id)))


def registration_of(session: Session, hearing: Hearing, user: User) -> Optional[HearingObserver]:
    return session.scalar(select(HearingObserver).where(HearingObserver.hearing_id == hearing.id,
                                                        HearingObserver.user_id == user.id))


def _lock(session: Session, hearing: Hearing) -> None:
    # Serialise seat changes per hearing on PostgreSQL (SQLite serialises writers anyway), so two
    # people cannot both take the last seat.
    session.execute(select(Hearing.id).where(Hearing.id == hearing.id).with_for_update())


def register_observer(session: Session, hearing: Hearing, user: User, now: datetime) -> HearingObserver:
    """A seat if one is free, else a place at the end of the waiting list."""
    if not user.has_role(Role.RESIDENT):
        raise HearingError("observer_not_resident")
    if not registration_open(hearing, now):
        raise HearingError("registration_closed")
    _lock(session, hearing)
    registration = registration_of(session, hearing, user)
    if registration is not None and registration.state != ObserverState.CANCELLED.value:
        raise HearingError("already_registered")
    seat_free = confirmed_count(session, hearing) < hearing.observer_seats
    if registration is None:
        registration = HearingObserver(hearing=hearing, user=user)
        session.add(registration)
    registration.queued_at, registration.cancelled_at, registration.promoted_at = now, None, None
    if seat_free:
        registration.state, registration.confirmed_at = ObserverState.CONFIRMED.value, now
        _notify_user(session, user, hearing, NOTICE_OBSERVER_CONFIRMED, now)
    else:
        registration.state, registration.confirmed_at = ObserverState.WAITING.value, None
        _notify_user(session, user, hearing, NOTICE_OBSERVER_WAITING, now)
    session.flush()
    return registration


def cancel_observer(session: Session, hearing: Hearing, user: User, now: datetime) -> Optional[HearingObserver]:
    """Give up a seat or a waiting place; a freed seat goes to the first person waiting, who is told.

    Returns the promoted registration, if any. Cancelling stays possible after registration closes
    (someone may fall ill); the waiting list still fills the seat until the hearing starts.
    """
    _lock(session, hearing)
    registration = registration_of(session, hearing, user)
    if registration is None or registration.state == ObserverState.CANCELLED.value:
        raise HearingError("not_registered")
    freed = registration.state == ObserverState.CONFIRMED.value
    registration.state, registration.cancelled_at = ObserverState.CANCELLED.value, now
    session.flush()
    if freed and hearing.status in ACTIVE_STATUSES and now < hearing.starts_at:
        return _fill_seats(session, hearing, now)
    return None


def _fill_seats(session: Session, hearing: Hearing, now: datetime) -> Optional[HearingObserver]:
    promoted = None
    free = hearing.observer_seats - confirmed_count(session, hearing)
    for waiting in waiting_list(session, hearing)[:max(free, 0)]:
        waiting.state, waiting.confirmed_at, waiting.promoted_at = ObserverState.CONFIRMED.value, now, now
        _notify_user(session, waiting.user, hearing, NOTICE_OBSERVER_PROMOTED, now)
        promoted = promoted or waiting
    session.flush()
    return promoted


def observers_for_print(session: Session, hearing: Hearing) -> tuple[list[HearingObserver], list[HearingObserver]]:
    confirmed = list(session.scalars(select(HearingObserver).where(
        HearingObserver.hearing_id == hearing.id, HearingObserver.state == ObserverState.CONFIRMED.value)
        .order_by(HearingObserver.confirmed_at, HearingObserver.id)))
    return confirmed, waiting_list(session, hearing)


def _notify_user(session: Session, user: User, hearing: Hearing, kind: str, now: datetime) -> None:
    """An in-portal notice, and an e-mail after commit (through the configured mail backend)."""
    session.add(Notification(user_id=user.id, suggestion_id=hearing.suggestion_id, kind=kind, created_at=now))
    if user.email and user.notifications_enabled:
        session.info.setdefault(notifications.PENDING_MAIL, []).append(_observer_mail(user, hearing, kind))


def _observer_mail(user: User, hearing: Hearing, kind: str) -> tuple[str, str, str]:
    from flask import current_app, url_for
    from flask_babel import force_locale, format_datetime, gettext

    from portal import labels
    from portal.services.public_views import public_hearing

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Hearing %(reference)s: %(what)s", reference=hearing.reference,
                          what=str(labels.NOTIFICATION[kind]))
        try:
            link = url_for("hearings.hearing", hearing_id=hearing.id, _external=True)
        except RuntimeError:  # outside a request (CLI): the reference suffices
            link = ""
        view = public_hearing(hearing, full=False)  # observers are the public
        body = "\n\n".join(part for part in (
            view.subject, format_datetime(view.starts_at, "yyyy-MM-dd HH:mm") + " · " + view.venue,
            str(labels.NOTIFICATION[kind]), link) if part)
    return user.email, subject, body


def departments_involved(session: Session, ids: Iterable[int]) -> list[Department]:
    return list(session.scalars(select(Department).where(Department.id.in_(list(ids) or [0]))))

