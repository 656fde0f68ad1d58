"""Load the built-in demo suggestions (`demo_stories`) through the real services.

Each suggestion walks the same path a clerk would take on the web pages; afterwards the
milestone dates are set to the story's dates, so the finished 有礼租 story reads as it happened
in 2024 and the live ones have deadlines that fall due around today. Idempotent by `external_id`.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Category, DeclineReason, Department, District, Suggestion, ThemedCall, User
from portal.services import handling, intake, suggestions, themed_calls
from portal.services.demo_stories import LIVE_STORIES, THEMED_CALL, YOULIZU
from portal.timeutil import utcnow

OFFICE = "office@demo.gov.cn"
STAFF = {"housing": "housing@demo.gov.cn", "hrss": "hrss@demo.gov.cn"}
_MILESTONES = {"accept": "accepted_at", "dispatch": "dispatched_at", "reply": "replied_at",
               "published": "published_at", "close": "closed_at"}


def _by_slug(session: Session, model, slug: str):
    return session.scalar(select(model).where(model.slug == slug))


def _staff_of(session: Session, department: Department, users: dict[str, User], office: User) -> User:
    """The demo clerk of a department, or a clerk created for it (departments without a demo account)."""
    login = STAFF.get(department.slug)
    if login:
        return users[login]
    from portal.models import Role
    from portal.services import accounts
    from portal.services.demo import DEMO_PASSWORD

    email = f"{department.slug}@demo.gov.cn"
    return accounts.find_by_login(session, email) or accounts.create_user(
        session, email, DEMO_PASSWORD, department.name + "承办人", role=Role.DEPARTMENT_STAFF,
        department_id=department.id)


def _backdate(suggestion: Suggestion, when: dict[str, datetime]) -> None:
    """Put the story's dates on the milestones and on their audit rows."""
    for event in suggestion.events:
        moment = when.get(event.action) or when.get("submit")
        if moment is not None:
            event.created_at = moment
    for action, field in _MILESTONES.items():
        if action in when and getattr(suggestion, field) is not None:
            setattr(suggestion, field, when[action])
    for dispatch in suggestion.dispatches:
        dispatch.dispatched_at = when.get("dispatch", dispatch.dispatched_at)
    for reply in suggestion.replies:
        reply.created_at = when.get("reply", reply.created_at)
    suggestion.submitted_at = when["submit"]


def _submit(session: Session, story: dict, users: dict[str, User], office: User, now: datetime,
            call: ThemedCall | None = None) -> Suggestion:
    category = _by_slug(session, Category, story["category"])
    district = _by_slug(session, District, story["district"])
    if story.get("author"):
        suggestion = suggestions.submit(
            session, users[story["author"]], title=story["title"], problem=story["problem"],
            measures=story["measures"], category_id=category.id, district_id=district.id,
            themed_call_id=call.id if call else None, show_anonymous=False, now=now)
    else:
        name, phone = story["contact"]
        suggestion = intake.register_on_behalf(session, office, intake.OnBehalfEntry(
            channel=story["channel"], contact_name=name, contact_phone=phone, title=story["title"],
            problem=story["problem"], measures=story["measures"], category_id=category.id,
            district_id=district.id), now)
    suggestion.external_id = f"demo:{story['key']}"
    return suggestion


def _youlizu(session: Session, users: dict[str, User], office: User) -> None:
    story = YOULIZU
    when = {k: datetime.fromisoformat(story[k]) for k in ("submitted", "accepted", "dispatched", "published")}
    when = {"submit": when["submitted"], "accept": when["accepted"], "dispatch": when["dispatched"],
            "published": when["published"], "reply": datetime.fromisoformat(story["reply"]["at"])}
    suggestion = _submit(session, story, users, office, when["submit"])
    intake.accept(session, suggestion, office)
    lead = _by_slug(session, Department, story["lead"])
    intake.dispatch(session, suggestion, office, lead, [_by_slug(session, Department, s) for s in story["co"]],
                    now=when["dispatch"])
    clerk = _staff_of(session, lead, users, office)
    handling.give_reply(session, suggestion, clerk, story["reply"]["decision"], story["reply"]["body"])
    for spec in story["conversions"]:
        conversion = handling.record_conversion(
            session, suggestion, clerk, spec["type"], spec["description"], date.fromisoformat(spec["started_on"]),
            [handling.OutcomeRow(name, Decimal(value), unit) for name, value, unit in spec["outcomes"]])
        for day, percent, note in spec["progress"]:
            handling.add_progress(session, conversion, clerk, date.fromisoformat(day), percent, note)
    handling.publish(session, suggestion, clerk)
    _backdate(suggestion, when)
    for event in suggestion.events:
        if event.action in ("converted", "progress"):
            event.created_at = when["published"]
    rated_at = when["published"] + timedelta(days=2)
    when["close"] = rated_at
    suggestions.rate(session, suggestion, users[story["author"]], story["rating"]["level"],
                     story["rating"]["comment"], now=rated_at)
    _backdate(suggestion, when)


