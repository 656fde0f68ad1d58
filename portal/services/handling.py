"""What a department does with a suggestion dispatched to it: reply, convert, report progress, publish.

Functions take the session first, may flush, never commit. A refused action raises
`HandlingError(code)`; views map the code to a translated message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.models import (
    Conversion, ConversionOutcome, ConversionProgress, ConversionType, Decision, Dispatch, Reply,
    ReplyTemplate, Role, Status, Suggestion, User,
)
from portal.services import workflow
from portal.services.notifications import notify
from portal.timeutil import utcnow

REPLY_MIN_LENGTH = 20
TEMPLATE_TITLE_MAX = 120

# A department sees a suggestion from dispatch on; after a dispute it is back with the office.
HANDLED_STATUSES = (Status.DISPATCHED, Status.REPLIED, Status.IN_REVIEW, Status.REVIEWED,
                    Status.IN_SECOND_REVIEW, Status.CLOSED)
ANSWERED_STATUSES = (Status.REPLIED, Status.IN_REVIEW, Status.REVIEWED, Status.IN_SECOND_REVIEW, Status.CLOSED)
CONVERTIBLE_DECISIONS = (Decision.ADOPTED.value, Decision.PARTLY_ADOPTED.value)
LEAD = "lead"
CO = "co"


class HandlingError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class OutcomeRow:
    """One measurable outcome as entered: 房源 50 套."""

    name: str
    value: Decimal
    unit: str = ""


def plain_number(value) -> str:
    """50.00 → "50", 12.50 → "12.5": an outcome's number as a person would write it."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _values(statuses: Iterable[Status]) -> list[str]:
    return [s.value for s in statuses]


# --- who may act -----------------------------------------------------------------------------

def handling_role(session: Session, user: Optional[User], suggestion: Suggestion) -> Optional[str]:
    """"lead", "co" or None: how the user's department stands towards the suggestion."""
    if user is None or not user.has_role(Role.DEPARTMENT_STAFF) or user.department_id is None:
        return None
    if suggestion.status not in _values(HANDLED_STATUSES):
        return None
    if suggestion.lead_department_id == user.department_id:
        return LEAD
    co = session.scalar(select(Dispatch.id).where(
        Dispatch.suggestion_id == suggestion.id, Dispatch.department_id == user.department_id,
        Dispatch.role == CO, Dispatch.active.is_(True)))
    return CO if co is not None else None


def require_lead(session: Session, user: User, suggestion: Suggestion) -> None:
    if handling_role(session, user, suggestion) != LEAD:
        raise HandlingError("not_lead")


def department_suggestions(department_id: int, *, role: Optional[str] = None, status: Optional[str] = None,
                           category_id: Optional[int] = None):
    """A select() of the suggestions dispatched to a department, as lead or co-handler."""
    co_ids = select(Dispatch.suggestion_id).where(
        Dispatch.department_id == department_id, Dispatch.role == CO, Dispatch.active.is_(True))
    is_lead = Suggestion.lead_department_id == department_id
    is_co = Suggestion.id.in_(co_ids)
    where = {LEAD: is_lead, CO: is_co}.get(role, or_(is_lead, is_co))
    query = select(Suggestion).where(where, Suggestion.status.in_(_values(HANDLED_STATUSES)))
    if status:
        query = query.where(Suggestion.status == status)
    if category_id:
        query = query.where(Suggestion.category_id == category_id)
    return query


# --- the reply --------------------------------------------------------------------------------

