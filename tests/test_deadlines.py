"""Deadlines come from the policy table and the working-day calendar, and overdue is computed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from portal.extensions import db
from portal.models import DeadlinePolicy, Holiday, Status
from portal.services import deadlines
from portal.services.demo import load_reference_data
from portal.timeutil import LOCAL_TZ


def test_working_days_skip_weekends(app):
    friday = date(2026, 11, 20)
    assert deadlines.add_working_days(db.session, friday, 1) == date(2026, 11, 23)
    assert deadlines.add_working_days(db.session, friday, 5) == date(2026, 11, 27)


def test_working_days_follow_the_holiday_calendar(app):
    load_reference_data(db.session)  # 2026 National Day: 1–7 October off, Saturday 10 October worked
    assert deadlines.add_working_days(db.session, date(2026, 9, 30), 5) == date(2026, 10, 13)
    db.session.add(Holiday(day=date(2026, 11, 23), is_workday=False, name="test"))
    assert deadlines.add_working_days(db.session, date(2026, 11, 20), 1) == date(2026, 11, 24)


def test_reply_deadline_extension_and_wide_support(app, factory):
    load_reference_data(db.session)
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    suggestion.accepted_at = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    due = deadlines.reply_due(db.session, suggestion)
    assert due.astimezone(LOCAL_TZ).date() == date(2026, 4, 30)
    suggestion.extension_days = 30
    assert deadlines.reply_due(db.session, suggestion).astimezone(LOCAL_TZ).date() == date(2026, 5, 30)
    suggestion.widely_supported_at = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
    assert deadlines.reply_due(db.session, suggestion).astimezone(LOCAL_TZ).date() == date(2026, 4, 9)


def test_policies_are_data(app, factory):
    load_reference_data(db.session)
    policy = db.session.query(DeadlinePolicy).filter_by(code="statutory").one()
    policy.accept_days = 7
    suggestion = factory.suggestion()
    due = deadlines.accept_due(db.session, suggestion)
    assert due.astimezone(LOCAL_TZ).date() == (suggestion.submitted_at.astimezone(LOCAL_TZ) + timedelta(days=7)).date()


def test_overdue_is_computed_from_the_clock(app, factory):
    load_reference_data(db.session)
    suggestion = factory.suggestion()
    due = deadlines.accept_due(db.session, suggestion)
    before = deadlines.next_deadline(db.session, suggestion, due - timedelta(minutes=1))
    after = deadlines.next_deadline(db.session, suggestion, due + timedelta(minutes=1))
    assert (before.kind, before.overdue, after.overdue) == ("accept", False, True)


def test_fast_track_counts_minutes_and_hours(app, factory):
    load_reference_data(db.session)
    suggestion = factory.suggestion()
    suggestion.policy = db.session.query(DeadlinePolicy).filter_by(code="fast-track").one()
    assert deadlines.accept_due(db.session, suggestion) == suggestion.submitted_at + timedelta(minutes=10)
    assert deadlines.reply_due(db.session, suggestion) == suggestion.submitted_at + timedelta(hours=24)