def _live(session: Session, story: dict, users: dict[str, User], office: User, now: datetime,
          call: ThemedCall | None = None) -> None:
    submitted = now - timedelta(days=story["days_ago"])
    suggestion = _submit(session, story, users, office, submitted, call)
    stage = story["stage"]
    when = {"submit": submitted}
    if stage == "declined":
        reason = session.scalar(select(DeclineReason).where(DeclineReason.code == story["decline"]))
        intake.decline(session, suggestion, office, reason, reason.name)
        when["decline"] = submitted + timedelta(days=2)
    elif stage == "needs_info":
        intake.request_info(session, suggestion, office, story["info_request"])
        when["request_info"] = submitted + timedelta(days=1)
    elif stage != "submitted":
        intake.accept(session, suggestion, office)
        when["accept"] = submitted + timedelta(days=2)
    if stage in ("dispatched", "replied", "in_review"):
        lead = _by_slug(session, Department, story["lead"])
        when["dispatch"] = submitted + timedelta(days=3)
        intake.dispatch(session, suggestion, office, lead, now=when["dispatch"])
        for login in story.get("supporters", ()):
            suggestions.support(session, suggestion, users[login], now=when["dispatch"])
    if stage in ("replied", "in_review"):
        clerk = _staff_of(session, suggestion.lead_department, users, office)
        handling.give_reply(session, suggestion, clerk, story["decision"], story["reply_body"])
        when["reply"] = now - timedelta(days=10)
        if "conversion" in story:
            spec = story["conversion"]
            conversion = handling.record_conversion(
                session, suggestion, clerk, spec["type"], spec["description"], (now - timedelta(days=8)).date(),
                [handling.OutcomeRow(name, Decimal(value), unit) for name, value, unit in spec["outcomes"]])
            for days_ago, percent, note in spec["progress"]:
                handling.add_progress(session, conversion, clerk, (now - timedelta(days=days_ago % 8)).date(),
                                      percent, note)
        handling.publish(session, suggestion, clerk)
        when["published"] = now - timedelta(days=9)
    _backdate(suggestion, when)
    if stage == "in_review":
        rated_at = now - timedelta(days=5)
        suggestions.rate(session, suggestion, users[story["author"]], story["rating"]["level"],
                         story["rating"]["comment"], now=rated_at)
        suggestions.request_review(session, suggestion, users[story["author"]], story["rating"]["comment"],
                                   now=rated_at)


def _themed_call(session: Session, users: dict[str, User], office: User, now: datetime) -> None:
    spec = THEMED_CALL
    department = _by_slug(session, Department, spec["department"])
    call = session.scalar(select(ThemedCall).where(ThemedCall.title == spec["title"]))
    if call is None:
        opens = now - timedelta(days=spec["opens_days_ago"])
        call = themed_calls.create_call(session, _staff_of(session, department, users, office), spec["title"],
                                        spec["description"], opens, opens + timedelta(days=spec["open_days"]))
    story = spec["suggestion"]
    if session.scalar(select(Suggestion.id).where(Suggestion.external_id == f"demo:{story['key']}")) is None:
        _live(session, story, users, office, now, call)


def load(session: Session, users: dict[str, User]) -> int:
    """Load the stories not yet loaded; returns how many suggestions were added."""
    office = users[OFFICE]
    known = set(session.scalars(select(Suggestion.external_id).where(Suggestion.external_id.like("demo:%"))))
    now = utcnow()
    added = 0
    if f"demo:{YOULIZU['key']}" not in known:
        _youlizu(session, users, office)
        added += 1
    for story in LIVE_STORIES:
        if f"demo:{story['key']}" not in known:
            _live(session, story, users, office, now)
            added += 1
    _themed_call(session, users, office, now)
    session.flush()
    return added
