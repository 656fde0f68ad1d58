"""The suggestion office's side of the loop: intake, dispatch, disputes, extensions, review answers.

Functions take the session first, flush but never commit. A problem the person can fix raises
`IntakeError(code)`; a move the state machine forbids raises `workflow.TransitionNotAllowed`.
Views map both to translated messages.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    Channel, DeadlinePolicy, DeclineReason, Decision, Department, Dispatch, ExtensionRequest, Reply, Role,
    Status, Suggestion, User,
)
from portal.services import accounts, deadlines, notifications, workflow
from portal.timeutil import local_date, utcnow

# Channels through which staff register a suggestion for a resident (信访代理, 征集站点).
ON_BEHALF_CHANNELS = (Channel.IN_PERSON, Channel.PHONE, Channel.LETTER, Channel.COLLECTION_POINT)


class IntakeError(Exception):
    """A problem the person can fix; `code` selects the translated message in the view."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def new_tracking_number(session: Session, now: Optional[datetime] = None) -> str:
    """Date of receipt plus six random digits: short enough to read out over the phone."""
    day = local_date(now or utcnow()).strftime("%Y%m%d")
    while True:
        number = f"{day}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(Suggestion.id).where(Suggestion.tracking_number == number)) is None:
            return number


def _require_office(user: User) -> None:
    if user is None or not user.has_role(Role.OFFICE_STAFF):
        raise IntakeError("not_office")


# --- accept, decline, ask for more ---------------------------------------------------------------

def accept(session: Session, suggestion: Suggestion, office_user: User, note: str = "",
           public_note: str = "") -> None:
    """受理. `note` stays with the staff; `public_note` appears on the public timeline."""
    workflow.apply_transition(session, suggestion, "accept", office_user, (note or "").strip(),
                              public_note=(public_note or "").strip())
    notifications.notify(session, suggestion, "accepted")


def decline(session: Session, suggestion: Suggestion, office_user: User, reason: DeclineReason,
            message: str, note: str = "") -> None:
    """不予受理. The reason and the message go to the author; neither is ever public."""
    if reason is None or not reason.active:
        raise IntakeError("reason_unknown")
    if not (message or "").strip():
        raise IntakeError("message_required")
    workflow.apply_transition(session, suggestion, "decline", office_user, (note or "").strip(),
                              public_note=message.strip())
    suggestion.decline_reason = reason
    notifications.notify(session, suggestion, "declined")


def request_info(session: Session, suggestion: Suggestion, office_user: User, question: str,
                 note: str = "") -> None:
    if not (question or "").strip():
        raise IntakeError("question_required")
    workflow.apply_transition(session, suggestion, "request_info", office_user, (note or "").strip(),
                              public_note=question.strip())
    notifications.notify(session, suggestion, "needs_info")


# --- on-behalf intake (信访代理) ---------------------------------------------------------------------

@dataclass
class OnBehalfEntry:
    channel: str
    contact_name: str
    contact_phone: str
    title: str
    problem: str
    measures: str = ""
    category_id: Optional[int] = None
    district_id: Optional[int] = None
    show_anonymous: bool = False
    policy_id: Optional[int] = None
    link_account: bool = False


def _digits(phone: Optional[str]) -> str:
    """Phone numbers as staff type them ("139 1234-5678") kept as digits, so they can be matched."""
    return re.sub(r"[\s-]", "", phone or "")


def find_resident_by_phone(session: Session, phone: str) -> Optional[User]:
    user = accounts.find_by_login(session, phone or "")
    if user is None or not user.has_role(Role.RESIDENT) or user.phone is None:
        return None
    return user


