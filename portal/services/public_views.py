"""The one boundary between stored records and everything public.

Public pages, lists, search results, feeds, iCalendar, open-data exports, the search index and
mail to anyone but the author receive resident- and staff-written text only through the frozen
view objects built here, with every such field masked (`portal.services.privacy`). A template
given a view cannot reach an unmasked field or a relationship by accident: the views hold plain
values and other views, never a model (tests/test_public_views.py walks every public page's
template context to prove it).

Who sees originals: the author (their own text) and the staff handling the suggestion. For them
the same views are built with `reveal=True`, so the templates stay the same.
Internal notes never enter a view: timeline events carry only their `public_note`.

A signed-in resident's own pages ("my suggestions", notifications) get views too (`own_*` at
the end): the resident reads their own suggestions as typed, and someone else's (one they
support or follow) as the public does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Iterable, Optional

from portal.models import (
    Conversion, Hearing, Notification, PUBLIC_STATUSES, OPEN_STATUSES, Reply, Suggestion, SuggestionEvent,
    ThemedCall, User,
)
from portal.services.hearing_selection import panel_as_of
from portal.services.privacy import mask_personal_data
from portal.timeutil import utcnow

_PUBLIC = frozenset(s.value for s in PUBLIC_STATUSES)
_OPEN = frozenset(s.value for s in OPEN_STATUSES)


def _keep(text: Optional[str]) -> str:
    return text or ""


def _text_function(reveal: bool) -> Callable[[Optional[str]], str]:
    return _keep if reveal else mask_personal_data


@dataclass(frozen=True)
class PublicRef:
    """A department, category or district: reference data, named by the administration."""

    id: int
    name: str
    name_en: str = ""


def _ref(row) -> Optional[PublicRef]:
    if row is None:
        return None
    return PublicRef(id=row.id, name=row.name, name_en=getattr(row, "name_en", "") or "")


@dataclass(frozen=True)
class PublicOutcome:
    name: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class PublicProgress:
    recorded_on: date
    percent: int
    note: str


@dataclass(frozen=True)
class PublicConversion:
    id: int
    type: str
    description: str
    started_on: date
    outcomes: tuple[PublicOutcome, ...]
    progress: tuple[PublicProgress, ...]


@dataclass(frozen=True)
class PublicReply:
    id: int
    kind: str
    decision: Optional[str]
    body: str
    created_at: datetime
    department: Optional[PublicRef]
    rating_level: Optional[str]


@dataclass(frozen=True)
class PublicTimelineEvent:
    action: str
    created_at: datetime
    note: str  # the public note only; internal notes never reach a view


@dataclass(frozen=True)
class PublicThemedCall:
    id: int
    title: str
    description: str
    department: Optional[PublicRef]
    opens_at: datetime
    closes_at: datetime
    answered_at: Optional[datetime]
    collective_answer: str


@dataclass(frozen=True)
class PublicSuggestion:
    id: int
    tracking_number: str  # public: exports, the index and hearing pages show it too
    title: str
    problem: str
    measures: str
    status: str
    author: Optional[str]  # masked name, or None when the author chose to be anonymous
    category: Optional[PublicRef]
    district: Optional[PublicRef]
    lead_department: Optional[PublicRef]
    themed_call_title: str
    support_count: int
    widely_supported_at: Optional[datetime]
    submitted_at: datetime
    accepted_at: Optional[datetime]
    dispatched_at: Optional[datetime]
    replied_at: Optional[datetime]
    closed_at: Optional[datetime]
    published_at: Optional[datetime]
    decision: Optional[str]  # only once published
    replies: tuple[PublicReply, ...]  # only once published (or to those who see originals)
    conversions: tuple[PublicConversion, ...]  # only once published

    @property
    def is_public(self) -> bool:
        return self.status in _PUBLIC

    @property
    def is_open_for_support(self) -> bool:
        return self.status in _OPEN

    @property
    def public_author(self) -> Optional[str]:
        return self.author


def public_reply(reply: Reply, *, reveal: bool = False, with_rating: bool = True) -> PublicReply:
    text = _text_function(reveal)
    return PublicReply(
        id=reply.id, kind=reply.kind, decision=reply.decision, body=text(reply.body), created_at=reply.created_at,
        department=_ref(reply.department),
        rating_level=reply.rating.level if with_rating and reply.rating is not None else None)


def public_conversion(conversion: Conversion, *, reveal: bool = False) -> PublicConversion:
    text = _text_function(reveal)
    return PublicConversion(
        id=conversion.id, type=conversion.type, description=text(conversion.description),
        started_on=conversion.started_on,
        outcomes=tuple(PublicOutcome(name=text(o.name), value=o.value, unit=o.unit) for o in conversion.outcomes),
        progress=tuple(PublicProgress(recorded_on=p.recorded_on, percent=p.percent, note=text(p.note))
                       for p in conversion.progress))


def public_suggestion(suggestion: Suggestion, *, reveal: bool = False, with_details: bool = True,
                      with_replies: bool = False, with_conversions: bool = False) -> PublicSuggestion:
    """The suggestion as the public may see it.

    `with_details=False` skips problem, measures and the themed call, for lists that show only the
    title; `with_replies` adds the answers (once published, or always with `reveal`: the author
    sees the answer at once to rate it); `with_conversions` adds what it became (once published).
    """
    text = _text_function(reveal)
    published = suggestion.published_at is not None
    return PublicSuggestion(
        id=suggestion.id, tracking_number=suggestion.tracking_number, title=text(suggestion.title),
        problem=text(suggestion.problem) if with_details else "",
        measures=text(suggestion.measures) if with_details else "",
        status=suggestion.status, author=suggestion.public_author,
        category=_ref(suggestion.category), district=_ref(suggestion.district),
        lead_department=_ref(suggestion.lead_department),
        themed_call_title=text(suggestion.themed_call.title) if with_details and suggestion.themed_call else "",
        support_count=suggestion.support_count, widely_supported_at=suggestion.widely_supported_at,
        submitted_at=suggestion.submitted_at, accepted_at=suggestion.accepted_at,
        dispatched_at=suggestion.dispatched_at, replied_at=suggestion.replied_at, closed_at=suggestion.closed_at,
        published_at=suggestion.published_at,
        decision=suggestion.decision if published or reveal else None,
        replies=tuple(public_reply(r, reveal=reveal, with_rating=published or reveal) for r in suggestion.replies)
        if with_replies and (published or reveal) else (),
        conversions=tuple(public_conversion(c, reveal=reveal) for c in suggestion.conversions)
        if with_conversions and published else (),
    )


def public_title(suggestion: Suggestion) -> str:
    """Just the masked title, where nothing else of the suggestion is shown (a follower's e-mail)."""
    return mask_personal_data(suggestion.title)


def public_suggestions(rows: Iterable[Suggestion], *, with_conversions: bool = False) -> list[PublicSuggestion]:
    """Views for a list page: titles and facts (no problem text), masked."""
    return [public_suggestion(s, with_details=False, with_conversions=with_conversions) for s in rows]


def public_timeline(events: Iterable[SuggestionEvent], *, reveal: bool = False) -> tuple[PublicTimelineEvent, ...]:
    text = _text_function(reveal)
    return tuple(PublicTimelineEvent(action=e.action, created_at=e.created_at,
                                     note=text(e.public_note) if e.is_public else "") for e in events)


def public_call(call: ThemedCall) -> PublicThemedCall:
    return PublicThemedCall(
        id=call.id, title=mask_personal_data(call.title), description=mask_personal_data(call.description),
        department=_ref(call.department), opens_at=call.opens_at, closes_at=call.closes_at,
        answered_at=call.answered_at, collective_answer=mask_personal_data(call.collective_answer))


# --- hearings ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicPostponement:
    old_starts_at: datetime
    new_starts_at: datetime
    reason: str


@dataclass(frozen=True)
class PublicPanelMember:
    name: str  # hearing members serve publicly, by name and kind
    kind: str


@dataclass(frozen=True)
class PublicHearingSuggestion:
    id: int
    title: str
    tracking_number: str
    is_public: bool


@dataclass(frozen=True)
class PublicHearing:
    id: int
    reference: str
    subject: str
    department: Optional[PublicRef]
    starts_at: datetime
    duration_minutes: int
    venue: str
    is_public: bool
    closed_reason: str
    status: str
    sequence: int
    published_at: datetime
    updated_at: datetime
    cancelled_at: Optional[datetime]
    cancellation_reason: str
    conclusion: str
    concluded_at: Optional[datetime]
    observer_seats: int
    registration_closes_at: datetime
    has_selection: bool
    suggestion: Optional[PublicHearingSuggestion]  # None in the index's documents (no extra queries)
    postponements: tuple[PublicPostponement, ...]
    panel: tuple[PublicPanelMember, ...]

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def is_concluded(self) -> bool:
        return self.status == "concluded"


def public_hearing(hearing: Hearing, *, full: bool = True, now: Optional[datetime] = None) -> PublicHearing:
    """The hearing as the public may see it; `full=False` leaves out the suggestion, postponements and
    panel (the search index needs none of them). The panel is the one final at `now` (default: this
    moment), stored or not yet (`hearing_selection.panel_as_of`)."""
    text = mask_personal_data
    suggestion = hearing.suggestion if full else None
    return PublicHearing(
        id=hearing.id, reference=hearing.reference, subject=text(hearing.subject), department=_ref(hearing.department),
        starts_at=hearing.starts_at, duration_minutes=hearing.duration_minutes, venue=text(hearing.venue),
        is_public=hearing.is_public, closed_reason=text(hearing.closed_reason), status=hearing.status,
        sequence=hearing.sequence, published_at=hearing.published_at, updated_at=hearing.updated_at,
        cancelled_at=hearing.cancelled_at, cancellation_reason=text(hearing.cancellation_reason),
        conclusion=text(hearing.conclusion), concluded_at=hearing.concluded_at,
        observer_seats=hearing.observer_seats, registration_closes_at=hearing.registration_closes_at,
        has_selection=bool(hearing.selection_json),
        suggestion=PublicHearingSuggestion(id=suggestion.id, title=text(suggestion.title),
                                           tracking_number=suggestion.tracking_number,
                                           is_public=suggestion.is_public) if suggestion is not None else None,
        postponements=tuple(PublicPostponement(p.old_starts_at, p.new_starts_at, text(p.reason))
                            for p in hearing.postponements) if full else (),
        panel=tuple(PublicPanelMember(seat.name, seat.kind) for seat in panel_as_of(hearing, now or utcnow()))
        if full else (),
    )


# --- a signed-in resident's own pages --------------------------------------------------------------

def _owns(viewer: User, suggestion: Suggestion) -> bool:
    return suggestion.author_id is not None and suggestion.author_id == viewer.id


def own_suggestion(suggestion: Suggestion, viewer: User) -> PublicSuggestion:
    """A row of "my suggestions": the author's own text as typed (no problem text: a list)."""
    if not _owns(viewer, suggestion):
        raise ValueError("own_suggestion is for the author's own suggestions")
    return public_suggestion(suggestion, reveal=True, with_details=False)


@dataclass(frozen=True)
class OwnNotificationSuggestion:
    id: int
    tracking_number: str
    title: str  # as typed for its author, masked for a supporter or follower


@dataclass(frozen=True)
class OwnNotification:
    id: int
    kind: str
    created_at: datetime
    read_at: Optional[datetime]
    suggestion: Optional[OwnNotificationSuggestion]


def own_notification(notification: Notification, viewer: User) -> OwnNotification:
    """A notice on the reader's notifications page (`viewer` is the reader, whose notice it is)."""
    if notification.user_id != viewer.id:
        raise ValueError("a notification is shown to its own reader only")
    suggestion = notification.suggestion
    return OwnNotification(
        id=notification.id, kind=notification.kind, created_at=notification.created_at,
        read_at=notification.read_at,
        suggestion=OwnNotificationSuggestion(
            id=suggestion.id, tracking_number=suggestion.tracking_number,
            title=_text_function(_owns(viewer, suggestion))(suggestion.title)) if suggestion is not None else None)
