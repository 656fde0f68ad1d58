"""Anonymous visitors share rendered public pages, yet never see a stale one after a change, never
another visitor's CSRF token, and browsers can revalidate with ETag / Last-Modified."""
from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Role, Status
from portal.services import suggestions as suggestion_service
from portal.services import workflow

EN = {"Accept-Language": "en"}


def _support_count(page: str) -> str:
    return re.search(r'<dd class="support-count">(\d+)</dd>', page).group(1)


def test_a_new_public_suggestion_shows_at_once_on_cached_lists(client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="第一条建议")
    assert "第一条建议" in client.get("/suggestions/", headers=EN).get_data(as_text=True)
    assert "第一条建议" in client.get("/", headers=EN).get_data(as_text=True)
    factory.suggestion(status=Status.ACCEPTED, title="第二条建议")
    listing = client.get("/suggestions/", headers=EN).get_data(as_text=True)
    assert "第二条建议" in listing and "2 suggestions found." in listing
    assert "第二条建议" in client.get("/", headers=EN).get_data(as_text=True)


def test_a_support_posted_by_a_resident_updates_the_count_anonymous_visitors_see(app, client, auth, factory):
    suggestion = factory.suggestion(status=Status.DISPATCHED)
    visitor = app.test_client()
    assert _support_count(visitor.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)) == "0"
    auth.login(factory.resident(name="张三"))
    client.post(f"/suggestions/{suggestion.id}/support")
    assert _support_count(visitor.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)) == "1"


def test_a_withdrawn_publication_disappears_from_the_cached_page(client, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED, title="会被合并的建议")
    assert client.get(f"/suggestions/{suggestion.id}").status_code == 200
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    workflow.apply_transition(db.session, suggestion, "dispatch", office)
    db.session.commit()
    assert "Dispatched" in client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)


def test_each_visitor_gets_their_own_csrf_token_from_a_shared_page(app, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    token_pattern = r'name="csrf_token" value="([^"]+)"'
    first_token = re.search(token_pattern, first.get("/", headers=EN).get_data(as_text=True)).group(1)
    second_page = second.get("/", headers=EN).get_data(as_text=True)
    second_token = re.search(token_pattern, second_page).group(1)
    assert second_token != first_token
    switched = second.post("/locale", data={"locale": "en", "next": "/", "csrf_token": second_token})
    assert switched.status_code == 302 and "locale=en" in switched.headers["Set-Cookie"]


def test_browsers_revalidate_with_etag_and_last_modified(client, factory):
    factory.suggestion(status=Status.ACCEPTED)
    first = client.get("/suggestions/", headers=EN)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get("/suggestions/", headers={**EN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    factory.suggestion(status=Status.ACCEPTED)
    changed = client.get("/suggestions/", headers={**EN, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_the_public_calendar_feed_is_cacheable_by_anyone(client):
    feed = client.get("/hearings/calendar.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert feed.headers["Cache-Control"] == "public, no-cache" and feed.headers["ETag"]


def test_signed_in_readers_get_their_own_fresh_page(client, auth, factory):
    suggestion = factory.suggestion(status=Status.DISPATCHED)
    resident = factory.resident(name="张三")
    assert "You support this suggestion." not in client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(
        as_text=True)
    auth.login(resident)
    suggestion_service.support(db.session, suggestion, resident)
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN)
    assert "You support this suggestion." in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-cache"


def _adoption_counts(page: str) -> list[str]:
    row = re.search(r'<tr id="metric-adoption">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<span class="count">([^<]+)</span>', row)


def test_metrics_follow_a_published_decision_at_once(client, factory):
    factory.published_suggestion(decision="adopted")
    assert _adoption_counts(client.get("/metrics/", headers=EN).get_data(as_text=True)) == ["1", "1"]
    factory.published_suggestion(decision="not_adopted")
    assert _adoption_counts(client.get("/metrics/", headers=EN).get_data(as_text=True)) == ["1", "2"]