def register_on_behalf(session: Session, staff: User, entry: OnBehalfEntry,
                       now: Optional[datetime] = None) -> Suggestion:
    """A suggestion a resident brought in person, by phone or by letter, entered by the office."""
    _require_office(staff)
    now = now or utcnow()
    if entry.channel not in {c.value for c in ON_BEHALF_CHANNELS}:
        raise IntakeError("channel_unknown")
    if not entry.contact_name.strip() or not entry.title.strip() or not entry.problem.strip():
        raise IntakeError("missing_fields")
    if entry.policy_id is not None and session.get(DeadlinePolicy, entry.policy_id) is None:
        raise IntakeError("policy_unknown")
    author = find_resident_by_phone(session, entry.contact_phone) if entry.link_account else None
    suggestion = Suggestion(
        tracking_number=new_tracking_number(session, now), title=entry.title.strip(),
        problem=entry.problem.strip(), measures=(entry.measures or "").strip(),
        category_id=entry.category_id, district_id=entry.district_id, author=author,
        show_anonymous=entry.show_anonymous, contact_name=entry.contact_name.strip(),
        contact_phone=_digits(entry.contact_phone) or None, channel=entry.channel,
        registered_by=staff, policy_id=entry.policy_id, status=Status.SUBMITTED.value, submitted_at=now,
    )
    session.add(suggestion)
    session.flush()
    workflow.record_event(session, suggestion, "registered_on_behalf", staff, public=False)
    return suggestion


# --- dispatch and dispute (交办, 派单异议) -----------------------------------------------------------

def dispatch(session: Session, suggestion: Suggestion, office_user: User, lead: Department,
             co_departments: Iterable[Department] = (), note: str = "",
             now: Optional[datetime] = None) -> list[Dispatch]:
    """交办 to a lead department and optional co-handling departments."""
    now = now or utcnow()
    co_departments = list(co_departments)
    if lead is None or lead.is_office or not lead.active:
        raise IntakeError("lead_invalid")
    if any(d.is_office or not d.active for d in co_departments):
        raise IntakeError("co_invalid")
    if any(d.id == lead.id for d in co_departments):
        raise IntakeError("co_is_lead")
    if len({d.id for d in co_departments}) != len(co_departments):
        raise IntakeError("co_repeated")
    # The instructions are for the departments: an internal note, never on the public timeline.
    workflow.apply_transition(session, suggestion, "dispatch", office_user, (note or "").strip())
    suggestion.lead_department = lead
    # The dispute window runs from this dispatch, also when it is a re-dispatch after a dispute.
    suggestion.dispatched_at = now
    rows = [Dispatch(suggestion=suggestion, department=lead, role="lead", dispatched_by_id=office_user.id,
                     dispatched_at=now)]
    rows += [Dispatch(suggestion=suggestion, department=d, role="co", dispatched_by_id=office_user.id,
                      dispatched_at=now) for d in co_departments]
    session.add_all(rows)
    session.flush()
    notifications.notify(session, suggestion, "dispatched")
    return rows


def active_lead_dispatch(suggestion: Suggestion) -> Optional[Dispatch]:
    return next((d for d in suggestion.dispatches if d.active and d.role == "lead"), None)


def latest_dispute(suggestion: Suggestion) -> Optional[Dispatch]:
    """The dispatch a department disputed most recently, if the suggestion is back with the office for it."""
    if suggestion.status != Status.ACCEPTED.value:
        return None
    disputed = [d for d in suggestion.dispatches if d.disputed_at is not None]
    return max(disputed, key=lambda d: d.disputed_at) if disputed else None


def dispute_deadline(session: Session, suggestion: Suggestion, dispatched: Dispatch):
    """The last day (local date) on which the department may still dispute this dispatch."""
    policy = deadlines.policy_for(session, suggestion)
    return deadlines.add_working_days(session, local_date(dispatched.dispatched_at), policy.dispute_working_days)


def check_dispute(session: Session, suggestion: Suggestion, reason: str, now: datetime) -> Dispatch:
    """The dispatch a dispute would send back, or why it cannot be disputed (checked before confirming too)."""
    if not (reason or "").strip():
        raise IntakeError("reason_required")
    lead = active_lead_dispatch(suggestion)
    if lead is None or suggestion.status != Status.DISPATCHED.value:
        raise workflow.TransitionNotAllowed("dispute_dispatch", suggestion.status, "not dispatched")
    last_day = dispute_deadline(session, suggestion, lead)
    if local_date(now) > last_day:
        raise IntakeError("dispute_too_late", last_day=last_day)
    return lead


