"""The daily digest and the metrics page with charts pass axe in each language, with every chart's
table of figures opened, and the digest subscription works without JavaScript."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from tests import metrics_world
from tests.browser.actions import submit
from tests.browser.test_accessibility import _violations
from tests.factories import Factory


def _open_all_tables(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def _login(page, live_server, user) -> None:
    page.goto(live_server + "/account/login")
    page.get_by_label("手机号码或电子邮箱").fill(user.login_name)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    submit(page.get_by_role("button", name="登录"))
    page.wait_for_url(lambda url: "/account/login" not in url)


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_digest_and_metrics_charts_have_no_axe_violations(factory, live_server, page, locale):
    world = metrics_world.build(factory)
    world.office.locale = locale
    clerk = factory.user(Role.DEPARTMENT_STAFF, name="陈静", department=world.housing)
    clerk.locale = locale
    db.session.commit()
    problems = {}

    def check(path: str) -> None:
        page.goto(live_server + path)
        assert page.locator("svg[role=img]").count() >= 4, path
        _open_all_tables(page)
        found = _violations(page)
        if found:
            problems[path] = found

    _login(page, live_server, world.office)
    for path in ("/office/digest?date=2025-12-31", f"/office/digest?date=2025-12-31&department={world.housing.id}",
                 "/metrics/?year=2025", f"/metrics/?year=2025&department={world.housing.id}"):
        check(path)
    page.context.clear_cookies()
    _login(page, live_server, clerk)
    check("/department/digest?date=2025-12-31")
    assert problems == {}


def test_subscribing_works_without_javascript(factory, live_server, page_without_js):
    office = factory.user(Role.OFFICE_STAFF, name="刘洋", login="liu@office.example.cn")
    office.locale = "en"
    db.session.commit()
    _login(page_without_js, live_server, office)
    page_without_js.goto(live_server + "/office/digest")
    submit(page_without_js.get_by_role("button", name="Receive this digest by e-mail each morning"))
    page_without_js.wait_for_load_state()
    assert "You will receive the daily digest by e-mail each morning." in page_without_js.content()
    assert page_without_js.get_by_role("button", name="Stop the daily e-mail").count() == 1
