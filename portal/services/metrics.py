"""Performance metrics computed from the portal's own records, overall and per lead department.

Each metric is a ratio with a stated numerator and denominator; the rate is None when nothing
was counted (the page shows "—"). The definitions are the docstrings of `Metrics` (the public
page shows the same text, translated).

Period: a measure belongs to the period in which the event that completes it happened, by the
calendar date in Asia/Shanghai; `start` and `end` are inclusive and either may be open.
Scope: only suggestions received through this portal; imported history (`Suggestion.imported`)
is never counted. Department: the suggestion's lead department. Suggestions never dispatched (declined ones, say)
count only in the overall figures, under the key None in `compute_by_department`.

"Timely" is decided by `portal.services.deadlines` (accept_due, reply_due, after_days), so it means
exactly what deadline badges and overdue lists elsewhere mean. To stay fast with 100 000
suggestions, the database counts suggestions grouped by what those calendar-day deadlines depend
on -- how many local days lay between the two events -- and the deadline functions judge one
stand-in per group. Policies timed in minutes or hours (the 10-30-24 fast track) depend on the
exact times, so their few suggestions are judged one by one, reading only the columns needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Iterable, Optional

from sqlalchemy import Date, Integer, String, and_, case, exists, false, func, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from portal.models import (
    Channel, Conversion, DeadlinePolicy, Decision, Rating, RatingLevel, Status, Suggestion, SuggestionEvent,
)
from portal.services import deadlines, work_queues
from portal.timeutil import LOCAL_TZ, utcnow

ADOPTED = (Decision.ADOPTED.value, Decision.PARTLY_ADOPTED.value)
CONTENT = (RatingLevel.SATISFIED.value, RatingLevel.BASICALLY_SATISFIED.value)


@dataclass(frozen=True)
class Ratio:
    numerator: int = 0
    denominator: int = 0

    @property
    def rate(self) -> Optional[float]:
        """numerator ÷ denominator, or None when there is nothing to divide by."""
        return self.numerator / self.denominator if self.denominator else None

    def __add__(self, other: "Ratio") -> "Ratio":
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)


@dataclass(frozen=True)
class Metrics:
    timely_acceptance: Ratio = Ratio()
    """Suggestions accepted or declined by their acceptance deadline (`deadlines.accept_due`)
    ÷ suggestions accepted or declined in the period (by the date of that decision)."""
    on_time_closure: Ratio = Ratio()
    """Suggestions whose written reply (办结) came by the reply deadline (`deadlines.reply_due`:
    from acceptance, plus an approved extension, sooner when widely supported)
    ÷ suggestions replied to in the period (by the date of the reply)."""
    first_time_resolution: Ratio = Ratio()
    """Replied suggestions for which the author did not request a review
    ÷ suggestions replied to in the period whose outcome is known: the author rated the reply,
    requested a review, the matter was closed, or the time to request a review has run out."""
    adoption: Ratio = Ratio()
    """Adopted or partly adopted ÷ suggestions replied to in the period whose decision has been
    published (unpublished decisions are left out, so none can be inferred from the figures)."""
    conversion: Ratio = Ratio()
    """Of the adopted or partly adopted suggestions in `adoption`'s denominator, those with at
    least one recorded conversion (at any time up to now) ÷ all of them."""
    satisfaction: Ratio = Ratio()
    """Ratings "satisfied" or "basically satisfied" ÷ ratings given in the period (each rating of
    a reply, review answer or second-review answer counts once, by the date it was given)."""
    online_share: Ratio = Ratio()
    """Suggestions submitted online ÷ suggestions submitted in the period through any channel
    (a submission registered as several suggestions counts as those suggestions)."""

    def items(self) -> list[tuple[str, Ratio]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def __add__(self, other: "Metrics") -> "Metrics":
        return Metrics(**{name: ratio + getattr(other, name) for name, ratio in self.items()})


METRIC_CODES: tuple[str, ...] = tuple(f.name for f in fields(Metrics))


@dataclass
class _Tally:
    """Mutable counts per metric while the queries run."""

    counts: dict[str, list[int]] = field(default_factory=lambda: {code: [0, 0] for code in METRIC_CODES})

    def add(self, code: str, numerator: int, denominator: int) -> None:
        self.counts[code][0] += int(numerator or 0)
        self.counts[code][1] += int(denominator or 0)

    def freeze(self) -> Metrics:
        return Metrics(**{code: Ratio(n, d) for code, (n, d) in self.counts.items()})


def period_bounds(start: Optional[date], end: Optional[date]) -> tuple[Optional[datetime], Optional[datetime]]:
    """UTC instants [from, until) covering local calendar days start..end inclusive."""
    lower = datetime.combine(start, time(0), tzinfo=LOCAL_TZ) if start else None
    upper = datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL_TZ) if end else None
    return lower, upper


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _within(column, lower: Optional[datetime], upper: Optional[datetime]) -> list:
    conditions = [column.is_not(None)]
    if lower is not None:
        conditions.append(column >= lower)
    if upper is not None:
        conditions.append(column < upper)
    return conditions


class _Row:
    """The few fields `deadlines.accept_due` / `reply_due` read, without loading a Suggestion."""

    __slots__ = ("policy", "submitted_at", "accepted_at", "extension_days", "widely_supported_at")

    def __init__(self, policy, submitted_at, accepted_at=None, extension_days=0, widely_supported_at=None):
        self.policy = policy
        self.submitted_at = submitted_at
        self.accepted_at = accepted_at
        self.extension_days = extension_days or 0
        self.widely_supported_at = widely_supported_at


class _Policies:
    """Each suggestion's deadline policy, resolved once per policy rather than once per row."""

    def __init__(self, session: Session):
        self._by_id = {p.id: p for p in session.scalars(select(DeadlinePolicy))}
        self.default = deadlines.policy_for(session, _Row(None, None))

    def get(self, policy_id: Optional[int]) -> DeadlinePolicy:
        return self._by_id.get(policy_id, self.default) if policy_id is not None else self.default

    def timed(self, attribute: str, wanted: bool = True):
        """SQL condition: the suggestion's policy counts in minutes or hours (`attribute` is set) -- or not."""
        ids = [pid for pid, policy in self._by_id.items() if getattr(policy, attribute)]
        default_timed = bool(getattr(self.default, attribute))
        column = Suggestion.policy_id
        if wanted:
            return or_(column.in_(ids), column.is_(None) if default_timed else false())
        if default_timed:
            return and_(column.is_not(None), column.not_in(ids))
        return or_(column.is_(None), column.not_in(ids))


# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: SQLite, which has no time-zone
# database, shifts by this offset to find the local date; PostgreSQL converts by the zone's name.
_OFFSET_HOURS = int(LOCAL_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)


class local_day(FunctionElement):
    """The calendar date in Asia/Shanghai of a stored (naive UTC) timestamp."""

    type = Date()
    name = "local_day"
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"date({compiler.process(column, **kw)}, '+{_OFFSET_HOURS} hours')"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return f"CAST(timezone('{LOCAL_TZ.key}', timezone('UTC', {compiler.process(column, **kw)})) AS DATE)"


class local_month(FunctionElement):
    """The calendar month in Asia/Shanghai of a stored (naive UTC) timestamp, as text 'YYYY-MM'."""

    type = String()
    name = "local_month"
    inherit_cache = True


@compiles(local_month, "sqlite")
def _local_month_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"strftime('%Y-%m', {compiler.process(column, **kw)}, '+{_OFFSET_HOURS} hours')"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return f"to_char(timezone('{LOCAL_TZ.key}', timezone('UTC', {compiler.process(column, **kw)})), 'YYYY-MM')"


class day_gap(FunctionElement):
    """Local calendar days from the second timestamp's date to the first's; NULL if either is NULL."""

    type = Integer()
    name = "day_gap"
    inherit_cache = True


