"""A resident's rights under the Personal Information Protection Law: a copy of their data, and erasure.

`export` gathers everything the portal holds about one person (a plain dict, for JSON). `delete_account`
erases the person: their suggestions stay on the record, shown as anonymous, but every personal
field is cleared, their follows, notices and pending codes go, and the account can no longer log in.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.models import (
    DigestSubscription, Follow, HearingObserver, Notification, ObserverState, Rating, Suggestion, SuggestionEvent,
    Support, User,
)
from portal.services import hearings
from portal.services.accounts import AccountError
from portal.services.verification import forget_codes_of

REVIEW_ACTIONS = ("request_review", "request_second_review")


def _when(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment else None


def _ref(suggestion: Optional[Suggestion]) -> Optional[dict]:
    if suggestion is None:
        return None
    return {"tracking_number": suggestion.tracking_number, "title": suggestion.title}


def export(session: Session, user: User) -> dict[str, Any]:
    own = list(session.scalars(select(Suggestion).where(Suggestion.author_id == user.id).order_by(Suggestion.id)))
    own_ids = [s.id for s in own]
    supports = session.scalars(select(Support).where(Support.user_id == user.id).order_by(Support.id))
    follows = session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))
    ratings = session.scalars(select(Rating).where(Rating.suggestion_id.in_(own_ids)).order_by(Rating.id))
    reviews = session.scalars(select(SuggestionEvent).where(
        SuggestionEvent.actor_id == user.id, SuggestionEvent.action.in_(REVIEW_ACTIONS)).order_by(SuggestionEvent.id))
    notices = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    observing = session.scalars(select(HearingObserver).where(HearingObserver.user_id == user.id)
                                .order_by(HearingObserver.id))
    by_id = {s.id: s for s in own}
    return {
        "account": {
            "phone": user.phone, "email": user.email, "display_name": user.display_name, "role": user.role,
            "shown_as_anonymous": user.prefers_anonymous, "notifications_enabled": user.notifications_enabled,
            "language": user.locale, "created_at": _when(user.created_at),
        },
        "suggestions": [{
            "tracking_number": s.tracking_number, "title": s.title, "problem": s.problem, "measures": s.measures,
            "status": s.status, "decision": s.decision, "shown_as_anonymous": s.show_anonymous,
            "category": s.category.name if s.category else None, "district": s.district.name if s.district else None,
            "channel": s.channel, "contact_name": s.contact_name, "contact_phone": s.contact_phone,
            "submitted_at": _when(s.submitted_at),
            "replies": [{"kind": r.kind, "decision": r.decision, "body": r.body, "created_at": _when(r.created_at)}
                        for r in s.replies],
        } for s in own],
        "supports": [{"suggestion": _ref(session.get(Suggestion, row.suggestion_id)),
                      "created_at": _when(row.created_at)} for row in supports],
        "follows": [{"suggestion": _ref(session.get(Suggestion, row.suggestion_id)),
                     "created_at": _when(row.created_at)} for row in follows],
        "ratings": [{"suggestion": _ref(by_id.get(row.suggestion_id)), "level": row.level, "comment": row.comment,
                     "created_at": _when(row.created_at)} for row in ratings],
        "reviews": [{"suggestion": _ref(row.suggestion), "kind": row.action, "reason": row.public_note or row.note,
                     "created_at": _when(row.created_at)} for row in reviews],
        "notifications": [{"kind": row.kind, "suggestion": _ref(row.suggestion), "created_at": _when(row.created_at),
                           "read_at": _when(row.read_at)} for row in notices],
        "hearing_observer_registrations": [{
            "hearing": row.hearing.reference, "subject": row.hearing.subject,
            "starts_at": _when(row.hearing.starts_at), "state": row.state, "registered_at": _when(row.queued_at),
            "confirmed_at": _when(row.confirmed_at), "cancelled_at": _when(row.cancelled_at),
        } for row in observing],
    }


def delete_account(session: Session, user: User, password: str, now: datetime) -> None:
    """Erase the person behind `user`; AccountError('wrong_current_password') without the right password."""
    if not user.check_password(password):
        raise AccountError("wrong_current_password")
    session.execute(update(Suggestion).where(Suggestion.author_id == user.id).values(
        show_anonymous=True, contact_name=None, contact_phone=None))
    # A seat they held for a coming hearing goes to the next person waiting, as on cancelling.
    for registration in session.scalars(select(HearingObserver).where(
            HearingObserver.user_id == user.id, HearingObserver.state != ObserverState.CANCELLED.value)).all():
        hearings.cancel_observer(session, registration.hearing, user, now)
    session.execute(delete(Follow).where(Follow.user_id == user.id))
    session.execute(delete(Notification).where(Notification.user_id == user.id))
    session.execute(delete(DigestSubscription).where(DigestSubscription.user_id == user.id))
    forget_codes_of(session, user)
    user.phone = user.email = user.locale = None
    user.display_name = ""
    user.password_hash = "!"  # matches no password: werkzeug refuses a hash without a method
    user.prefers_anonymous, user.notifications_enabled, user.active = True, False, False
    user.deleted_at = now
    user.end_all_sessions()
    session.flush()
