"""Bulk accept and bulk dispatch of clear cases from the office queue.

Each item goes through the same service and state machine as a single click (so each gets its
audit row and its notification), inside its own SAVEPOINT: an item that cannot move is reported
and left as it was, and the others still move. The request commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Category, Department, Suggestion, User
from portal.services import intake, work_queues
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed, can

ACTIONS = ("accept", "dispatch")
MAX_ITEMS = 100


@dataclass
class BulkItem:
    suggestion: Suggestion
    ok: bool
    problem: Optional[str] = None  # a code the view translates
    department: Optional[Department] = None  # where a dispatch sends it


def load(session: Session, ids: list[int]) -> list[Suggestion]:
    ids = list(dict.fromkeys(ids))[:MAX_ITEMS]
    found = session.scalars(select(Suggestion).where(Suggestion.id.in_(ids))
                            .options(selectinload(Suggestion.category).selectinload(Category.default_department)))
    by_id = {s.id: s for s in found}
    return [by_id[i] for i in ids if i in by_id]


def plan(user: User, action: str, suggestions: list[Suggestion]) -> list[BulkItem]:
    """What would happen to each item, without changing anything (the confirmation step shows it)."""
    items = []
    for suggestion in suggestions:
        if suggestion.imported:
            items.append(BulkItem(suggestion, False, "imported"))
        elif not can(user, suggestion, action):
            items.append(BulkItem(suggestion, False, "not_" + ("submitted" if action == "accept" else "accepted")))
        elif action == "dispatch" and not work_queues.is_clear_for_dispatch(suggestion):
            items.append(BulkItem(suggestion, False, "no_default_department"))
        else:
            department = suggestion.category.default_department if action == "dispatch" else None
            items.append(BulkItem(suggestion, True, department=department))
    return items


def apply(session: Session, user: User, action: str, suggestions: list[Suggestion]) -> list[BulkItem]:
    """Move every item that can move; flushes, never commits."""
    results = plan(user, action, suggestions)
    for item in results:
        if not item.ok:
            continue
        try:
            with session.begin_nested():
                if action == "accept":
                    intake.accept(session, item.suggestion, user)
                else:
                    intake.dispatch(session, item.suggestion, user, item.department)
        except (IntakeError, TransitionNotAllowed) as error:
            item.ok, item.problem = False, getattr(error, "code", None) or "not_possible"
            session.refresh(item.suggestion)
    return results


