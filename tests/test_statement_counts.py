"""The number of SQL statements a page sends does not grow with the number of suggestions.

Each page is requested once to warm up (pending search-index work, first loads), then counted, in
a world of SMALL and then of LARGE of everything: open and answered suggestions with supports,
published ones with conversions, a themed call's suggestions, hearings. Caches are off here, so
this is the cost of every cache miss. The office queue and the department workbench belong to
their own tests (they are rebuilt in SQL separately).
"""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Role, Status
from portal.services import suggestions as suggestion_service
from tests.sql_counter import count_statements

SMALL, LARGE = 2, 7
# Ceilings written down, so that a page that starts costing more gets looked at.
PUBLIC_PAGES = {
    "home": ("/", 10),
    "list, first page": ("/suggestions/", 14),
    "list, second page": ("next:/suggestions/", 14),
    "list, open ones, most supported": ("/suggestions/?group=open&sort=supported", 14),
    "list, widely supported": ("/suggestions/?widely=1", 14),
    "outcomes": ("/suggestions/outcomes", 14),
    "outcomes, second page": ("next:/suggestions/outcomes", 14),
    "a suggestion": ("suggestion", 16),
    "search, common word": ("/search?q=建议", 10),
    "search, with a facet": ("/search?q=建议&kind=suggestion", 10),
    "themed calls": ("/calls/", 8),
    "a themed call": ("call", 10),
    "hearings": ("/hearings/", 10),
    "hearings calendar": ("/hearings/calendar.ics", 6),
    "metrics": ("/metrics/", 30),
    "open data": ("/opendata/", 8),
}
SIGNED_IN_PAGES = {
    "notifications": ("/suggestions/notifications", 12),
    "my suggestions": ("/suggestions/mine", 30),
    "a suggestion, as its author": ("own", 30),
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True, "PER_PAGE": 2}


def grow(factory, world: dict, target: int) -> None:
    """Add suggestions of every kind until there are `target` of each."""
    while len(world["open"]) < target:
        department, category = world["department"], world["category"]
        opened = factory.suggestion(status=Status.DISPATCHED, lead_department=department, category=category,
                                    title=f"关于小区停车的建议{len(world['open'])}")
        for supporter in world["supporters"]:
            suggestion_service.support(db.session, opened, supporter)
        opened.themed_call_id = world["call"].id
        db.session.commit()
        world["open"].append(opened)
        world["published"].append(factory.published_suggestion(lead_department=department, category=category,
                                                                title=f"关于公交线路的建议{len(world['open'])}"))
        factory.hearing(opened, authority=world["authority"], days_ahead=10 + len(world["open"]))


def page_url(client, what: str, world: dict) -> str:
    if what == "suggestion":
        return f"/suggestions/{world['published'][0].id}"
    if what == "own":
        return f"/suggestions/{world['own'].id}"
    if what == "call":
        return f"/calls/{world['call'].id}"
    if what.startswith("next:"):
        first = client.get(what[5:]).get_data(as_text=True)
        return re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    return what


def statements_per_page(client, pages: dict, world: dict) -> dict[str, int]:
    counts = {}
    for name, (what, _ceiling) in pages.items():
        url = page_url(client, what, world)
        assert client.get(url).status_code == 200, name  # warm-up
        with count_statements(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(statements)
    return counts


@pytest.fixture
def world(factory):
    department = factory.department()
    category = factory.category(department=department)
    author = factory.resident(name="王芳")
    return {
        "department": department, "category": category,
        "own": factory.published_suggestion(author, lead_department=department, category=category),
        "call": factory.themed_call(department), "authority": factory.user(Role.HEARING_AUTHORITY, name="孙立"),
        "supporters": [factory.resident(name=f"附议人{i}") for i in range(3)],
        "author": author,
        "open": [], "published": [],
    }


def test_public_pages_send_as_many_statements_at_both_sizes(client, factory, world):
    grow(factory, world, SMALL)
    small = statements_per_page(client, PUBLIC_PAGES, world)
    grow(factory, world, LARGE)
    large = statements_per_page(client, PUBLIC_PAGES, world)
    assert large == small
    for name, (_url, ceiling) in PUBLIC_PAGES.items():
        assert small[name] <= ceiling, f"{name}: {small[name]} statements"


def test_signed_in_pages_send_as_many_statements_at_both_sizes(client, auth, factory, world):
    grow(factory, world, SMALL)
    auth.login(world["author"])
    small = statements_per_page(client, SIGNED_IN_PAGES, world)
    grow(factory, world, LARGE)
    large = statements_per_page(client, SIGNED_IN_PAGES, world)
    assert large == small
    for name, (_url, ceiling) in SIGNED_IN_PAGES.items():
        assert small[name] <= ceiling, f"{name}: {small[name]} statements"
