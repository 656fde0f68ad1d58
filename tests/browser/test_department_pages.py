"""The department's pages in a real browser: no axe violations, and everything works without JavaScript."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Conversion, Role, Status
from tests.browser.actions import submit
from tests.browser.test_accessibility import _violations_on
from tests.factories import Factory


def _log_in(page, live_server, user):
    page.goto(live_server + "/account/login")
    page.get_by_label("手机号码或电子邮箱").fill(user.login_name)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    submit(page.get_by_role("button", name="登录"))


def test_department_pages_have_no_axe_violations(app, live_server, page, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    waiting = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    replied = factory.suggestion(status=Status.REPLIED, lead_department=housing)
    conversion = factory.conversion(replied)
    template = factory.reply_template(housing)
    call = factory.themed_call(housing)
    _log_in(page, live_server, staff)
    paths = ["/department/", f"/department/suggestions/{waiting.id}", f"/department/suggestions/{waiting.id}/reply",
             f"/department/suggestions/{waiting.id}/extension", f"/department/suggestions/{waiting.id}/dispute",
             f"/department/suggestions/{replied.id}", f"/department/suggestions/{replied.id}/conversions/new",
             f"/department/conversions/{conversion.id}/edit", f"/department/conversions/{conversion.id}/progress",
             "/department/templates", f"/department/templates/{template.id}", "/department/calls",
             "/department/calls/new", f"/department/calls/{call.id}", "/calls/", f"/calls/{call.id}"]
    problems = _violations_on(page, live_server, paths)
    assert problems == {}


def test_reply_from_a_template_and_record_outcomes_without_javascript(app, live_server, page_without_js, factory):
    page = page_without_js
    housing = factory.department("住房和城乡建设局", slug="housing")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    factory.reply_template(housing, title="采纳答复", body="感谢您的建议。经研究，我局决定采纳，将推出“有礼租”服务。")
    _log_in(page, live_server, staff)
    page.goto(live_server + f"/department/suggestions/{suggestion.id}/reply")
    page.get_by_label("使用答复模板").select_option(label="采纳答复")
    submit(page.get_by_role("button", name="使用此模板"))
    assert "经研究，我局决定采纳" in page.get_by_label("公开文字").input_value()
    page.get_by_label("采纳", exact=True).check()
    submit(page.get_by_role("button", name="发送答复"))
    assert "发送这份答复吗？" in page.content()  # the confirmation step says what will happen
    submit(page.get_by_role("button", name="确认发送答复"))
    assert "答复已送达建议人" in page.content()

    submit(page.get_by_role("link", name="登记转化成果"))
    page.get_by_label("转化类型").select_option("public_welfare")
    page.get_by_label("公开文字").fill("推出“有礼租”短期租房服务")
    for n, (name, value, unit) in enumerate([("房源", "50", "套"), ("咨询", "112", "人"), ("签约", "13", "人")], 1):
        page.get_by_label(f"第 {n} 项成果", exact=True).fill(name)
        page.get_by_label(f"第 {n} 项成果的数值").fill(value)
        page.get_by_label(f"第 {n} 项成果的单位").fill(unit)
    submit(page.get_by_role("button", name="保存转化成果"))
    assert "转化成果已登记" in page.content()
    submit(page.get_by_role("button", name="公开办理结论、答复和转化成果"))
    submit(page.get_by_role("button", name="确认公开"))
    assert "已公开" in page.content()
    db.session.rollback()  # end the test's read snapshot (SQLite WAL) to see what the browser committed
    conversion = db.session.scalars(select(Conversion)).one()
    assert [o.name for o in conversion.outcomes] == ["房源", "咨询", "签约"]
