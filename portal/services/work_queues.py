"""Today's work for the suggestion office and each department, in SQL.

The staff's current deadline is stored on the suggestion (`Suggestion.due_at`) whenever it starts
or changes -- submission, acceptance, dispatch, an approved extension, wide support, a review
request -- by a flush hook that asks `deadlines.next_deadline`. So "overdue" is one comparison,
defined once here (`overdue`) and used by the office queue, the department workbench, the digest
and `portal.services.metrics`. Imported history (`Suggestion.imported`) is never live work.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import Select, and_, case, event, func, inspect, select
from sqlalchemy.orm import Session, selectinload

from portal.inputs import parse_int
from portal.models import Dispatch, SavedView, Status, Suggestion, SuggestionEvent
from portal.services import deadlines
from portal.timeutil import local_date, utcnow

# Deadlines the staff answer for; the author's own (rating, asking for a review) are not "work".
STAFF_DEADLINES = ("accept", "reply", "review_answer", "second_review_answer")
DUE_SOON_DAYS = 7
# Who owes the next step: a department while dispatched to it, the office otherwise.
DEPARTMENT_OWES = (Status.DISPATCHED,)
OFFICE_OWES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW, Status.IN_SECOND_REVIEW)
OFFICE_QUEUE_STATUSES = (Status.SUBMITTED, Status.NEEDS_INFO, Status.ACCEPTED)
_DEADLINE_INPUTS = ("status", "submitted_at", "accepted_at", "extension_days", "widely_supported_at",
                    "policy_id", "policy", "imported")
_KIND_BY_STATUS = {
    Status.SUBMITTED.value: "accept", Status.ACCEPTED.value: "reply", Status.DISPATCHED.value: "reply",
    Status.IN_REVIEW.value: "review_answer", Status.IN_SECOND_REVIEW.value: "second_review_answer",
}


# --- the stored due date ----------------------------------------------------------------------

def staff_due(session: Session, suggestion: Suggestion, now: Optional[datetime] = None) -> Optional[datetime]:
    """When the staff's next answer on `suggestion` is due, or None when no one on the staff side is waited for."""
    if suggestion.imported:
        return None
    deadline = deadlines.next_deadline(session, suggestion, now or utcnow())
    return deadline.due if deadline is not None and deadline.kind in STAFF_DEADLINES else None


def _deadline_inputs_changed(suggestion: Suggestion) -> bool:
    state = inspect(suggestion)
    return any(state.attrs[name].history.has_changes() for name in _DEADLINE_INPUTS)


@event.listens_for(Session, "before_flush")
def _store_due_dates(session: Session, _flush_context, _instances) -> None:
    touched: dict[int, Suggestion] = {}
    for obj in session.new:
        if isinstance(obj, Suggestion):
            touched[id(obj)] = obj
        elif isinstance(obj, SuggestionEvent) and obj.suggestion is not None:
            # Every transition and milestone (extension approved, widely supported) writes one.
            touched[id(obj.suggestion)] = obj.suggestion
    for obj in session.dirty:
        if isinstance(obj, Suggestion) and _deadline_inputs_changed(obj):
            touched[id(obj)] = obj
    if not touched:
        return
    with session.no_autoflush:
        for suggestion in touched.values():
            if suggestion.status is None:  # column defaults apply only at INSERT; the deadline needs them now
                suggestion.status = Status.SUBMITTED.value
            if suggestion.submitted_at is None:
                suggestion.submitted_at = utcnow()
            due = staff_due(session, suggestion)
            if suggestion.due_at != due:
                suggestion.due_at = due


def refresh_due_dates(session: Session, statuses=tuple(_KIND_BY_STATUS)) -> int:
    """Recompute every stored due date of live suggestions in `statuses` (after a policy or calendar change)."""
    changed = 0
    query = select(Suggestion).where(Suggestion.imported.is_(False), Suggestion.status.in_(
        [getattr(s, "value", s) for s in statuses]))
    for suggestion in session.scalars(query.execution_options(yield_per=500)):
        due = staff_due(session, suggestion)
        if suggestion.due_at != due:
            suggestion.due_at = due
            changed += 1
    session.flush()
    return changed


# --- the one definition of overdue ------------------------------------------------------------

def live():
    """SQL condition: the suggestion came in through this portal (not imported history)."""
    return Suggestion.imported.is_(False)


