"""The suggestion state machine, as data, and the one function that moves a suggestion.

Every change of status goes through `apply_transition`, which checks that the transition exists
from the current status and that the actor may take it, then writes an audit row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import Session

from portal.models import Role, Status, Suggestion, SuggestionEvent, User
from portal.timeutil import utcnow

# Who may act. "author" and "lead_department" are relations to the suggestion, not roles.
AUTHOR = "author"
OFFICE = "office"
LEAD_DEPARTMENT = "lead_department"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[Status, ...]
    target: Status
    actors: tuple[str, ...]
    public: bool = True  # whether the event shows on the public timeline


S = Status
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("withdraw", (S.SUBMITTED, S.NEEDS_INFO), S.WITHDRAWN, (AUTHOR,), public=False),
    Transition("request_info", (S.SUBMITTED,), S.NEEDS_INFO, (OFFICE,), public=False),
    Transition("resubmit", (S.NEEDS_INFO,), S.SUBMITTED, (AUTHOR,), public=False),
    Transition("accept", (S.SUBMITTED,), S.ACCEPTED, (OFFICE,)),
    Transition("decline", (S.SUBMITTED, S.NEEDS_INFO), S.DECLINED, (OFFICE,), public=False),
    Transition("mark_duplicate", (S.SUBMITTED, S.NEEDS_INFO, S.ACCEPTED), S.DUPLICATE, (OFFICE,)),
    Transition("split", (S.SUBMITTED, S.NEEDS_INFO), S.SPLIT, (OFFICE,), public=False),
    Transition("dispatch", (S.ACCEPTED,), S.DISPATCHED, (OFFICE,)),
    Transition("dispute_dispatch", (S.DISPATCHED,), S.ACCEPTED, (LEAD_DEPARTMENT,), public=False),
    Transition("reply", (S.DISPATCHED,), S.REPLIED, (LEAD_DEPARTMENT,)),
    # The undo window: a reply not yet published, rated or converted may be taken back for a short
    # while after it was sent (portal.services.handling.retract_reply); the author is told.
    Transition("retract_reply", (S.REPLIED,), S.DISPATCHED, (LEAD_DEPARTMENT,), public=False),
    Transition("request_review", (S.REPLIED,), S.IN_REVIEW, (AUTHOR,)),
    Transition("answer_review", (S.IN_REVIEW,), S.REVIEWED, (OFFICE,)),
    Transition("request_second_review", (S.REVIEWED,), S.IN_SECOND_REVIEW, (AUTHOR,)),
    Transition("answer_second_review", (S.IN_SECOND_REVIEW,), S.CLOSED, (OFFICE,)),
    # The author is satisfied, or the time to ask for a review ran out.
    Transition("close", (S.REPLIED, S.REVIEWED), S.CLOSED, (AUTHOR, SYSTEM)),
)}

# Timestamps kept on the suggestion for the milestones that metrics and deadlines need.
_MILESTONE_FIELDS = {
    S.ACCEPTED: "accepted_at",
    S.DISPATCHED: "dispatched_at",
    S.REPLIED: "replied_at",
    S.CLOSED: "closed_at",
}


class TransitionNotAllowed(Exception):
    """The action does not exist from this status, or this actor may not take it."""

    def __init__(self, action: str, status: str, reason: str):
        super().__init__(f"{action} from {status}: {reason}")
        self.action = action
        self.status = status
        self.reason = reason


def actor_relations(user: Optional[User], suggestion: Suggestion) -> set[str]:
    """The capacities in which `user` stands towards `suggestion`."""
    if user is None:
        return {SYSTEM}
    relations: set[str] = set()
    if suggestion.author_id is not None and suggestion.author_id == user.id:
        relations.add(AUTHOR)
    if user.has_role(Role.OFFICE_STAFF):
        relations.add(OFFICE)
    if (user.has_role(Role.DEPARTMENT_STAFF) and suggestion.lead_department_id is not None
            and user.department_id == suggestion.lead_department_id):
        relations.add(LEAD_DEPARTMENT)
    return relations


def allowed_actions(user: Optional[User], suggestion: Suggestion) -> list[str]:
    relations = actor_relations(user, suggestion)
    return [t.action for t in TRANSITIONS.values()
            if suggestion.status in {s.value for s in t.sources} and relations & set(t.actors)]


def can(user: Optional[User], suggestion: Suggestion, action: str) -> bool:
    return action in allowed_actions(user, suggestion)


def apply_transition(session: Session, suggestion: Suggestion, action: str, actor: Optional[User],
                     note: str = "", public_note: str = "") -> SuggestionEvent:
    """Move `suggestion` by `action`; `note` is for colleagues only, `public_note` for the author and,
    on a public event, everyone."""
    """Move `suggestion` by `action`, or raise TransitionNotAllowed. Writes the audit row."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(action, suggestion.status, "unknown action")
    if suggestion.status not in {s.value for s in transition.sources}:
        raise TransitionNotAllowed(action, suggestion.status, "not allowed from this status")
    if not actor_relations(actor, suggestion) & set(transition.actors):
        raise TransitionNotAllowed(action, suggestion.status, "actor may not take this action")
    now = utcnow()
    event = SuggestionEvent(
        suggestion=suggestion, actor=actor, action=action, from_status=suggestion.status,
        to_status=transition.target.value, note=note, public_note=public_note, is_public=transition.public,
        created_at=now,
    )
    suggestion.status = transition.target.value
    milestone = _MILESTONE_FIELDS.get(transition.target)
    if milestone and getattr(suggestion, milestone) is None:
        setattr(suggestion, milestone, now)
    session.add(event)
    session.flush()
    return event


def record_event(session: Session, suggestion: Suggestion, action: str, actor: Optional[User],
                 note: str = "", public: bool = True, public_note: str = "") -> SuggestionEvent:
    """A milestone that does not change the status (published, converted, progress, supported...)."""
    event = SuggestionEvent(suggestion=suggestion, actor=actor, action=action, note=note,
                            public_note=public_note, is_public=public, created_at=utcnow())
    session.add(event)
    session.flush()
    return event


# Every transition may start or change a deadline; this module stores it on the suggestion at flush.
from portal.services import work_queues  # noqa: E402,F401
# Public state changes are appended to the public event log in the transaction that makes them.
from portal.services import event_log  # noqa: E402,F401