def dispute_dispatch(session: Session, suggestion: Suggestion, department_user: User, reason: str,
                     now: datetime) -> Dispatch:
    """派单异议: the lead department says "not ours" within the working-day window; back to the office."""
    lead = check_dispute(session, suggestion, reason, now)
    # The state machine checks that this user belongs to the lead department.
    workflow.apply_transition(session, suggestion, "dispute_dispatch", department_user, reason.strip())
    lead.disputed_at = now
    lead.dispute_reason = reason.strip()
    for row in suggestion.dispatches:
        row.active = False
    suggestion.lead_department = None
    session.flush()
    return lead


# --- extensions (延期) --------------------------------------------------------------------------------

def check_extension_request(session: Session, suggestion: Suggestion, user: User, days: int, reason: str) -> None:
    """Why this extension cannot be requested, as an IntakeError (checked before confirming too)."""
    if not workflow.can(user, suggestion, "reply"):
        raise IntakeError("not_lead_department")
    if not (reason or "").strip():
        raise IntakeError("reason_required")
    policy = deadlines.policy_for(session, suggestion)
    if days is None or days < 1 or days > policy.extension_max_days:
        raise IntakeError("extension_days", max_days=policy.extension_max_days)
    earlier = session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.suggestion_id == suggestion.id, ExtensionRequest.state.in_(("pending", "approved"))))
    if earlier is not None:
        raise IntakeError("extension_exists")


def request_extension(session: Session, suggestion: Suggestion, user: User, days: int, reason: str,
                      now: datetime) -> ExtensionRequest:
    """The lead department asks once for more time, with a reason; the office decides."""
    check_extension_request(session, suggestion, user, days, reason)
    request = ExtensionRequest(suggestion=suggestion, department_id=user.department_id, requested_by_id=user.id,
                               days=days, reason=reason.strip(), requested_at=now)
    session.add(request)
    workflow.record_event(session, suggestion, "extension_requested", user, reason.strip(), public=False)
    return request


def decide_extension(session: Session, request: ExtensionRequest, office_user: User, approve: bool,
                     note: str, now: datetime) -> None:
    _require_office(office_user)
    if request.state != "pending":
        raise IntakeError("extension_decided")
    suggestion = request.suggestion
    if approve and suggestion.status != Status.DISPATCHED.value:
        raise IntakeError("extension_not_open")
    request.state = "approved" if approve else "refused"
    request.decided_by_id = office_user.id
    request.decided_at = now
    request.decision_note = (note or "").strip()
    if approve:
        suggestion.extension_days = (suggestion.extension_days or 0) + request.days
    workflow.record_event(session, suggestion, "extension_approved" if approve else "extension_refused",
                          office_user, request.decision_note, public=False)


# --- review answers (复查 / 复核) -----------------------------------------------------------------------

REVIEW_ACTIONS = {
    Status.IN_REVIEW.value: ("review", "answer_review"),
    Status.IN_SECOND_REVIEW.value: ("second_review", "answer_second_review"),
}


def answer_review(session: Session, suggestion: Suggestion, office_user: User, body: str,
                  decision: Optional[str] = None, note: str = "") -> Reply:
    """The office answers a review or second review, optionally changing the decision.

    `body` goes to the author and is published; `note` stays with the staff, on the audit event."""
    kind_action = REVIEW_ACTIONS.get(suggestion.status)
    if kind_action is None:
        raise workflow.TransitionNotAllowed("answer_review", suggestion.status, "no review pending")
    if not (body or "").strip():
        raise IntakeError("answer_required")
    if decision and decision not in {d.value for d in Decision}:
        raise IntakeError("decision_unknown")
    kind, action = kind_action
    workflow.apply_transition(session, suggestion, action, office_user, (note or "").strip())
    reply = Reply(suggestion=suggestion, kind=kind, decision=decision or None, body=body.strip(),
                  department_id=office_user.department_id, author_id=office_user.id)
    session.add(reply)
    if decision:
        suggestion.decision = decision
    session.flush()
    notifications.notify(session, suggestion, "review_answered")
    return reply
