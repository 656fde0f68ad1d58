"""Duplicates and splits: one matter in two submissions, or two matters in one submission.

`mark_duplicate` moves supports and followers to the target with SQL, so a resident who supported
both is counted once. `split` (分诉求登记) registers each demand as its own tracked suggestion.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.models import PUBLIC_STATUSES, Follow, Status, Suggestion, Support, User
from portal.services import deadlines, notifications, workflow
from portal.inputs import parse_int
from portal.services.intake import IntakeError, new_tracking_number
from portal.services.suggestions import lock_suggestion
from portal.timeutil import utcnow

# A duplicate may point only at a suggestion that is still a living matter.
_TARGET_STATUSES = {s.value for s in (Status.SUBMITTED, Status.NEEDS_INFO) + PUBLIC_STATUSES}

MAX_SPLIT_PARTS = 10


def find_suggestion(session: Session, reference: str) -> Optional[Suggestion]:
    """By tracking number, or by id when the office typed a bare number that is not one."""
    reference = (reference or "").strip().lstrip("#")
    if not reference:
        return None
    found = session.scalar(select(Suggestion).where(Suggestion.tracking_number == reference))
    if found is None and parse_int(reference) is not None:
        found = session.get(Suggestion, parse_int(reference))
    return found


def _move_rows(session: Session, model, source: Suggestion, target: Suggestion, skip_user_id) -> None:
    """Re-point `model` rows from source to target unless the person already has one on target."""
    already = select(model.user_id).where(model.suggestion_id == target.id)
    moving = update(model).where(model.suggestion_id == source.id, model.user_id.not_in(already))
    if skip_user_id is not None:
        moving = moving.where(model.user_id != skip_user_id)
    session.execute(moving.values(suggestion_id=target.id).execution_options(synchronize_session=False))
    session.execute(delete(model).where(model.suggestion_id == source.id)
                    .execution_options(synchronize_session=False))


def recount_supports(session: Session, suggestion: Suggestion) -> int:
    suggestion.support_count = session.scalar(
        select(func.count()).select_from(Support).where(Support.suggestion_id == suggestion.id))
    return suggestion.support_count


def mark_duplicate(session: Session, duplicate: Suggestion, target: Suggestion, office_user: User,
                   note: str = "") -> None:
    """Merge `duplicate` into `target`; supports and followers move, each resident counted once.

    Both rows are locked (in id order, as `suggestions.support` locks them one at a time) before
    anything is read, so a support clicked meanwhile lands wholly before or after the move.
    """
    if target is None:
        raise IntakeError("target_unknown")
    if target.id == duplicate.id:
        raise IntakeError("target_is_self")
    locked = {s.id: lock_suggestion(session, s.id) for s in sorted((duplicate, target), key=lambda s: s.id)}
    duplicate, target = locked[duplicate.id], locked[target.id]
    if target.status not in _TARGET_STATUSES:
        raise IntakeError("target_closed_off", status=target.status)
    # A chain (A → B → A) would send residents round in circles.
    if target.duplicate_of_id is not None:
        raise IntakeError("target_closed_off", status=target.status)
    workflow.apply_transition(session, duplicate, "mark_duplicate", office_user, note.strip(),
                              public_note=target.tracking_number)
    duplicate.duplicate_of = target
    session.flush()
    # The target's author does not support their own suggestion.
    _move_rows(session, Support, duplicate, target, target.author_id)
    _move_rows(session, Follow, duplicate, target, target.author_id)
    # The duplicate's author hears how the matter goes on, as a follower of the target.
    if duplicate.author_id is not None and duplicate.author_id != target.author_id:
        follows = session.scalar(select(func.count()).select_from(Follow).where(
            Follow.suggestion_id == target.id, Follow.user_id == duplicate.author_id))
        if not follows:
            session.add(Follow(suggestion_id=target.id, user_id=duplicate.author_id))
    recount_supports(session, duplicate)
    count = recount_supports(session, target)
    session.flush()
    _check_threshold(session, target, count, office_user)


def _check_threshold(session: Session, target: Suggestion, count: int, actor: User) -> None:
    """Moved supports can carry the target over the "widely supported" threshold."""
    if target.widely_supported_at is not None or not target.is_open_for_support:
        return
    policy = deadlines.policy_for(session, target)
    if count >= policy.support_threshold:
        target.widely_supported_at = utcnow()
        workflow.record_event(session, target, "widely_supported", actor, public_note=str(count))
        notifications.notify(session, target, "widely_supported")


@dataclass
class SplitPart:
    title: str
    problem: str
    measures: str = ""
    category_id: Optional[int] = None


def split_parts(parts: list[SplitPart]) -> list[SplitPart]:
    """The parts that will become suggestions (blank ones dropped); IntakeError when they cannot.

    The view checks them before its confirmation step, so the office confirms only a split that can happen."""
    parts = [p for p in parts if (p.title or "").strip() or (p.problem or "").strip()]
    if len(parts) < 2:
        raise IntakeError("split_too_few")
    if len(parts) > MAX_SPLIT_PARTS:
        raise IntakeError("split_too_many", most=MAX_SPLIT_PARTS)
    if any(not p.title.strip() or not p.problem.strip() for p in parts):
        raise IntakeError("split_part_incomplete")
    return parts


def split(session: Session, original: Suggestion, office_user: User, parts: list[SplitPart]) -> list[Suggestion]:
    """分诉求登记: each demand becomes a new suggestion, awaiting acceptance like any other."""
    parts = split_parts(parts)
    children = []
    for part in parts:
        child = Suggestion(
            tracking_number=new_tracking_number(session), title=part.title.strip(), problem=part.problem.strip(),
            measures=(part.measures or "").strip(), category_id=part.category_id or None,
            district_id=original.district_id, themed_call_id=original.themed_call_id,
            author_id=original.author_id, show_anonymous=original.show_anonymous,
            contact_name=original.contact_name, contact_phone=original.contact_phone, channel=original.channel,
            registered_by_id=original.registered_by_id, policy_id=original.policy_id,
            status=Status.SUBMITTED.value, split_from=original,
            # Receipt is when the resident handed it in: the 15 days to accept run from then.
            submitted_at=original.submitted_at,
        )
        session.add(child)
        session.flush()
        workflow.record_event(session, child, "split_from", office_user, public_note=original.tracking_number,
                              public=False)
        children.append(child)
    workflow.apply_transition(session, original, "split", office_user,
                              public_note=", ".join(c.tracking_number for c in children))
    return children


def split_children(session: Session, original: Suggestion) -> list[Suggestion]:
    return list(session.scalars(select(Suggestion).where(Suggestion.split_from_id == original.id)
                                .order_by(Suggestion.id)))