def give_reply(session: Session, suggestion: Suggestion, actor: User, decision: str, body: str,
               note: str = "") -> Reply:
    """The lead department's decision with its written reply (transition "reply").

    `body` goes to the author (and the public once published); `note` stays with the staff, on the
    audit event."""
    require_lead(session, actor, suggestion)
    if decision not in {d.value for d in Decision}:
        raise HandlingError("unknown_decision")
    body = (body or "").strip()
    if len(body) < REPLY_MIN_LENGTH:
        raise HandlingError("reply_too_short")
    try:
        workflow.apply_transition(session, suggestion, "reply", actor, note=(note or "").strip())
    except workflow.TransitionNotAllowed as error:
        raise HandlingError("already_replied" if suggestion.status != Status.DISPATCHED.value
                            else "not_lead") from error
    suggestion.decision = decision
    reply = Reply(suggestion=suggestion, kind="reply", decision=decision, body=body,
                  department_id=actor.department_id, author_id=actor.id, created_at=utcnow())
    session.add(reply)
    session.flush()
    notify(session, suggestion, "replied", exclude=actor)
    return reply


def undo_until(suggestion: Suggestion, minutes: int) -> Optional[datetime]:
    """Until when the lead department may take its reply back, or None when it may not at all: the
    reply is published, rated, has a conversion, or the suggestion has moved on."""
    reply = department_reply(suggestion)
    if (reply is None or minutes <= 0 or suggestion.status != Status.REPLIED.value
            or suggestion.published_at is not None or reply.rating is not None or suggestion.conversions):
        return None
    return reply.created_at + timedelta(minutes=minutes)


def retract_reply(session: Session, suggestion: Suggestion, actor: User, minutes: int,
                  now: Optional[datetime] = None) -> None:
    """Take back a reply within the undo window: the suggestion waits for a reply again, the retracted
    text stays in the audit trail (internal note), and the author is told a new reply will follow."""
    require_lead(session, actor, suggestion)
    until = undo_until(suggestion, minutes)
    if until is None or (now or utcnow()) > until:
        raise HandlingError("undo_expired")
    reply = department_reply(suggestion)
    workflow.apply_transition(session, suggestion, "retract_reply", actor,
                              note=f"{reply.decision}: {reply.body}")
    for event in suggestion.events:
        if event.action == "reply":
            event.is_public = False
    suggestion.decision = None
    suggestion.replied_at = None
    suggestion.replies.remove(reply)
    session.flush()
    notify(session, suggestion, "reply_retracted", exclude=actor)


def department_reply(suggestion: Suggestion) -> Optional[Reply]:
    """The department's (first) reply, as opposed to review answers."""
    return next((r for r in suggestion.replies if r.kind == "reply"), None)


def add_contribution(session: Session, suggestion: Suggestion, actor: User, note: str) -> None:
    """A co-handling department's contribution, for the lead department to use (internal)."""
    if handling_role(session, actor, suggestion) is None:
        raise HandlingError("not_handling")
    note = (note or "").strip()
    if not note:
        raise HandlingError("note_empty")
    workflow.record_event(session, suggestion, "contribution", actor, note=note, public=False)


# --- reply templates --------------------------------------------------------------------------

def department_templates(session: Session, department_id: int) -> list[ReplyTemplate]:
    return list(session.scalars(select(ReplyTemplate).where(ReplyTemplate.department_id == department_id)
                                .order_by(ReplyTemplate.title, ReplyTemplate.id)))


def own_template(session: Session, user: User, template_id: int) -> Optional[ReplyTemplate]:
    """The template if it belongs to the user's department; None otherwise (never another's)."""
    template = session.get(ReplyTemplate, template_id)
    if template is None or template.department_id != user.department_id:
        return None
    return template


def save_template(session: Session, user: User, title: str, body: str,
                  template: Optional[ReplyTemplate] = None) -> ReplyTemplate:
    if template is None:
        template = ReplyTemplate(department_id=user.department_id)
        session.add(template)
    elif template.department_id != user.department_id:
        raise HandlingError("not_own_template")
    template.title = title.strip()[:TEMPLATE_TITLE_MAX]
    template.body = body.strip()
    session.flush()
    return template


def delete_template(session: Session, user: User, template: ReplyTemplate) -> None:
    if template.department_id != user.department_id:
        raise HandlingError("not_own_template")
    session.delete(template)
    session.flush()


