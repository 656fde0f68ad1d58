"""Quality review (评查) and the confirmation step in a real browser: axe-clean in the three languages, and
the review worked through without JavaScript."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Role
from portal.services import quality
from portal.timeutil import LOCAL_TZ, utcnow
from tests.browser.actions import submit
from tests.browser.test_accessibility import _violations, _violations_on
from tests.browser.test_department_pages import _log_in


@pytest.fixture
def reviewed(factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    office = factory.user(Role.OFFICE_STAFF, name="评查员")
    staff = factory.user(Role.DEPARTMENT_STAFF, name="王承办", department=housing)
    year, week = quality.last_full_week(utcnow())
    wednesday = datetime.combine(datetime.fromisocalendar(year, week, 3).date(), datetime.min.time(),
                                 tzinfo=LOCAL_TZ) + timedelta(hours=12)
    for i in range(2):
        factory.published_suggestion(lead_department=housing, replied_at=wednesday, office=office, title=f"住房建议{i}")
    quality.seed_criteria(db.session)
    sample, _new = quality.draw_sample(db.session, year, week, 2, office)
    returned, waiting = sample.items
    results = {c.id: c.code != "off_topic" for c in quality.criteria(db.session)}
    quality.score(db.session, returned, office, results, "答复没有回应建议的问题。")
    db.session.commit()
    return dict(office=office, staff=staff, sample=sample, returned=returned, waiting=waiting)


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_quality_review_pages_have_no_axe_violations(app, live_server, page, reviewed, locale):
    criterion = quality.criteria(db.session)[0]
    pages = {
        reviewed["office"]: ["/office/quality/", f"/office/quality/samples/{reviewed['sample'].id}",
                             f"/office/quality/items/{reviewed['waiting'].id}",
                             f"/office/quality/items/{reviewed['returned'].id}", "/office/quality/criteria",
                             f"/office/quality/criteria/{criterion.id}", "/metrics/"],
        reviewed["staff"]: ["/department/", "/department/quality", f"/department/quality/{reviewed['returned'].id}"],
    }
    problems = {}
    for user, paths in pages.items():
        page.context.clear_cookies()
        _log_in(page, live_server, user)
        submit(page.locator(f"button[name=locale][value={locale}]"))
        problems.update(_violations_on(page, live_server, paths))
    assert problems == {}


def test_review_and_correction_without_javascript(app, live_server, page_without_js, reviewed):
    page = page_without_js
    _log_in(page, live_server, reviewed["staff"])
    page.goto(live_server + "/department/")
    submit(page.get_by_role("link", name=reviewed["returned"].suggestion.title, exact=False).first)
    page.get_by_label("整改情况").fill("已向建议人补充答复。")
    submit(page.get_by_role("button", name="登记整改情况"))
    assert "整改情况已登记" in page.content()

    page.context.clear_cookies()
    _log_in(page, live_server, reviewed["office"])
    page.goto(live_server + f"/office/quality/items/{reviewed['returned'].id}")
    for fieldset in page.locator("fieldset").all():
        fieldset.get_by_label("合格", exact=True).check()
    submit(page.get_by_role("button", name="提交评查结果"))
    assert "复核合格" in page.content()
    db.session.rollback()  # end the test's read snapshot to see what the browser committed
    assert db.session.get(type(reviewed["returned"]), reviewed["returned"].id).state == "closed"


def test_the_confirmation_page_has_no_axe_violations(app, live_server, page, factory):
    # The page a browser without JavaScript gets (with JavaScript the step is a dialog, see
    # tests/browser/test_confirm_dialog.py). form.submit() sends the form without the submit event
    # the dialog listens for; axe itself needs JavaScript, so the page keeps it.
    author = factory.resident()
    pending = factory.suggestion(author)
    _log_in(page, live_server, author)
    page.goto(live_server + f"/suggestions/{pending.id}")
    with page.expect_navigation():
        page.locator(f"form[action$='/suggestions/{pending.id}/withdraw']").evaluate("form => form.submit()")
    assert "撤回您的建议吗？" in page.content()
    assert _violations(page) == []
    submit(page.get_by_role("button", name="确认撤回建议"))
    db.session.rollback()
    assert db.session.get(type(pending), pending.id).status == "withdrawn"
