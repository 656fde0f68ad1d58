"""The resident's side of the closed loop: submit, resubmit, withdraw, support, follow, rate, ask for review.

Functions take the session first, may flush, never commit. A problem the resident can fix or
should be told about raises `SuggestionError` with a `code` the view turns into a message.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy import delete, event, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import (
    Category, Channel, District, Follow, Rating, RatingLevel, Reply, Role, Status, Suggestion,
    Support, ThemedCall, User,
)
from portal.services import deadlines, notifications, workflow
from portal.timeutil import local_date, utcnow

TRACKING_PREFIX = "JY"
# Crockford-style base32 without the look-alikes 0/O, 1/I/L: easy to read out on the phone.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_RANDOM_LENGTH = 8  # 31**8 ≈ 8.5e11 numbers per day: not guessable by trying
TITLE_MAX, TEXT_MAX = 100, 5000

# Events the author sees on their own pages although the public does not.
AUTHOR_VISIBLE_ACTIONS = {"submit", "request_info", "resubmit", "withdraw", "decline", "split"}
_LOCKED = "suggestions_locked"  # session.info: id -> the suggestion read under its row lock


class SuggestionError(Exception):
    """Something the resident should be told; `code` selects the translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# --- tracking numbers ---------------------------------------------------------------------------

def _random_part() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_RANDOM_LENGTH))


def new_tracking_number(session: Session, now: datetime,
                        random_part: Callable[[], str] = _random_part) -> str:
    """`JY` + local date + random base32, checked against the numbers already given out."""
    prefix = TRACKING_PREFIX + local_date(now).strftime("%Y%m%d")
    for _attempt in range(20):
        number = prefix + random_part()
        if not session.scalar(select(exists().where(Suggestion.tracking_number == number))):
            return number
    raise RuntimeError("could not find a free tracking number")  # 20 collisions in a row: a broken RNG


def normalize_tracking_number(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def find_by_tracking_number(session: Session, value: str | None) -> Optional[Suggestion]:
    number = normalize_tracking_number(value)
    if not number:
        return None
    return session.scalar(select(Suggestion).where(Suggestion.tracking_number == number))


# --- submitting ---------------------------------------------------------------------------------

def open_calls(session: Session, now: datetime) -> list[ThemedCall]:
    """Themed calls taking suggestions now."""
    return list(session.scalars(
        select(ThemedCall).where(ThemedCall.opens_at <= now, ThemedCall.closes_at >= now)
        .order_by(ThemedCall.closes_at, ThemedCall.id)))


def _check_call(session: Session, call_id: Optional[int], now: datetime) -> Optional[ThemedCall]:
    if not call_id:
        return None
    call = session.get(ThemedCall, call_id)
    if call is None or not (call.opens_at <= now <= call.closes_at):
        raise SuggestionError("call_closed")
    return call


def submit(session: Session, author: User, *, title: str, problem: str, measures: str,
           category_id: int, district_id: Optional[int], themed_call_id: Optional[int],
           show_anonymous: bool, now: Optional[datetime] = None) -> Suggestion:
    """A resident's online suggestion, waiting for the suggestion office."""
    now = now or utcnow()
    if not author.has_role(Role.RESIDENT):
        raise SuggestionError("residents_only")
    category = session.get(Category, category_id)
    if category is None or not category.active:
        raise SuggestionError("bad_category")
    district = session.get(District, district_id) if district_id else None
    if district_id and (district is None or not district.active):
        raise SuggestionError("bad_district")
    call = _check_call(session, themed_call_id, now)
    suggestion = Suggestion(
        tracking_number=new_tracking_number(session, now), title=title.strip(), problem=problem.strip(),
        measures=measures.strip(), category=category, district=district, themed_call=call, author=author,
        show_anonymous=show_anonymous, channel=Channel.ONLINE.value, submitted_at=now,
    )
    session.add(suggestion)
    session.flush()
    workflow.record_event(session, suggestion, "submit", author, public=False)
    return suggestion


def office_request(suggestion: Suggestion) -> str:
    """The office's note asking for more information: the note of the last request_info event."""
    for event in reversed(suggestion.events):
        if event.action == "request_info":
            return event.public_note
    return ""


def resubmit(session: Session, suggestion: Suggestion, author: User, *, title: str, problem: str,
             measures: str, note: str = "") -> None:
    """The author answers the office's request for more information with edited text."""
    _require_author(suggestion, author)
    if suggestion.status != Status.NEEDS_INFO.value:
        raise SuggestionError("not_waiting_for_info")
    suggestion.title, suggestion.problem, suggestion.measures = title.strip(), problem.strip(), measures.strip()
    # The author's own words to the office: the author sees them on their timeline.
    workflow.apply_transition(session, suggestion, "resubmit", author, public_note=note.strip())


def withdraw(session: Session, suggestion: Suggestion, author: User) -> None:
    _require_author(suggestion, author)
    if not workflow.can(author, suggestion, "withdraw"):
        raise SuggestionError("cannot_withdraw")
    workflow.apply_transition(session, suggestion, "withdraw", author)


def _require_author(suggestion: Suggestion, user: User) -> None:
    if suggestion.author_id is None or suggestion.author_id != user.id:
        raise SuggestionError("not_author")


# --- support and follow -------------------------------------------------------------------------

def support(session: Session, suggestion: Suggestion, user: User, now: Optional[datetime] = None) -> bool:
    """附议. True when this click added a support; False when the resident had already supported.

    Exact under concurrent clicks and merges: the suggestion's row is locked first, so a duplicate
    merge of it or into it runs wholly before or after (a suggestion merged meanwhile sends the
    support on to its target), and every support of one suggestion is decided under its lock: the
    check for an earlier one reads what the previous holder committed (the unique constraint
    stays as the last word). The count is incremented by the database, never read and written
    back by Python, and the same statement says whether it reached the policy's threshold.
    """
    now = now or utcnow()
    if not user.has_role(Role.RESIDENT):
        raise SuggestionError("residents_only")
    suggestion = lock_following_merges(session, suggestion.id)
    if suggestion.author_id == user.id:
        raise SuggestionError("own_suggestion")
    if not suggestion.is_open_for_support:
        raise SuggestionError("not_open")
    if session.scalar(select(exists().where(Support.suggestion_id == suggestion.id, Support.user_id == user.id))):
        return False
    session.add(Support(suggestion_id=suggestion.id, user_id=user.id, created_at=now))
    count, threshold = session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id)
        .values(support_count=Suggestion.support_count + 1)
        .returning(Suggestion.support_count, deadlines.support_threshold_sql())
        .execution_options(synchronize_session=False)).one()
    session.expire(suggestion, ["support_count", "widely_supported_at"])
    if count >= threshold:
        _mark_widely_supported(session, suggestion, now)
    return True