@compiles(day_gap, "sqlite")
def _day_gap_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(local_day(column), **kw) for column in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(day_gap, "postgresql")
def _day_gap_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(local_day(column), **kw) for column in element.clauses)
    return f"({later} - {earlier})"


# Stand-ins are placed around an arbitrary day, at noon; only the distance in days matters.
_REFERENCE_DAY = date(2001, 6, 1)


def _noon(days_from_reference: int) -> datetime:
    return datetime.combine(_REFERENCE_DAY + timedelta(days=days_from_reference), time(12), tzinfo=LOCAL_TZ)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def compute_metrics(session: Session, *, start: Optional[date] = None, end: Optional[date] = None,
                    department_id: Optional[int] = None, now: Optional[datetime] = None) -> Metrics:
    """All metrics for the period, over every suggestion or one lead department's."""
    tallies = _tally(session, start, end, department_id, now or utcnow())
    return sum((t.freeze() for t in tallies.values()), Metrics())


def compute_by_department(session: Session, *, start: Optional[date] = None, end: Optional[date] = None,
                          now: Optional[datetime] = None) -> tuple[Metrics, dict[Optional[int], Metrics]]:
    """The overall metrics and, from the same queries, one Metrics per lead department id
    (None: suggestions without a lead department). Departments with nothing counted are absent."""
    tallies = _tally(session, start, end, None, now or utcnow())
    by_department = {key: tally.freeze() for key, tally in tallies.items()}
    return sum(by_department.values(), Metrics()), by_department