def overdue(now: datetime):
    """SQL condition: a live suggestion whose staff deadline has passed. The only definition of overdue."""
    return and_(live(), Suggestion.due_at.is_not(None), Suggestion.due_at < now)


def due_soon(now: datetime, days: int = DUE_SOON_DAYS):
    """SQL condition: the staff deadline falls within the next `days` days and has not passed."""
    return and_(live(), Suggestion.due_at >= now, Suggestion.due_at < now + timedelta(days=days))


def department_owes():
    return Suggestion.status.in_([s.value for s in DEPARTMENT_OWES])


def overdue_counts(session: Session, now: datetime, department_id: Optional[int] = None) -> dict[Optional[int], int]:
    """Overdue suggestions by who owes the next step: a lead department's id, or None for the office.

    The metrics page shows these counts; each department's workbench shows its own (the same query).
    """
    owner = case((department_owes(), Suggestion.lead_department_id), else_=None)
    query = select(owner, func.count()).where(overdue(now)).group_by(owner)
    if department_id is not None:
        query = query.where(department_owes(), Suggestion.lead_department_id == department_id)
    return {key: count for key, count in session.execute(query)}


@dataclass(frozen=True)
class StoredDeadline:
    """What a queue row shows: the kind of deadline, when it is due, whether it has passed."""

    kind: str
    due: datetime
    overdue: bool


def stored_deadline(suggestion: Suggestion, now: datetime) -> Optional[StoredDeadline]:
    if suggestion.due_at is None:
        return None
    return StoredDeadline(_KIND_BY_STATUS.get(suggestion.status, "reply"), suggestion.due_at,
                          suggestion.due_at < now)


# --- filters shared by the office queue and the workbenches -----------------------------------

@dataclass
class QueueFilters:
    status: Optional[str] = None
    category_id: Optional[int] = None
    district_id: Optional[int] = None
    channel: Optional[str] = None
    overdue_only: bool = False
    due_soon_only: bool = False
    text: str = ""
    role: Optional[str] = None  # department workbench: "lead" or "co"
    sort: str = "urgent"  # or "newest"

    # The query-string keys a saved view keeps.
    KEYS = ("status", "category", "district", "channel", "overdue", "due_soon", "q", "role", "sort")

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        """From a query string's mapping; anything malformed is ignored, never an error."""
        def number(name: str) -> Optional[int]:
            return parse_int(args.get(name))

        return cls(status=args.get("status") or None, category_id=number("category"),
                   district_id=number("district"), channel=args.get("channel") or None,
                   overdue_only=args.get("overdue") == "1", due_soon_only=args.get("due_soon") == "1",
                   text=args.get("q", "")[:200], role=args.get("role") if args.get("role") in ("lead", "co") else None,
                   sort=args.get("sort") if args.get("sort") in SORTS else "urgent")

    def args(self) -> dict[str, str]:
        """The same filters as query-string arguments (for links, pagination and saved views)."""
        values = {"status": self.status, "category": self.category_id, "district": self.district_id,
                  "channel": self.channel, "overdue": "1" if self.overdue_only else None,
                  "due_soon": "1" if self.due_soon_only else None, "q": self.text.strip(), "role": self.role,
                  "sort": self.sort if self.sort != "urgent" else None}
        return {k: str(v) for k, v in values.items() if v}


SORTS = ("urgent", "newest")


def _filtered(query: Select, filters: QueueFilters, now: datetime, with_status: bool = True) -> Select:
    if with_status and filters.status:
        query = query.where(Suggestion.status == filters.status)
    if filters.category_id:
        query = query.where(Suggestion.category_id == filters.category_id)
    if filters.district_id:
        query = query.where(Suggestion.district_id == filters.district_id)
    if filters.channel:
        query = query.where(Suggestion.channel == filters.channel)
    if filters.overdue_only:
        query = query.where(overdue(now))
    if filters.due_soon_only:
        query = query.where(due_soon(now))
    if filters.text.strip():
        query = query.where(Suggestion.title.contains(filters.text.strip(), autoescape=True))
    return query


def _urgent_first(*extra):
    # Soonest deadline first; nothing timed (waiting for the author, answered) after, newest first.
    return (case((Suggestion.due_at.is_(None), 1), else_=0), Suggestion.due_at, *extra, Suggestion.id.desc())


def _newest_first():
    return (Suggestion.submitted_at.desc(), Suggestion.id.desc())


