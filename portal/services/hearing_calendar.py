"""iCalendar (RFC 5545) for hearings: one feed of all public hearings, one file per hearing.

Times carry TZID=Asia/Shanghai with its VTIMEZONE. The UID is stable per hearing, SEQUENCE is the
hearing's change counter (bumped on postponement and cancellation) and a cancelled hearing stays in
the feed with STATUS:CANCELLED, so subscribed calendars update instead of keeping a stale entry.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Iterable

from icalendar import Calendar, Event, vText

from portal.models import Hearing, HearingStatus
from portal.timeutil import LOCAL_TZ

PRODID = "-//People's Suggestion Portal//Hearings//ZH"


def uid(hearing: Hearing) -> str:
    return f"hearing-{hearing.id}@people-suggestion-portal"


def calendar(hearings: Iterable[Hearing], hearing_url: Callable[[Hearing], str], now: datetime,
             name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # X- properties have no declared type, so the library would write them unescaped: a name with
    # a line break (a hearing's subject) would break the file. As TEXT it is escaped and folded.
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for hearing in hearings:
        cal.add_component(_event(hearing, hearing_url(hearing), now))
    cal.add_missing_timezones()
    return cal.to_ical()


def _event(hearing: Hearing, url: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid(hearing))
    event.add("dtstamp", now)
    event.add("created", hearing.published_at)
    event.add("last-modified", hearing.updated_at)
    event.add("sequence", hearing.sequence)
    start = hearing.starts_at.astimezone(LOCAL_TZ)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=hearing.duration_minutes))
    event.add("summary", hearing.subject)
    event.add("url", url)
    event.add("status", "CANCELLED" if hearing.status == HearingStatus.CANCELLED.value else "CONFIRMED")
    # A closed hearing shows only its date, subject and status in public.
    if hearing.is_public:
        event.add("location", hearing.venue)
        event.add("description", f"{hearing.reference}\n{url}")
    else:
        event.add("description", hearing.reference)
    return event
