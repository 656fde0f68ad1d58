"""Atom feeds, read by feedparser as a feed reader would."""
from __future__ import annotations

import feedparser

from portal.models import Status

PHONE = "13912345678"
EN = {"Accept-Language": "en"}


def _feed(client, url: str):
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    assert parsed.version == "atom10"
    return parsed


def test_outcomes_feed_lists_published_decisions_masked(client, factory):
    published = factory.published_suggestion(title=f"有礼租短期租房，电话{PHONE}")
    factory.replied_suggestion(title="尚未公开的答复")
    feed = _feed(client, "/feeds/outcomes.atom")
    assert feed.feed.title == "Published outcomes"
    assert [e.title for e in feed.entries] == ["有礼租短期租房，电话139****5678"]
    entry = feed.entries[0]
    assert entry.link.endswith(f"/suggestions/{published.id}")
    assert "Adopted" in entry.summary and "经研究，采纳您的建议" in entry.summary
    assert PHONE not in client.get("/feeds/outcomes.atom").get_data(as_text=True)


def test_feeds_per_department_category_district_and_call(client, factory):
    housing = factory.department()
    transport = factory.department("交通运输局", slug="transport")
    category = factory.category("城乡建设", department=housing)
    district = factory.district("柯城区")
    factory.published_suggestion(title="住建的建议", lead_department=housing, category=category, district=district)
    factory.published_suggestion(title="交通的建议", lead_department=transport)
    assert [e.title for e in _feed(client, f"/feeds/departments/{housing.id}.atom").entries] == ["住建的建议"]
    assert [e.title for e in _feed(client, f"/feeds/departments/{transport.id}.atom").entries] == ["交通的建议"]
    assert [e.title for e in _feed(client, f"/feeds/categories/{category.id}.atom").entries] == ["住建的建议"]
    assert [e.title for e in _feed(client, f"/feeds/districts/{district.id}.atom").entries] == ["住建的建议"]
    assert client.get("/feeds/departments/424242.atom").status_code == 404
    call = factory.themed_call(housing)
    in_call = factory.suggestion(status=Status.ACCEPTED, title="专项征集里的建议")
    in_call.themed_call_id = call.id
    factory.session.commit()
    call_feed = _feed(client, f"/feeds/calls/{call.id}.atom")
    assert [e.title for e in call_feed.entries] == ["专项征集里的建议"]


def test_one_suggestions_timeline_feed(client, factory):
    suggestion = factory.published_suggestion()
    feed = _feed(client, f"/feeds/suggestions/{suggestion.id}.atom")
    titles = [e.title for e in feed.entries]
    assert len(titles) == len(set(e.id for e in feed.entries)) >= 4
    assert titles[-1] == "Accepted"  # oldest last
    hidden = factory.suggestion(status=Status.SUBMITTED)
    assert client.get(f"/feeds/suggestions/{hidden.id}.atom").status_code == 404


def test_hearings_and_search_feeds(client, factory):
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=factory.department())
    hearing = factory.hearing(suggestion)
    feed = _feed(client, "/feeds/hearings.atom")
    assert [e.link for e in feed.entries] == [f"http://localhost/hearings/{hearing.id}"]
    factory.published_suggestion(title="老旧小区加装电梯的建议")
    search = _feed(client, "/feeds/search.atom?q=电梯")
    assert [e.title for e in search.entries] == ["老旧小区加装电梯的建议"]


def test_a_search_feed_for_control_characters_is_still_a_feed(client, factory):
    # An escape sequence typed into the search box (ESC [ 3 1 m): XML cannot carry ESC.
    feed = _feed(client, "/feeds/search.atom?q=%1B%5B31m%E7%94%B5%E6%A2%AF")
    assert feed.feed.title == "Search: [31m电梯"


def test_pages_link_to_their_feeds(client, factory):
    suggestion = factory.published_suggestion()
    for page, feed in (("/suggestions/outcomes", "/feeds/outcomes.atom"),
                       (f"/suggestions/{suggestion.id}", f"/feeds/suggestions/{suggestion.id}.atom"),
                       ("/hearings/", "/feeds/hearings.atom"), ("/search?q=租房", "/feeds/search.atom?q=")):
        html = client.get(page).get_data(as_text=True)
        assert 'type="application/atom+xml"' in html and feed in html, page