def lock_suggestion(session: Session, suggestion_id: int) -> Optional[Suggestion]:
    """The suggestion, re-read under a row lock held until commit (SQLite's write lock does as much);
    None when there is no such suggestion. Read once a transaction: while the lock is held nobody
    else can change the row, so a second call returns what the first read."""
    locked = session.info.setdefault(_LOCKED, {})
    if suggestion_id not in locked:
        locked[suggestion_id] = session.execute(
            select(Suggestion).where(Suggestion.id == suggestion_id).with_for_update()
            .execution_options(populate_existing=True)).scalar_one_or_none()
    return locked[suggestion_id]


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction) -> None:
    # Also at a savepoint's end: rolling one back releases the locks taken inside it.
    session.info.pop(_LOCKED, None)


def lock_following_merges(session: Session, suggestion_id: int) -> Optional[Suggestion]:
    """Lock the suggestion; when it was merged as a duplicate, lock and return what it was merged into."""
    locked = lock_suggestion(session, suggestion_id)
    seen = {suggestion_id}
    while locked is not None and locked.duplicate_of_id is not None and locked.duplicate_of_id not in seen:
        locked = lock_suggestion(session, locked.duplicate_of_id)
        seen.add(locked.id)
    return locked


def _mark_widely_supported(session: Session, suggestion: Suggestion, now: datetime) -> None:
    # Only the request whose UPDATE sets the timestamp records the milestone, once.
    marked = session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id, Suggestion.widely_supported_at.is_(None))
        .values(widely_supported_at=now).execution_options(synchronize_session=False)).rowcount
    session.expire(suggestion, ["widely_supported_at"])
    if marked:
        workflow.record_event(session, suggestion, "widely_supported", None)
        notifications.notify(session, suggestion, "widely_supported")


