"""The portal works with JavaScript off: forms post, the locale switcher switches."""
from __future__ import annotations


def test_register_and_switch_language_without_javascript(live_server, page_without_js):
    page = page_without_js
    page.goto(live_server + "/account/register")
    page.get_by_label("手机号码或电子邮箱").fill("13912345678")
    page.get_by_label("您的姓名").fill("周杰")
    page.get_by_label("密码", exact=True).fill("no-js-password")
    page.get_by_label("再次输入密码").fill("no-js-password")
    page.get_by_role("button", name="创建账号").click()
    assert "欢迎" in page.content()
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Home").is_visible()
