"""axe-core finds no accessibility violations on the portal's pages, in each language."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.services.demo import load as load_demo
from portal.extensions import db
from tests.browser.actions import submit

PUBLIC_PAGES = ["/", "/about", "/account/login", "/account/register", "/no-such-page", "/metrics/", "/opendata/",
                "/api/v1/"]
STAFF_PAGES = {"admin@demo.gov.cn": ["/admin/", "/admin/departments/", "/admin/users", "/account/profile"]}


def _violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
            for v in results.response["violations"]]


def _violations_on(page, live_server: str, paths) -> dict[str, list[str]]:
    """Each path's axe violations, for the paths that have any."""
    problems = {}
    for path in paths:
        page.goto(live_server + path)
        found = _violations(page)
        if found:
            problems[path] = found
    return problems


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_public_pages_have_no_axe_violations(live_server, page, locale):
    page.goto(live_server + "/")
    submit(page.locator(f"button[name=locale][value={locale}]"))
    problems = _violations_on(page, live_server, PUBLIC_PAGES)
    assert problems == {}


def test_staff_pages_have_no_axe_violations(app, live_server, page):
    load_demo(db.session)
    db.session.commit()
    problems = {}
    for login, paths in STAFF_PAGES.items():
        page.goto(live_server + "/account/login")
        page.get_by_label("手机号码或电子邮箱").fill(login)
        page.get_by_label("密码").fill("demo-2026")
        submit(page.get_by_role("button", name="登录"))
        problems.update(_violations_on(page, live_server, paths))
    assert problems == {}


def test_keyboard_user_can_skip_to_main_content(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