_ROW_OPTIONS = (selectinload(Suggestion.category), selectinload(Suggestion.district),
                selectinload(Suggestion.dispatches).selectinload(Dispatch.department))


def office_scope() -> Select:
    return select(Suggestion).where(live(), Suggestion.status.in_([s.value for s in OFFICE_QUEUE_STATUSES]))


def office_queue(filters: QueueFilters, now: datetime) -> Select:
    """What waits for the office to accept, answer or dispatch; urgent first by default."""
    if filters.status and filters.status not in {s.value for s in OFFICE_QUEUE_STATUSES}:
        filters.status = None
    query = _filtered(office_scope(), filters, now)
    order = _newest_first() if filters.sort == "newest" else _urgent_first()
    return query.order_by(*order).options(*_ROW_OPTIONS)


def department_scope(department_id: int, role: Optional[str] = None) -> Select:
    from portal.services import handling

    return handling.department_suggestions(department_id, role=role).where(live())


def department_queue(department_id: int, filters: QueueFilters, now: datetime) -> Select:
    """What was dispatched to a department: waiting for its reply first, soonest due first; answered after."""
    query = _filtered(department_scope(department_id, filters.role), filters, now)
    if filters.sort == "newest":
        return query.order_by(*_newest_first()).options(*_ROW_OPTIONS)
    waiting = case((department_owes(), 0), else_=1)
    answered = func.coalesce(Suggestion.replied_at, Suggestion.submitted_at).desc()
    order = (waiting, case((Suggestion.due_at.is_(None), 1), else_=0), Suggestion.due_at, answered,
             Suggestion.id.desc())
    return query.order_by(*order).options(*_ROW_OPTIONS)


def counts_by_status(session: Session, scope: Select, filters: QueueFilters, now: datetime) -> dict[str, int]:
    """How many items of the queue are in each state, under the other filters (for the state links)."""
    inner = _filtered(scope, filters, now, with_status=False).order_by(None).subquery()
    return {status: count for status, count in
            session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))}


def start_of_yesterday(now: datetime) -> datetime:
    return local_day_bounds(local_date(now) - timedelta(days=1))[0]


def new_arrivals(session: Session, scope: Select, now: datetime, arrived=None,
                 limit: int = 10) -> tuple[list[Suggestion], int]:
    """Items of the queue that arrived (`arrived`: received by default) since the start of
    yesterday, local time: the newest first, and how many."""
    arrived = arrived if arrived is not None else Suggestion.submitted_at
    recent = scope.where(arrived >= start_of_yesterday(now))
    total = session.scalar(select(func.count()).select_from(recent.order_by(None).subquery())) or 0
    items = list(session.scalars(recent.order_by(arrived.desc(), Suggestion.id.desc()).limit(limit)))
    return items, total


def is_clear_for_dispatch(suggestion: Suggestion) -> bool:
    """A clear case for bulk dispatch: accepted, with a category whose default department is active."""
    department = suggestion.category.default_department if suggestion.category is not None else None
    return (suggestion.status == Status.ACCEPTED.value and department is not None and department.active
            and not department.is_office)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC instants [from, until) of a local calendar day."""
    start = deadlines.end_of_local_day(day - timedelta(days=1)) + timedelta(microseconds=1)
    return start, deadlines.end_of_local_day(day) + timedelta(microseconds=1)



# --- saved views (per user) -------------------------------------------------------------------

MAX_SAVED_VIEWS = 20


class SavedViewError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def saved_views(session: Session, user, scope: str) -> list:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user.id, SavedView.scope == scope)
                                .order_by(SavedView.name)))


def save_view(session: Session, user, scope: str, name: str, args: dict[str, str]):
    """Keep the queue's current filters under a name (replacing a view of the same name)."""
    name = (name or "").strip()
    if not name:
        raise SavedViewError("name_required")
    query = urlencode([(k, v) for k, v in args.items() if k in QueueFilters.KEYS and v])[:500]
    view = session.scalar(select(SavedView).where(SavedView.user_id == user.id, SavedView.scope == scope,
                                                  SavedView.name == name))
    if view is None:
        if len(saved_views(session, user, scope)) >= MAX_SAVED_VIEWS:
            raise SavedViewError("too_many")
        view = SavedView(user_id=user.id, scope=scope, name=name)
        session.add(view)
    view.query = query
    session.flush()
    return view


def delete_view(session: Session, user, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise SavedViewError("not_yours")
    session.delete(view)
    session.flush()
