"""One boundary: planted personal data and internal notes never reach anything public.

A world is built through the real services with planted values (tests/privacy_corpus.py) in every
resident- and staff-written field, and an internal marker in every internal note. Then every public
output is crawled anonymously: pages in three languages, iCalendar, open-data exports, search and
/search/similar, the raw index files on disk, and the mail a follower receives. And every public
page's template context is walked: it must hold view objects, never a model.
"""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import template_rendered

from portal.extensions import db
from portal.models import Category, Department, District, PublicEvent, Role, Status
from portal.services import handling, hearings, intake, themed_calls
from portal.services import suggestions as suggestion_service
from portal.services.public_views import PublicSuggestion
from portal.services.search_sync import get_index
from portal.timeutil import utcnow
from tests.privacy_corpus import planted_values

PLANTED = planted_values()[::5]  # every kind, most formats: about 55 values
INTERNAL = "内部备注INTERNAL7731"  # marks every internal note


def _planted(start: int, count: int = 3) -> str:
    """A few planted values joined into ordinary text (cycling through PLANTED by `start`)."""
    values = [PLANTED[(start + i) % len(PLANTED)].value for i in range(count)]
    return "，".join(f"请联系{v}" for v in values) + "。"


def _spread(text_fields: int) -> list[str]:
    """Texts for `text_fields` fields that together carry every planted value."""
    per_field = -(-len(PLANTED) // text_fields)
    return [_planted(i * per_field, per_field) for i in range(text_fields)]


@pytest.fixture
def world(app, factory):
    session = db.session
    texts = iter(_spread(12))
    department = factory.department()
    category = factory.category()
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    staff = factory.department_staff(department)
    author = factory.resident(name="张三丰")
    follower = factory.resident(name="王芳", login="follower@example.cn")

    call = themed_calls.create_call(session, staff, "专项" + PLANTED[0].value, next(texts),
                                    utcnow() - timedelta(days=30), utcnow() - timedelta(days=1))
    themed_calls.publish_collective_answer(session, call, staff, "集中答复。" + next(texts))
    session.commit()
    short_title = "为青年租房建议" + PLANTED[1].value  # titles are at most 200 characters
    suggestion = factory.suggestion(author, title=short_title, problem=next(texts), measures=next(texts),
                                    category=category)
    suggestion.themed_call = call
    intake.accept(session, suggestion, office, note=INTERNAL + "受理" + PLANTED[2].value, public_note=next(texts))
    intake.dispatch(session, suggestion, office, department, note=INTERNAL + "交办说明" + PLANTED[3].value)
    suggestion_service.follow(session, suggestion, follower)
    session.commit()

    handling.give_reply(session, suggestion, staff, "adopted", "经研究采纳。" + next(texts),
                        note=INTERNAL + "答复说明" + PLANTED[6].value)
    conversion = handling.record_conversion(
        session, suggestion, staff, "public_welfare", next(texts), date(2024, 8, 1),
        [handling.OutcomeRow("房源" + PLANTED[4].value[:20], Decimal(50), "套")],
        note=INTERNAL + "转化说明" + PLANTED[7].value)
    handling.add_progress(session, conversion, staff, date(2024, 9, 1), 60, next(texts))
    handling.publish(session, suggestion, staff)
    session.commit()
    handling.update_conversion(session, conversion, staff, "public_welfare", conversion.description,
                               conversion.started_on, [handling.OutcomeRow("房源", Decimal(50), "套")],
                               note=INTERNAL + "修改说明" + PLANTED[8].value)
    suggestion_service.rate(session, suggestion, author, "dissatisfied")
    suggestion_service.request_review(session, suggestion, author, "复查理由。" + next(texts))
    session.commit()
    intake.answer_review(session, suggestion, office, "复查答复。" + next(texts),
                         note=INTERNAL + "复查说明" + PLANTED[9].value)
    session.commit()

    hearing = factory.hearing(suggestion, department=department)
    hearing.subject = "听证：" + suggestion.title  # as if pre-filled raw, before masking at source
    hearing.venue = "听证室" + PLANTED[5].value
    session.commit()
    hearings.conclude(session, hearing, next(texts), None, hearing.starts_at + timedelta(hours=3))
    session.commit()
    return {"suggestion": suggestion, "hearing": hearing, "call": call, "follower": follower, "author": author}


def public_urls(world) -> list[str]:
    s, h, c = world["suggestion"].id, world["hearing"].id, world["call"].id
    return [
        "/", "/suggestions/", "/suggestions/?group=answered", "/suggestions/outcomes", f"/suggestions/{s}",
        "/calls/", f"/calls/{c}", "/hearings/", f"/hearings/{h}", f"/hearings/{h}/audit",
        "/search?q=租房", "/search?q=听证", "/search?q=请联系",
        f"/suggestions/track?number={world['suggestion'].tracking_number}",
    ]


def raw_urls(world) -> list[str]:
    h = world["hearing"].id
    s, c = world["suggestion"].id, world["call"].id
    return ["/hearings/calendar.ics", f"/hearings/{h}/hearing.ics", "/opendata/suggestions.csv",
            "/opendata/suggestions.jsonl", "/search/similar?text=请联系我租房",
            # The API, the Atom feeds and Open311 read the same public views.
            "/api/v1/suggestions", f"/api/v1/suggestions/{s}", "/api/v1/calls", f"/api/v1/calls/{c}",
            "/api/v1/hearings", f"/api/v1/hearings/{h}", "/feeds/outcomes.atom", f"/feeds/suggestions/{s}.atom",
            f"/feeds/calls/{c}.atom", "/feeds/hearings.atom", "/feeds/search.atom?q=租房",
            "/open311/v2/requests.json", "/open311/v2/requests.xml", f"/open311/v2/requests/{s}.json",
            "/opendata/events/", "/opendata/events/index.json"]


def _leaks(text: str) -> list[str]:
    found = [p.value for p in PLANTED if p.value in text or p.secret in text]
    if INTERNAL in text:
        found.append(INTERNAL)
    return found


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_no_planted_value_or_internal_note_on_any_public_page(world, client, locale):
    client.set_cookie("locale", locale)
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _leaks(response.get_data(as_text=True)) == [], url


def test_the_public_pages_do_show_the_masked_text(world, client):
    page = client.get(f"/suggestions/{world['suggestion'].id}").get_data(as_text=True)
    assert "为青年租房建议" in page and "请联系" in page  # the text is there, only the numbers masked
    assert "****" in page


def test_no_planted_value_in_feeds_exports_or_similar(world, client):
    for url in raw_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _leaks(response.get_data(as_text=True)) == [], url
    exported = [json.loads(line) for line in client.get("/opendata/suggestions.jsonl").get_data(as_text=True).splitlines()]
    assert [row["title"][:7] for row in exported] == ["为青年租房建议"]
    calendar = client.get("/hearings/calendar.ics").get_data(as_text=True)
    assert "SUMMARY:听证：为青年租房建议" in calendar


def test_no_planted_value_or_internal_note_in_the_event_log(world, client):
    # The world happened today, whose file is served once the day is over: read its lines as stored.
    lines = [event.line for event in db.session.query(PublicEvent).order_by(PublicEvent.id)]
    assert _leaks("\n".join(lines)) == []
    types = [json.loads(line)["type"] for line in lines]
    assert {"submitted", "accepted", "dispatched", "replied", "published", "converted", "progress"} <= set(types)
    assert world["suggestion"].title not in "\n".join(lines)


def test_no_planted_value_in_the_index_on_disk(world, app, runner):
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    files = [p for p in Path(app.config["SEARCH_INDEX_DIR"]).rglob("*") if p.is_file()]
    raw = b"".join(p.read_bytes() for p in files)
    # Whoosh compresses stored fields, so read them, and every indexed term, back through the index too.
    with get_index(app).searcher() as searcher:
        reader = searcher.reader()
        stored = json.dumps(list(reader.all_stored_fields()), ensure_ascii=False, default=str)
        terms = "\n".join(text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
                          for _field, text in reader.all_terms())
    assert "为青年租房建议" in stored  # the title is stored; only its number is masked
    for name, content in (("stored fields", stored), ("terms", terms)):
        assert _leaks(content) == [], name
    leaked = [p.value for p in PLANTED if p.value.encode() in raw or p.secret.encode() in raw]
    assert leaked == [] and INTERNAL.encode() not in raw


def test_a_follower_gets_the_masked_title_and_the_author_the_original(app, factory, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    author = factory.resident(name="张三丰", login="author@example.cn")
    follower = factory.resident(name="王芳", login="follower2@example.cn")
    suggestion = factory.suggestion(author, title="建议增设公交站，我的电话13912345678")
    suggestion_service.follow(db.session, suggestion, follower)
    db.session.commit()
    intake.accept(db.session, suggestion, factory.user(Role.OFFICE_STAFF, name="受理员"))
    db.session.commit()
    mails = {record.args[0]: record.args[2] for record in caplog.records if record.name == "portal.mail"}
    assert "13912345678" not in mails["follower2@example.cn"]
    assert "建议增设公交站，我的电话139****5678" in mails["follower2@example.cn"]
    assert "13912345678" in mails["author@example.cn"]


def test_staff_pages_and_the_author_keep_the_original(world, client, auth):
    auth.login(world["author"])
    page = client.get(f"/suggestions/{world['suggestion'].id}").get_data(as_text=True)
    assert PLANTED[1].value in page  # the author reads their own title as typed
    assert INTERNAL not in page  # but never an internal note
    for url in ("/suggestions/mine", "/suggestions/notifications", "/account/data/export.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert INTERNAL not in response.get_data(as_text=True), url


# --- the template context holds views, never models --------------------------------------------------

REFERENCE_MODELS = (Department, Category, District)  # names chosen by the administration


def _models_in(value, path: str, seen: set[int], depth: int = 0) -> list[str]:
    if depth > 8 or id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, db.Model):
        return [] if isinstance(value, REFERENCE_MODELS) else [f"{path}: {type(value).__name__}"]
    if isinstance(value, dict):
        return [m for k, v in value.items() for m in _models_in(v, f"{path}[{k!r}]", seen, depth + 1)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [m for i, v in enumerate(value) for m in _models_in(v, f"{path}[{i}]", seen, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [m for f in dataclasses.fields(value)
                for m in _models_in(getattr(value, f.name), f"{path}.{f.name}", seen, depth + 1)]
    module = type(value).__module__ or ""
    if module.startswith("portal.") and hasattr(value, "__dict__") and not callable(value):
        return [m for k, v in vars(value).items() for m in _models_in(v, f"{path}.{k}", seen, depth + 1)]
    return []


def test_public_templates_receive_view_objects_only(world, app, client):
    found: list[str] = []
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)
        for name, value in context.items():
            if name in {"g", "request", "session", "config", "current_user"}:
                continue
            found.extend(_models_in(value, f"{template.name}:{name}", set()))

    template_rendered.connect(record, app)
    try:
        for url in public_urls(world):
            assert client.get(url).status_code == 200, url
    finally:
        template_rendered.disconnect(record, app)
    assert "suggestions/detail.html" in rendered and "hearings/hearing.html" in rendered
    assert found == []


def _contexts_of(app, client, urls: list[str]) -> tuple[list[str], str]:
    """Models found in the template contexts of `urls`, and the pages' text."""
    found: list[str] = []

    def record(sender, template, context, **extra):
        for name, value in context.items():
            if name not in {"g", "request", "session", "config", "current_user"}:
                found.extend(_models_in(value, f"{template.name}:{name}", set()))

    pages = []
    template_rendered.connect(record, app)
    try:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages.append(response.get_data(as_text=True))
    finally:
        template_rendered.disconnect(record, app)
    return found, "\n".join(pages)


def test_own_pages_receive_view_objects_the_author_reads_their_text_a_follower_the_masked_one(
        world, app, client, auth):
    own_pages = ["/suggestions/mine", "/suggestions/notifications"]
    auth.login(world["author"])
    found, author_pages = _contexts_of(app, client, own_pages)
    assert found == []
    assert PLANTED[1].value in author_pages  # their own title, in "my suggestions" and in their notices
    assert author_pages.count(PLANTED[1].value) >= 2 and INTERNAL not in author_pages

    auth.login(world["follower"])
    found, follower_page = _contexts_of(app, client, ["/suggestions/notifications"])
    assert found == []
    assert "为青年租房建议" in follower_page  # someone else's title, masked as the public reads it
    assert _leaks(follower_page) == []


def test_the_walk_itself_finds_a_model(world):
    assert _models_in({"s": [world["suggestion"]]}, "ctx", set()) == ["ctx['s'][0]: Suggestion"]
    assert _models_in({"s": [PublicSuggestion.__name__]}, "ctx", set()) == []


STAFF_NOTES = {"accept": "受理", "dispatch": "交办说明", "reply": "答复说明", "converted": "转化说明",
               "conversion_updated": "修改说明", "answer_review": "复查说明"}


def test_a_staff_note_never_reaches_the_public_timeline(world, client):
    page = client.get(f"/suggestions/{world['suggestion'].id}").get_data(as_text=True)
    assert INTERNAL not in page
    events = {e.action: e for e in world["suggestion"].events}
    noted = {action: events[action].note.startswith(INTERNAL + marker) for action, marker in STAFF_NOTES.items()}
    assert noted == dict.fromkeys(STAFF_NOTES, True)
    assert events["accept"].public_note and INTERNAL not in events["accept"].public_note
    assert events["converted"].is_public and events["reply"].is_public and events["answer_review"].is_public
    assert world["suggestion"].status == Status.REVIEWED.value


def test_staff_timelines_show_every_internal_note(world, client, auth, factory):
    s = world["suggestion"]
    auth.login(factory.user(Role.OFFICE_STAFF, name="另一位受理员"))
    office_page = client.get(f"/office/suggestions/{s.id}").get_data(as_text=True)
    auth.login(factory.department_staff(s.lead_department))
    department_page = client.get(f"/department/suggestions/{s.id}").get_data(as_text=True)
    for page in (office_page, department_page):
        assert [marker for marker in STAFF_NOTES.values() if INTERNAL + marker not in page] == []


def test_a_follower_mail_carries_no_planted_value_or_internal_note(world, caplog):
    # The world was built with JOBS_WAIT: every mail it caused is in the log of its setup.
    mails = [r.getMessage() for r in caplog.get_records("setup") if r.name == "portal.mail"]
    to_follower = [m for m in mails if m.startswith("mail to follower@example.cn")]
    assert len(to_follower) >= 5  # accepted … review answered
    assert [m for m in to_follower if _leaks(m)] == []
    assert [m for m in mails if INTERNAL in m] == []


def test_the_hearing_subject_starts_from_the_masked_title(app, factory, client, auth):
    suggestion = factory.suggestion(status=Status.DISPATCHED, title="建议整治噪音，联系我１３９１２３４５６７８")
    auth.login(factory.user(Role.HEARING_AUTHORITY, name="孙立"))
    page = client.get(f"/hearing-admin/new?suggestion={suggestion.tracking_number}").get_data(as_text=True)
    assert 'value="建议整治噪音，联系我139****5678"' in page