# --- conversion and progress ------------------------------------------------------------------

def _require_convertible(session: Session, actor: User, suggestion: Suggestion) -> None:
    require_lead(session, actor, suggestion)
    if suggestion.status not in _values(ANSWERED_STATUSES):
        raise HandlingError("not_replied")
    if suggestion.decision not in CONVERTIBLE_DECISIONS:
        raise HandlingError("not_adopted")


def _set_conversion_fields(conversion: Conversion, type_: str, description: str, started_on: date,
                           outcomes: list[OutcomeRow]) -> None:
    if type_ not in {t.value for t in ConversionType}:
        raise HandlingError("unknown_conversion_type")
    description = (description or "").strip()
    if not description:
        raise HandlingError("description_empty")
    conversion.type = type_
    conversion.description = description
    conversion.started_on = started_on
    conversion.outcomes = [ConversionOutcome(position=i, name=row.name.strip(), value=row.value,
                                             unit=row.unit.strip()) for i, row in enumerate(outcomes)]


def _public(suggestion: Suggestion) -> bool:
    # Once the department has published, what it adds later is public at once.
    return suggestion.published_at is not None


def record_conversion(session: Session, suggestion: Suggestion, actor: User, type_: str, description: str,
                      started_on: date, outcomes: list[OutcomeRow], note: str = "") -> Conversion:
    """`description` is published; `note` stays with the staff, on the audit event."""
    _require_convertible(session, actor, suggestion)
    conversion = Conversion(suggestion=suggestion, created_by_id=actor.id, created_at=utcnow())
    _set_conversion_fields(conversion, type_, description, started_on, outcomes)
    session.add(conversion)
    session.flush()
    workflow.record_event(session, suggestion, "converted", actor, note=(note or "").strip(),
                          public=_public(suggestion))
    notify(session, suggestion, "converted", exclude=actor)
    return conversion


def update_conversion(session: Session, conversion: Conversion, actor: User, type_: str, description: str,
                      started_on: date, outcomes: list[OutcomeRow], note: str = "") -> Conversion:
    """Every edit leaves an internal audit event, carrying the staff's `note` on what changed and why."""
    _require_convertible(session, actor, conversion.suggestion)
    _set_conversion_fields(conversion, type_, description, started_on, outcomes)
    session.flush()
    workflow.record_event(session, conversion.suggestion, "conversion_updated", actor, note=(note or "").strip(),
                          public=False)
    return conversion


def add_progress(session: Session, conversion: Conversion, actor: User, recorded_on: date, percent: int,
                 note: str) -> ConversionProgress:
    suggestion = conversion.suggestion
    _require_convertible(session, actor, suggestion)
    if percent is None or not 0 <= percent <= 100:
        raise HandlingError("percent_range")
    progress = ConversionProgress(conversion=conversion, recorded_on=recorded_on, percent=percent,
                                  note=(note or "").strip(), created_at=utcnow())
    session.add(progress)
    session.flush()
    workflow.record_event(session, suggestion, "progress", actor, public_note=f"{percent}%",
                          public=_public(suggestion))
    notify(session, suggestion, "progress", exclude=actor)
    return progress


# --- publishing -------------------------------------------------------------------------------

def publish(session: Session, suggestion: Suggestion, actor: User) -> None:
    """Make the decision, reply and conversions public on the suggestion's page."""
    require_lead(session, actor, suggestion)
    if suggestion.status not in _values(ANSWERED_STATUSES) or department_reply(suggestion) is None:
        raise HandlingError("not_replied")
    if suggestion.published_at is not None:
        raise HandlingError("already_published")
    suggestion.published_at = utcnow()
    # What was recorded before publishing joins the public timeline now.
    for event in suggestion.events:
        if event.action in ("converted", "progress"):
            event.is_public = True
    workflow.record_event(session, suggestion, "published", actor)
    notify(session, suggestion, "published", exclude=actor)
