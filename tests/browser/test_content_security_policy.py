"""The Content-Security-Policy holds in a real browser: walking the main pages as each role, with the
scripts doing their work (similar suggestions, reply templates, the hearing commitment), Chromium
reports no violation. An inline script or style="" added to any template shows up here."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from portal.extensions import db
from portal.models import Department, Status, Suggestion
from tests.browser.actions import submit
from tests.browser.test_hearings_browser import _demo_hearings, _login

PAGES_PER_ROLE = 14
SKIPPED = (".ics", ".json", ".jsonl", ".csv", "/logout", "/print")


def _watch_violations(page) -> list[str]:
    seen: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            seen.append(f"{page.url}: {message.text[:300]}")

    page.on("console", on_console)
    return seen


def _walk(page, live_server: str, start: list[str], limit: int) -> list[str]:
    """Visit the start pages, then follow same-site links breadth first up to `limit` pages."""
    queue, visited = [live_server + path for path in start], []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if url in visited:
            continue
        page.goto(url)
        visited.append(url)
        for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            if (target.startswith(live_server) and not urlsplit(target).path.endswith(SKIPPED)
                    and target not in visited and target not in queue):
                queue.append(target)
    return visited


def test_no_page_violates_the_content_security_policy(app, live_server, page, factory):
    _past, hearing = _demo_hearings()
    housing = db.session.scalar(select(Department).where(Department.slug == "housing"))
    factory.reply_template(housing, title="采纳答复", body="感谢您的建议。")
    waiting = db.session.scalars(select(Suggestion).where(Suggestion.status == Status.DISPATCHED.value,
                                                          Suggestion.lead_department_id == housing.id)).first()
    suggestion = db.session.scalars(select(Suggestion).where(Suggestion.status == Status.REPLIED.value)
                                    .order_by(Suggestion.id)).first()
    violations = _watch_violations(page)

    public = _walk(page, live_server, ["/", "/suggestions/", "/suggestions/outcomes", "/search?q=租房",
                                       "/hearings/", f"/hearings/{hearing.id}", "/metrics/", "/opendata/",
                                       f"/suggestions/{suggestion.id}"], PAGES_PER_ROLE + 6)

    _login(page, live_server, "13800000001")
    page.goto(live_server + "/suggestions/new")
    page.locator("#title").fill("为来衢求职的青年提供短期租房")  # similar.js fetches and lists
    page.wait_for_timeout(1200)
    resident = _walk(page, live_server, ["/suggestions/mine", "/suggestions/notifications", f"/hearings/{hearing.id}"],
                     PAGES_PER_ROLE)
    page.goto(live_server + f"/hearings/{hearing.id}/selection")
    assert len(page.locator("#c-secret").input_value()) == 64  # computed by hearing-commit.js
    submit(page.get_by_role("button", name="公布我的承诺值"))
    page.wait_for_load_state()
    page.context.clear_cookies()

    _login(page, live_server, "office@demo.gov.cn")
    office = _walk(page, live_server, ["/office/"], PAGES_PER_ROLE)
    page.context.clear_cookies()

    _login(page, live_server, "housing@demo.gov.cn")
    department = _walk(page, live_server, ["/department/", "/department/templates", "/department/calls"],
                       PAGES_PER_ROLE)
    page.goto(live_server + f"/department/suggestions/{waiting.id}/reply")
    page.locator("#template").select_option(index=1)
    assert page.locator("#body").input_value() == "感谢您的建议。"  # filled by reply-template.js
    page.context.clear_cookies()

    _login(page, live_server, "hearing@demo.gov.cn")
    authority = _walk(page, live_server, ["/hearing-admin/", f"/hearing-admin/{hearing.id}",
                                          f"/hearing-admin/{hearing.id}/observers"], PAGES_PER_ROLE)
    page.context.clear_cookies()

    _login(page, live_server, "admin@demo.gov.cn")
    admin = _walk(page, live_server, ["/admin/"], PAGES_PER_ROLE)

    walked = public + resident + office + department + authority + admin
    assert len(walked) > 50
    assert violations == []


def test_every_response_carries_the_policy_headers(live_server, page):
    response = page.goto(live_server + "/")
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers  # plain http in development: no HSTS
