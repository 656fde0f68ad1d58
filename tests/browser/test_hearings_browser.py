"""Hearing pages in a real browser: no axe violations, and the commitment is computed on the resident's device."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Hearing
from portal.services import hearing_selection
from portal.services.demo import load as load_demo
from portal.timeutil import utcnow
from tests.browser.actions import submit
from tests.browser.test_accessibility import _violations, _violations_on


def _login(page, live_server, login):
    page.goto(live_server + "/account/login")
    page.get_by_label("手机号码或电子邮箱").fill(login)
    page.get_by_label("密码").fill("demo-2026")
    submit(page.get_by_role("button", name="登录"))


def _demo_hearings():
    load_demo(db.session)
    db.session.commit()
    return db.session.scalars(select(Hearing).order_by(Hearing.starts_at)).all()


def test_hearing_pages_have_no_axe_violations(app, live_server, page):
    past, upcoming = _demo_hearings()
    pages = {None: ["/hearings/", f"/hearings/{past.id}", f"/hearings/{past.id}/audit", f"/hearings/{upcoming.id}",
                    f"/hearings/{upcoming.id}/audit"],
             "hearing@demo.gov.cn": ["/hearing-admin/", "/hearing-admin/members", "/hearing-admin/members/new",
                                     "/hearing-admin/new", f"/hearing-admin/{upcoming.id}",
                                     f"/hearing-admin/{past.id}", f"/hearing-admin/{upcoming.id}/selection",
                                     f"/hearing-admin/{past.id}/observers"]}
    problems = {}
    for login, paths in pages.items():
        if login:
            _login(page, live_server, login)
        problems.update(_violations_on(page, live_server, paths))
    assert problems == {}


def test_the_resident_commits_without_sending_the_secret(app, live_server, page):
    _past, upcoming = _demo_hearings()
    _login(page, live_server, "13800000001")
    page.goto(live_server + f"/hearings/{upcoming.id}/selection")
    assert _violations(page) == []
    secret = page.locator("#c-secret").input_value()
    assert len(secret) == 64
    sent = []
    page.on("request", lambda request: sent.append(request.post_data or "") if request.method == "POST" else None)
    with page.expect_navigation():
        page.get_by_role("button", name="公布我的承诺值").click()
    assert sent and secret not in sent[0]
    db.session.rollback()  # end this test's read snapshot (SQLite WAL) before looking at what the browser saved
    hearing = db.session.get(Hearing, upcoming.id)
    record = hearing_selection.record_of(hearing)
    assert record.commitments[-1].commitment == record.commitment_for("resident", secret)
    assert hearing_selection.current_phase(hearing, utcnow()).name == "authority_reveal"
