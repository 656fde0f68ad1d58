"""The portal works with JavaScript off: forms post, the locale switcher switches."""
from __future__ import annotations

from tests.browser.actions import submit


def test_register_and_switch_language_without_javascript(live_server, page_without_js, caplog):
    import re

    caplog.set_level("INFO", logger="portal.code_delivery")
    page = page_without_js
    page.goto(live_server + "/account/register")
    page.get_by_label("手机号码或电子邮箱").fill("13912345678")
    page.get_by_label("您的姓名").fill("周杰")
    page.get_by_label("密码", exact=True).fill("no-js-password")
    page.get_by_label("再次输入密码").fill("no-js-password")
    submit(page.get_by_role("button", name="发送验证码"))
    code = re.search(r"code message to 13912345678: \D*(\d{6})", caplog.text).group(1)  # the log sender
    page.get_by_label("验证码").fill(code)
    submit(page.get_by_role("button", name="确认"))
    assert "欢迎" in page.content()
    submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Home").is_visible()


def test_accepting_without_javascript_shows_the_confirmation_page_first(app, live_server, page_without_js, factory):
    from portal.extensions import db
    from portal.models import Role, Status, Suggestion
    from tests.browser.test_department_pages import _log_in

    page = page_without_js
    suggestion = factory.suggestion()
    _log_in(page, live_server, factory.user(Role.OFFICE_STAFF))
    page.goto(live_server + f"/office/suggestions/{suggestion.id}")
    submit(page.get_by_role("button", name="受理", exact=True))
    assert "受理这条建议吗？" in page.content() and "将发生什么" in page.content()
    db.session.rollback()
    assert db.session.get(Suggestion, suggestion.id).status == Status.SUBMITTED.value
    submit(page.get_by_role("button", name="确认受理"))
    assert "已受理。已告知建议人" in page.content()
    db.session.rollback()
    assert db.session.get(Suggestion, suggestion.id).status == Status.ACCEPTED.value