def has_supported(session: Session, suggestion: Suggestion, user: Optional[User]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(session.scalar(select(exists().where(
        Support.suggestion_id == suggestion.id, Support.user_id == user.id))))


def is_following(session: Session, suggestion: Suggestion, user: Optional[User]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(session.scalar(select(exists().where(
        Follow.suggestion_id == suggestion.id, Follow.user_id == user.id))))


def follow(session: Session, suggestion: Suggestion, user: User) -> bool:
    """True when now following; False when already following (double clicks are harmless)."""
    try:
        with session.begin_nested():
            session.add(Follow(suggestion_id=suggestion.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


def unfollow(session: Session, suggestion: Suggestion, user: User) -> None:
    session.execute(delete(Follow).where(Follow.suggestion_id == suggestion.id, Follow.user_id == user.id))


# --- rating and review --------------------------------------------------------------------------

# Which answer the author rates, and what they may ask for next, in each status.
_RATEABLE = {
    Status.REPLIED.value: ("reply", "request_review"),
    Status.REVIEWED.value: ("review", "request_second_review"),
}


def latest_reply(suggestion: Suggestion, kind: str) -> Optional[Reply]:
    replies = [r for r in suggestion.replies if r.kind == kind]
    return replies[-1] if replies else None


def answer_to_rate(suggestion: Suggestion) -> Optional[Reply]:
    """The reply (or review answer) the author may rate in the current status, if any."""
    entry = _RATEABLE.get(suggestion.status)
    return latest_reply(suggestion, entry[0]) if entry else None


# Like every calendar-day limit, these end at local midnight (see portal.services.deadlines).
def rating_due(session: Session, suggestion: Suggestion, reply: Reply) -> datetime:
    return deadlines.after_days(reply.created_at, deadlines.policy_for(session, suggestion).rating_days)


def review_due(session: Session, suggestion: Suggestion, reply: Reply) -> datetime:
    return deadlines.after_days(reply.created_at, deadlines.policy_for(session, suggestion).review_request_days)


def rate(session: Session, suggestion: Suggestion, author: User, level: str, comment: str = "",
         now: Optional[datetime] = None) -> Rating:
    """Rate the current answer. Satisfied or basically satisfied closes the suggestion."""
    now = now or utcnow()
    _require_author(suggestion, author)
    reply = answer_to_rate(suggestion)
    if reply is None:
        raise SuggestionError("nothing_to_rate")
    if reply.rating is not None:
        raise SuggestionError("already_rated")
    if level not in {r.value for r in RatingLevel}:
        raise SuggestionError("bad_rating")
    due = rating_due(session, suggestion, reply)
    if now > due:
        raise SuggestionError("rating_too_late", due=due)
    rating = Rating(reply=reply, suggestion_id=suggestion.id, level=level, comment=comment.strip(),
                    created_at=now)
    session.add(rating)
    session.flush()
    if level != RatingLevel.DISSATISFIED.value:
        workflow.apply_transition(session, suggestion, "close", author)
    return rating


def can_request_review(session: Session, suggestion: Suggestion, now: datetime) -> bool:
    try:
        _check_review_request(session, suggestion, now)
    except SuggestionError:
        return False
    return True


def _check_review_request(session: Session, suggestion: Suggestion, now: datetime) -> str:
    entry = _RATEABLE.get(suggestion.status)
    if entry is None:
        raise SuggestionError("no_review_now")
    reply = latest_reply(suggestion, entry[0])
    if reply is None:
        raise SuggestionError("no_review_now")
    if reply.rating is None or reply.rating.level != RatingLevel.DISSATISFIED.value:
        raise SuggestionError("rate_dissatisfied_first")
    due = review_due(session, suggestion, reply)
    if now > due:
        raise SuggestionError("review_too_late", due=due)
    return entry[1]


def request_review(session: Session, suggestion: Suggestion, author: User, reason: str,
                   now: Optional[datetime] = None) -> str:
    """复查 after a dissatisfying reply, or 复核 after a dissatisfying review answer. Returns the action."""
    now = now or utcnow()
    _require_author(suggestion, author)
    action = _check_review_request(session, suggestion, now)
    workflow.apply_transition(session, suggestion, action, author, public_note=reason.strip())
    return action


def is_final(suggestion: Suggestion) -> bool:
    """After the second-review answer nothing more can be asked for."""
    return suggestion.status == Status.CLOSED.value and latest_reply(suggestion, "second_review") is not None


# --- reading ------------------------------------------------------------------------------------

def timeline_for(suggestion: Suggestion, viewer: Optional[User]) -> list:
    """Public events for everyone; the author also sees what happened before acceptance."""
    is_author = viewer is not None and viewer.is_authenticated and suggestion.author_id == viewer.id
    return [e for e in suggestion.events
            if e.is_public or (is_author and e.action in AUTHOR_VISIBLE_ACTIONS)]


def is_handling_staff(suggestion: Suggestion, viewer: Optional[User]) -> bool:
    """Office staff, or staff of a department the suggestion is dispatched to now.

    A department that disputed the dispatch (its row is no longer active) stops seeing what the
    next lead department writes before it is published.
    """
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.has_role(Role.OFFICE_STAFF):
        return True
    if viewer.has_role(Role.DEPARTMENT_STAFF) and viewer.department_id is not None:
        return any(d.active and d.department_id == viewer.department_id for d in suggestion.dispatches)
    return False


def can_view(session: Session, suggestion: Suggestion, viewer: Optional[User]) -> bool:
    """Public once accepted; before that only the author and the staff who handle it."""
    if suggestion.is_public:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return suggestion.author_id == viewer.id or is_handling_staff(suggestion, viewer)
