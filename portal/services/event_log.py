"""The public event log: every public state change as append-only open data, one JSON Lines file
per day with a hash chain, from which anyone can recompute the metrics (tools/recompute_metrics.py).

Written when things happen, never recomputed. New suggestions, audit rows (`SuggestionEvent`),
ratings, conversions and progress reports are collected at every flush; just before the outermost
commit they become `PublicEvent` rows, in the same transaction, read from the records as that
transaction leaves them (a deadline, a department, a decision). A change that is rolled back leaves
no line. A line is never updated nor deleted (the mapper refuses).
A passed staff deadline is no row of its own: `record_overdue` (`flask events overdue`) reports
each one once, as an "overdue" event timed at the deadline.

What an event holds: its sequence number (`seq`), its time (RFC 3339, China Standard Time), its
`type`, the suggestion's public number (`suggestion`, the id in its address), and per type only
codes and times -- no names, no text, no reasons. Imported history is left out, as the metrics
leave it out. Before acceptance a suggestion is not public: its "submitted", "declined" and
"split" events carry its number and channel only; the tracking number appears from "accepted" on.
A decision appears only once published ("published", and review answers after that); conversions
and progress reports recorded before publication are logged when the decision is published.

Files. One file per local calendar day (Asia/Shanghai), from the first day with an event to the
last closed day, also for days without events. The first line is a header: the day, the number of
events, and the previous day's file's SHA-256 (`previous_sha256`, null for the first file); then
one event per line in sequence order. Lines are JSON with sorted keys, UTF-8 (not escaped), no
spaces, each ending in "\\n"; the SHA-256 is over the file's bytes. A day is published once it is
over plus `CLOSING_GRACE` (a transaction that began before midnight may still commit). From then
on nothing is written to it: an event whose time falls on a closed day (a late commit) goes into
the first open day's file and keeps its own time. `EVENT_LOG_BACKFILL` lets history loaders and
tests write past days before the log is published.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterator, Optional

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event, func, inspect, select
from sqlalchemy.orm import Session

from portal.models import (
    Conversion, ConversionProgress, OverdueLogged, PublicEvent, Rating, Suggestion, SuggestionEvent,
)
from portal.services import deadlines, work_queues
from portal.transaction_hooks import after_real_commit, after_real_rollback
from portal.timeutil import LOCAL_TZ, local_date, utcnow

FORMAT_VERSION = 1
CLOSING_GRACE = timedelta(minutes=15)
_PENDING = "event_log_pending"
_EXTRA = "event_log_extra"  # events that no new row stands for ("overdue")

# Audit actions that are public state changes, and the event type each becomes.
ACTION_TYPES = {
    "accept": "accepted",
    "decline": "declined",
    "split": "split",
    "mark_duplicate": "merged",
    "dispatch": "dispatched",
    "dispute_dispatch": "returned",
    "reply": "replied",
    "published": "published",
    "request_review": "review_requested",
    "answer_review": "review_answered",
    "request_second_review": "second_review_requested",
    "answer_second_review": "second_review_answered",
    "close": "closed",
}
# Events of one transaction are written by time; at the same time, in the order of a suggestion's life.
_RANK = {name: i for i, name in enumerate(
    ("submitted", "accepted", "declined", "split", "merged", "dispatched", "returned", "replied",
     "published", "converted", "progress", "rated", "review_requested", "review_answered",
     "second_review_requested", "second_review_answered", "closed", "overdue"))}


# --- formats ----------------------------------------------------------------------------------

def rfc3339(moment: Optional[datetime]) -> Optional[str]:
    """China Standard Time with microseconds, so comparisons with deadlines stay exact."""
    if moment is None:
        return None
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="microseconds")


def canonical(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _slug(item) -> Optional[str]:
    return item.slug if item is not None else None


# --- writing ----------------------------------------------------------------------------------

def last_closed_day(now: Optional[datetime] = None) -> date:
    """The last local day whose file is published (and will never change)."""
    return local_date((now or utcnow()) - CLOSING_GRACE) - timedelta(days=1)


def _backfill_allowed() -> bool:
    return has_app_context() and bool(current_app.config.get("EVENT_LOG_BACKFILL"))


@sa_event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    watched = (Suggestion, SuggestionEvent, Rating, Conversion, ConversionProgress)
    new = [obj for obj in session.new if isinstance(obj, watched)]
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


@after_real_rollback
def _forget(session: Session) -> None:
    # Rows of a SAVEPOINT that rolled back become transient: `_records` skips them.
    session.info.pop(_PENDING, None)
    session.info.pop(_EXTRA, None)


@after_real_commit
def _done(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_EXTRA, None)


@sa_event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():
        return
    if not session.info.get(_PENDING) and not session.info.get(_EXTRA):
        return
    session.flush()
    records = _records(session, session.info.pop(_PENDING, [])) + session.info.pop(_EXTRA, [])
    if not records:
        return
    records.sort(key=lambda item: (item[0], _RANK[item[1]["type"]]))
    now = utcnow()
    closed = None if _backfill_allowed() else last_closed_day(now)
    rows = []
    for moment, record in records:
        day = local_date(moment)
        if closed is not None and day <= closed:
            day = local_date(now)
        row = PublicEvent(day=day, line="")
        session.add(row)
        rows.append((row, record))
    session.flush()  # the sequence numbers
    for row, record in rows:
        row.line = canonical({"seq": row.id, **record})


def record_overdue(session: Session, now: Optional[datetime] = None) -> int:
    """An "overdue" event for every live suggestion whose staff deadline (`work_queues.overdue`,
    the definition of the queues) has passed, once per deadline; the event's time is the deadline.
    Run it from one place (`flask events overdue`, say every few minutes). Returns how many."""
    now = now or utcnow()
    logged = OverdueLogged
    query = (select(Suggestion, logged).outerjoin(logged, logged.suggestion_id == Suggestion.id)
             .where(work_queues.overdue(now), (logged.due_at.is_(None)) | (logged.due_at != Suggestion.due_at))
             .order_by(Suggestion.id))
    count = 0
    for suggestion, noted in session.execute(query).all():
        deadline = deadlines.next_deadline(session, suggestion, now)
        session.info.setdefault(_EXTRA, []).append((suggestion.due_at, {
            "time": rfc3339(suggestion.due_at), "type": "overdue", "suggestion": suggestion.id,
            "deadline": deadline.kind if deadline is not None else None}))
        if noted is None:
            session.add(OverdueLogged(suggestion_id=suggestion.id, due_at=suggestion.due_at))
        else:
            noted.due_at = suggestion.due_at
        count += 1
    session.flush()
    return count


@sa_event.listens_for(PublicEvent, "before_update")
def _refuse_update(mapper, connection, target: PublicEvent) -> None:
    history = inspect(target).attrs.line.history
    if any(history.deleted) or inspect(target).attrs.day.history.has_changes():
        raise ValueError("public events are append-only: a written line never changes")


@sa_event.listens_for(PublicEvent, "before_delete")
def _refuse_delete(mapper, connection, target: PublicEvent) -> None:
    raise ValueError("public events are append-only: a written line is never deleted")


def _records(session: Session, pending: list) -> list[tuple[datetime, dict]]:
    """(time, record without its sequence number) for every public change among `pending`."""
    objects = [obj for obj in dict.fromkeys(pending) if inspect(obj).persistent]
    published_now = {id(obj.suggestion) for obj in objects
                     if isinstance(obj, SuggestionEvent) and obj.action == "published"}
    records: list[tuple[datetime, dict]] = []

    def add(moment: datetime, kind: str, suggestion: Suggestion, **fields) -> None:
        record = {"time": rfc3339(moment), "type": kind, "suggestion": suggestion.id}
        record.update({k: v for k, v in fields.items() if v is not None})
        records.append((moment, record))

    for obj in objects:
        if isinstance(obj, Suggestion):
            if not obj.imported:
                add(obj.submitted_at, "submitted", obj, channel=obj.channel, split_from=obj.split_from_id)
        elif isinstance(obj, SuggestionEvent):
            if not obj.suggestion.imported and obj.action in ACTION_TYPES:
                _audit_event(session, obj, add)
        elif isinstance(obj, Rating):
            suggestion = session.get(Suggestion, obj.suggestion_id)
            if not suggestion.imported:
                add(obj.created_at, "rated", suggestion, level=obj.level, answer=obj.reply.kind)
        elif isinstance(obj, Conversion):
            s = obj.suggestion
            if not s.imported and s.published_at is not None and id(s) not in published_now:
                add(obj.created_at, "converted", s, conversion=obj.id, conversion_type=obj.type)
        elif isinstance(obj, ConversionProgress):
            s = obj.conversion.suggestion
            if not s.imported and s.published_at is not None and id(s) not in published_now:
                add(obj.created_at, "progress", s, conversion=obj.conversion_id, percent=obj.percent,
                    recorded_on=obj.recorded_on.isoformat())
    return records


def _audit_event(session: Session, audit: SuggestionEvent, add) -> None:
    s = audit.suggestion
    kind = ACTION_TYPES[audit.action]
    moment = audit.created_at
    published = s.published_at is not None
    if kind == "accepted":
        moment = s.accepted_at or moment
        add(moment, kind, s, tracking_number=s.tracking_number, channel=s.channel, category=_slug(s.category),
            district=_slug(s.district), submitted_at=rfc3339(s.submitted_at),
            due=rfc3339(deadlines.accept_due(session, s)))
    elif kind == "declined":
        add(moment, kind, s, submitted_at=rfc3339(s.submitted_at), due=rfc3339(deadlines.accept_due(session, s)))
    elif kind == "merged":
        add(moment, kind, s, into=s.duplicate_of_id)
    elif kind == "dispatched":
        add(moment, kind, s, department=_slug(s.lead_department))
    elif kind == "replied":
        moment = s.replied_at or moment
        policy = deadlines.policy_for(session, s)
        add(moment, kind, s, department=_slug(s.lead_department), due=rfc3339(deadlines.reply_due(session, s)),
            review_until=rfc3339(deadlines.after_days(moment, policy.review_request_days)))
    elif kind == "published":
        moment = s.published_at or moment
        add(moment, kind, s, decision=s.decision)
        for conversion in s.conversions:
            add(max(moment, conversion.created_at), "converted", s, conversion=conversion.id,
                conversion_type=conversion.type)
            for progress in conversion.progress:
                add(max(moment, progress.created_at), "progress", s, conversion=conversion.id,
                    percent=progress.percent, recorded_on=progress.recorded_on.isoformat())
    elif kind in ("review_answered", "second_review_answered"):
        add(moment, kind, s, decision=s.decision if published else None)
    else:
        add(moment, kind, s)


# --- reading: the day files and the chain ------------------------------------------------------

@dataclass(frozen=True)
class DayFile:
    day: date
    events: int
    sha256: str
    previous_sha256: Optional[str]


def header(day: date, events: int, previous_sha256: Optional[str]) -> str:
    return canonical({"day": day.isoformat(), "events": events, "previous_sha256": previous_sha256,
                      "version": FORMAT_VERSION})


def file_bytes(day: date, lines: list[str], previous_sha256: Optional[str]) -> bytes:
    return "".join(f"{line}\n" for line in [header(day, len(lines), previous_sha256), *lines]).encode("utf-8")


def first_day(session: Session) -> Optional[date]:
    return session.scalar(select(func.min(PublicEvent.day)))


def _lines_by_day(session: Session, until: date) -> Iterator[tuple[date, str]]:
    query = (select(PublicEvent.day, PublicEvent.line).where(PublicEvent.day <= until)
             .order_by(PublicEvent.day, PublicEvent.id).execution_options(yield_per=2000))
    yield from session.execute(query)


def chain(session: Session, now: Optional[datetime] = None) -> list[DayFile]:
    """Every published day, oldest first, with its hash and the previous file's."""
    start, until = first_day(session), last_closed_day(now)
    if start is None or start > until:
        return []
    rows = _lines_by_day(session, until)
    pending = next(rows, None)
    files: list[DayFile] = []
    previous: Optional[str] = None
    day = start
    while day <= until:
        lines = []
        while pending is not None and pending[0] == day:
            lines.append(pending[1])
            pending = next(rows, None)
        digest = hashlib.sha256(file_bytes(day, lines, previous)).hexdigest()
        files.append(DayFile(day, len(lines), digest, previous))
        previous = digest
        day += timedelta(days=1)
    return files


def day_lines(session: Session, day: date) -> list[str]:
    return list(session.scalars(select(PublicEvent.line).where(PublicEvent.day == day).order_by(PublicEvent.id)))