def month_starts(last_month: date, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with the month of `last_month`, oldest first."""
    year, month = last_month.year, last_month.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def compute_by_month(session: Session, months: list[date], *, department_id: Optional[int] = None,
                     now: Optional[datetime] = None) -> list[tuple[date, Metrics]]:
    """One Metrics per month in `months` (first days, consecutive, oldest first), from the same
    few grouped queries as `compute_metrics` whatever the number of months or suggestions."""
    if not months:
        return []
    last = months[-1]
    end = (date(last.year + 1, 1, 1) if last.month == 12 else date(last.year, last.month + 1, 1)) - timedelta(days=1)
    tallies = _tally(session, months[0], end, department_id, now or utcnow(), key=local_month)
    return [(month, tallies[month.strftime("%Y-%m")].freeze() if month.strftime("%Y-%m") in tallies else Metrics())
            for month in months]


def overdue_now(session: Session, *, department_id: Optional[int] = None,
                now: Optional[datetime] = None) -> dict[Optional[int], int]:
    """Live suggestions past their staff deadline right now, by who owes the next step (a lead
    department's id, None for the suggestion office): `work_queues.overdue`, the definition the
    office queue and the workbenches use."""
    return work_queues.overdue_counts(session, now or utcnow(), department_id)


def imported_count(session: Session) -> int:
    """How many imported suggestions the metrics leave out (the page says so)."""
    return session.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.imported.is_(True))) or 0


def _by_department(event_time):
    return Suggestion.lead_department_id


def _tally(session: Session, start, end, department_id, now, key=_by_department) -> dict:
    """Tallies per key: `key(time of the completing event)` is the SQL the counts are grouped by
    (the lead department by default; `local_month` for trends)."""
    lower, upper = period_bounds(start, end)
    scope = [work_queues.live()]
    if department_id is not None:
        scope.append(Suggestion.lead_department_id == department_id)
    policies = _Policies(session)
    tallies: dict[Optional[int], _Tally] = {}
    sources = (
        ("timely_acceptance", _acceptance_counts(session, lower, upper, scope, policies, key)),
        ("on_time_closure", _closure_counts(session, lower, upper, scope, policies, key)),
        ("first_time_resolution", _first_time_counts(session, lower, upper, scope, policies, now, key)),
        ("satisfaction", _rating_counts(session, lower, upper, scope, key)),
        ("online_share", _channel_counts(session, lower, upper, scope, key)),
    )
    for code, counts in sources:
        for group, numerator, denominator in counts:
            tallies.setdefault(group, _Tally()).add(code, numerator, denominator)
    for group, decided, adopted, converted in _decision_counts(session, lower, upper, scope, key):
        tallies.setdefault(group, _Tally()).add("adoption", adopted, decided)
        tallies.setdefault(group, _Tally()).add("conversion", converted, adopted)
    return tallies


Counts = Iterable[tuple[Optional[int], int, int]]  # (lead department, numerator, denominator)


def _acceptance_counts(session, lower, upper, scope, policies, key=_by_department) -> Counts:
    """Accept or decline decisions made in the period, and how many came by `deadlines.accept_due`.

    Acceptance is read from `accepted_at` (set by the workflow, and kept by imports); declines
    from their audit row, the only place their time is kept.
    """
    def decisions(columns):
        accepted = select(*columns(Suggestion.accepted_at)).where(
            *_within(Suggestion.accepted_at, lower, upper), *scope)
        declined = (select(*columns(SuggestionEvent.created_at)).select_from(SuggestionEvent)
                    .join(Suggestion, Suggestion.id == SuggestionEvent.suggestion_id)
                    .where(SuggestionEvent.action == "decline", *_within(SuggestionEvent.created_at, lower, upper),
                           *scope))
        return accepted, declined

    for query in decisions(lambda decided: (key(decided), Suggestion.policy_id,
                                            day_gap(decided, Suggestion.submitted_at), func.count())):
        query = query.where(policies.timed("acknowledge_minutes", False)).group_by(*query.selected_columns[:3])
        for department, policy_id, gap, count in session.execute(query):
            due = deadlines.accept_due(session, _Row(policies.get(policy_id), _noon(0)))
            yield department, count if _noon(gap) <= due else 0, count
    # Policies counting minutes: judged one by one on the exact times.
    for query in decisions(lambda decided: (key(decided), Suggestion.policy_id,
                                            Suggestion.submitted_at, decided)):
        for department, policy_id, submitted_at, decided_at in session.execute(
                query.where(policies.timed("acknowledge_minutes"))):
            due = deadlines.accept_due(session, _Row(policies.get(policy_id), submitted_at))
            yield department, int(decided_at <= due), 1


def _closure_counts(session, lower, upper, scope, policies, key=_by_department) -> Counts:
    """Suggestions replied to in the period, and how many by `deadlines.reply_due`."""
    replied = _within(Suggestion.replied_at, lower, upper)
    since_accepted = day_gap(Suggestion.replied_at, Suggestion.accepted_at)
    since_widely = day_gap(Suggestion.replied_at, Suggestion.widely_supported_at)
    dimensions = (key(Suggestion.replied_at), Suggestion.policy_id, since_accepted, Suggestion.extension_days,
                  since_widely)
    query = (select(*dimensions, func.count()).where(*replied, *scope, policies.timed("first_round_hours", False))
             .group_by(*dimensions))
    for department, policy_id, accepted_gap, extension_days, widely_gap, count in session.execute(query):
        stand_in = _Row(policies.get(policy_id), None,
                        accepted_at=None if accepted_gap is None else _noon(-accepted_gap),
                        extension_days=extension_days,
                        widely_supported_at=None if widely_gap is None else _noon(-widely_gap))
        due = deadlines.reply_due(session, stand_in)
        yield department, count if due is not None and _noon(0) <= due else 0, count
    # Policies counting hours: judged one by one on the exact times.
    query = select(key(Suggestion.replied_at), Suggestion.policy_id, Suggestion.submitted_at,
                   Suggestion.accepted_at, Suggestion.extension_days, Suggestion.widely_supported_at,
                   Suggestion.replied_at).where(*replied, *scope, policies.timed("first_round_hours"))
    for department, policy_id, submitted_at, accepted_at, extension_days, widely_at, replied_at in \
            session.execute(query):
        due = deadlines.reply_due(session, _Row(policies.get(policy_id), submitted_at, accepted_at, extension_days,
                                                widely_at))
        yield department, int(due is not None and replied_at <= due), 1


def _first_time_counts(session, lower, upper, scope, policies, now, key=_by_department) -> Counts:
    """Suggestions replied to in the period whose outcome is known, and how many went without review.

    The outcome is known once the author rated a reply, requested a review, or the matter closed;
    otherwise once the review window (`after_days(reply, review_request_days)`) has passed, which
    depends on the reply's local date only -- so undecided suggestions are grouped by that date.
    """
    reviewed = case((exists().where(SuggestionEvent.suggestion_id == Suggestion.id,
                                    SuggestionEvent.action == "request_review"), 1), else_=0)
    known = case((or_(exists().where(Rating.suggestion_id == Suggestion.id), Suggestion.closed_at.is_not(None)), 1),
                 else_=0)
    per_suggestion = select(
        key(Suggestion.replied_at).label("department"), Suggestion.policy_id.label("policy_id"),
        reviewed.label("reviewed"), known.label("known"),
        case((or_(reviewed == 1, known == 1), null()), else_=local_day(Suggestion.replied_at)).label("pending_day"),
    ).where(*_within(Suggestion.replied_at, lower, upper), *scope).subquery()
    dimensions = (per_suggestion.c.department, per_suggestion.c.policy_id, per_suggestion.c.reviewed,
                  per_suggestion.c.known, per_suggestion.c.pending_day)
    for department, policy_id, was_reviewed, was_known, pending_day, count in session.execute(
            select(*dimensions, func.count()).group_by(*dimensions)):
        if not (was_reviewed or was_known):
            noon = datetime.combine(_as_date(pending_day), time(12), tzinfo=LOCAL_TZ)
            if now <= deadlines.after_days(noon, policies.get(policy_id).review_request_days):
                continue  # the author may still ask for a review
        yield department, 0 if was_reviewed else count, count


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _decision_counts(session, lower, upper, scope, key=_by_department):
    """(department, published decisions, adopted or partly adopted, of those converted)."""
    adopted = Suggestion.decision.in_(ADOPTED)
    converted = exists().where(Conversion.suggestion_id == Suggestion.id)
    group = key(Suggestion.replied_at)
    query = (select(group, _count(Suggestion.decision.is_not(None)), _count(adopted),
                    _count(and_(adopted, converted)))
             .where(*_within(Suggestion.replied_at, lower, upper), Suggestion.published_at.is_not(None), *scope)
             .group_by(group))
    return session.execute(query).all()


def _rating_counts(session, lower, upper, scope, key=_by_department):
    """(department, ratings "satisfied" or "basically satisfied", all ratings given in the period)."""
    group = key(Rating.created_at)
    query = (select(group, _count(Rating.level.in_(CONTENT)), func.count(Rating.id))
             .select_from(Rating).join(Suggestion, Suggestion.id == Rating.suggestion_id)
             .where(*_within(Rating.created_at, lower, upper), *scope)
             .group_by(group))
    return session.execute(query).all()


def _channel_counts(session, lower, upper, scope, key=_by_department):
    """(department, submitted online, all suggestions submitted in the period). A split original is
    left out: its parts are counted instead."""
    group = key(Suggestion.submitted_at)
    query = (select(group, _count(Suggestion.channel == Channel.ONLINE.value), func.count(Suggestion.id))
             .where(*_within(Suggestion.submitted_at, lower, upper), Suggestion.status != Status.SPLIT.value,
                    *scope)
             .group_by(group))
    return session.execute(query).all()
