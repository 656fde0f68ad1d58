"""Themed calls (专项征集): a department opens one, sees what comes in, answers collectively."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, Status, ThemedCall
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}
ANSWER = "感谢大家的建议。我局已汇总研究，将推出青年人才驿站和“有礼租”短期租房服务。"


@pytest.fixture
def housing(factory):
    return factory.department("住房和城乡建设局", slug="housing")


@pytest.fixture
def staff(factory, housing):
    return factory.user(Role.DEPARTMENT_STAFF, department=housing)


def test_department_creates_a_call_in_beijing_time(client, auth, staff):
    auth.login(staff)
    response = client.post("/department/calls/new", headers=EN, follow_redirects=True, data={
        "title": "青年人才安居专项征集", "description": "围绕来衢青年的住房需求征集建议。",
        "opens_at": "2024-07-01T09:00", "closes_at": "2024-07-31T18:00"})
    assert "The themed call has been created." in response.get_data(as_text=True)
    call = db.session.scalars(select(ThemedCall)).one()
    assert call.department_id == staff.department_id
    assert call.opens_at == datetime(2024, 7, 1, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
    assert call.closes_at == datetime(2024, 7, 31, 10, 0, tzinfo=timezone.utc)


def test_a_call_must_close_after_it_opens_and_keeps_the_text(client, auth, staff):
    auth.login(staff)
    page = client.post("/department/calls/new", headers=EN, data={
        "title": "倒过来的征集", "description": "说明文字", "opens_at": "2024-07-31T09:00",
        "closes_at": "2024-07-01T09:00"}).get_data(as_text=True)
    assert "The call must close after it opens." in page
    assert 'value="倒过来的征集"' in page and "说明文字" in page
    assert db.session.scalars(select(ThemedCall)).all() == []


def test_department_edits_its_call(client, auth, staff, factory, housing):
    call = factory.themed_call(housing)
    auth.login(staff)
    form = client.get(f"/department/calls/{call.id}/edit").get_data(as_text=True)
    assert call.title in form
    client.post(f"/department/calls/{call.id}/edit", data={
        "title": "改过的标题", "description": call.description, "opens_at": "2024-07-01T09:00",
        "closes_at": "2030-07-31T18:00"})
    assert call.title == "改过的标题"


def test_department_sees_the_suggestions_submitted_into_its_call(client, auth, staff, factory, housing):
    call = factory.themed_call(housing)
    inside = factory.suggestion(title="建设青年人才驿站")
    inside.themed_call_id = call.id
    outside = factory.suggestion(title="与征集无关的建议")
    db.session.commit()
    auth.login(staff)
    page = client.get(f"/department/calls/{call.id}", headers=EN).get_data(as_text=True)
    assert inside.title in page and outside.title not in page
    assert "Suggestions in this call (1)" in page


def test_collective_answer_only_after_closing_and_only_once(client, auth, staff, factory, housing):
    call = factory.themed_call(housing)
    auth.login(staff)
    page = client.get(f"/department/calls/{call.id}", headers=EN).get_data(as_text=True)
    assert "can be published once the call has closed" in page
    response = client.post(f"/department/calls/{call.id}", data={"answer": ANSWER}, headers=EN,
                           follow_redirects=True)
    assert "can be published once the call has closed" in response.get_data(as_text=True)
    assert call.collective_answer is None

    call.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.post(f"/department/calls/{call.id}", data={"answer": "太短"}, headers=EN).get_data(as_text=True)
    assert "The answer must be between" in page and "太短" in page
    response = client.post(f"/department/calls/{call.id}", data={"answer": ANSWER}, headers=EN,
                           follow_redirects=True)
    assert "The collective answer has been published." in response.get_data(as_text=True)
    assert call.collective_answer == ANSWER and call.answered_at is not None
    client.post(f"/department/calls/{call.id}", data={"answer": ANSWER + "（修改）"})
    assert call.collective_answer == ANSWER


def test_individual_suggestions_in_a_call_are_still_answered_as_usual(client, auth, staff, factory, housing):
    call = factory.themed_call(housing, opens_in_days=-30, closes_in_days=-1)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    suggestion.themed_call_id = call.id
    db.session.commit()
    auth.login(staff)
    client.post(f"/department/calls/{call.id}", data={"answer": ANSWER})
    client.post(f"/department/suggestions/{suggestion.id}/reply",
                data={"decision": "partly_adopted", "body": "您的建议部分采纳，短期租房服务已纳入青年人才安居政策。",
                      "confirmed": "1"})
    assert call.answered_at is not None and suggestion.status == Status.REPLIED.value


def test_calls_of_another_department_are_refused(client, auth, factory, housing):
    call = factory.themed_call(housing)
    auth.login(factory.user(Role.DEPARTMENT_STAFF, department=factory.department("教育局")))
    assert client.get(f"/department/calls/{call.id}").status_code == 403
    assert client.get(f"/department/calls/{call.id}/edit").status_code == 403
    call.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert client.post(f"/department/calls/{call.id}", data={"answer": ANSWER}).status_code == 403
    assert call.collective_answer is None
    assert call.title not in client.get("/department/calls").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.OFFICE_STAFF, Role.ADMIN])
def test_only_department_staff_create_calls(client, auth, factory, role):
    auth.login(factory.user(role))
    response = client.post("/department/calls/new", data={
        "title": "t", "description": "d", "opens_at": "2024-07-01T09:00", "closes_at": "2024-07-31T18:00"})
    assert response.status_code == 403
    assert db.session.scalars(select(ThemedCall)).all() == []


# --- public pages -------------------------------------------------------------------------------

def test_public_list_shows_open_and_closed_calls_but_not_upcoming(client, factory, housing):
    open_call = factory.themed_call(housing, title="正在征集的专题")
    closed = factory.themed_call(housing, title="已经结束的专题", opens_in_days=-40, closes_in_days=-10)
    upcoming = factory.themed_call(housing, title="尚未开始的专题", opens_in_days=5, closes_in_days=30)
    page = client.get("/calls/", headers=EN).get_data(as_text=True)
    assert open_call.title in page and closed.title in page and upcoming.title not in page
    assert page.index(open_call.title) < page.index("Closed</h2>") < page.index(closed.title)
    assert client.get(f"/calls/{upcoming.id}").status_code == 404
    assert 'href="/calls/"' in client.get("/").get_data(as_text=True)  # in the main navigation


def test_public_call_page_shows_accepted_suggestions_and_the_answer(client, factory, housing):
    call = factory.themed_call(housing, opens_in_days=-40, closes_in_days=-1)
    accepted = factory.suggestion(status=Status.ACCEPTED, title="建设青年人才驿站")
    pending = factory.suggestion(title="还未受理的建议")
    for s in (accepted, pending):
        s.themed_call_id = call.id
    db.session.commit()
    page = client.get(f"/calls/{call.id}", headers=EN).get_data(as_text=True)
    assert call.description in page and accepted.title in page and pending.title not in page
    assert "Collective answer" not in page
    assert accepted.author.display_name not in page  # names are masked on public pages
    call.collective_answer, call.answered_at = ANSWER, utcnow()
    db.session.commit()
    assert ANSWER in client.get(f"/calls/{call.id}").get_data(as_text=True)


def test_public_call_page_invites_suggestions_while_open(client, factory, housing, app):
    call = factory.themed_call(housing)
    page = client.get(f"/calls/{call.id}", headers=EN).get_data(as_text=True)
    if "suggestions.new" in app.view_functions:
        assert f"?call={call.id}" in page and "Make a suggestion in this call" in page
    else:
        assert "Make a suggestion in this call" not in page
