"""After intake: dispatch and disputes, extension approvals, review answers, the decline-reasons table."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    DeclineReason, Dispatch, ExtensionRequest, Holiday, Notification, Reply, Role, Status, SuggestionEvent,
)
from portal.services import intake, workflow
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed
from portal.timeutil import LOCAL_TZ, utcnow

EN = {"Accept-Language": "en"}


@pytest.fixture
def office_dept(factory):
    return factory.department("人民建议征集办公室", slug="office", is_office=True)


@pytest.fixture
def office(factory, auth, office_dept):
    user = factory.user(Role.OFFICE_STAFF, name="刘洋", department=office_dept)
    auth.login(user)
    return user


def _local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


# --- dispatch --------------------------------------------------------------------------------------

def test_dispatch_to_a_lead_and_co_handling_departments(client, factory, office):
    housing = factory.department("住房和城乡建设局")
    hrss = factory.department("人力资源和社会保障局")
    category = factory.category(department=hrss)
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.ACCEPTED, category=category, office=office)
    page = client.get(f"/office/suggestions/{suggestion.id}/dispatch", headers=EN).get_data(as_text=True)
    # The category's usual department is preselected; the office itself is never offered.
    assert f'<option selected value="{hrss.id}">' in page
    assert "人民建议征集办公室" not in page.split("<form", 2)[-1]

    response = client.post(f"/office/suggestions/{suggestion.id}/dispatch", headers=EN, follow_redirects=True,
                           data={"lead_id": hrss.id, "co_ids": [housing.id], "note": "请牵头研究"})
    assert "Dispatched to Department" in response.get_data(as_text=True)
    assert suggestion.status == Status.DISPATCHED.value and suggestion.lead_department_id == hrss.id
    rows = db.session.scalars(select(Dispatch).order_by(Dispatch.id)).all()
    assert [(r.department_id, r.role, r.active) for r in rows] == [(hrss.id, "lead", True), (housing.id, "co", True)]
    assert db.session.query(Notification).filter_by(user_id=author.id, kind="dispatched").count() == 1
    assert db.session.scalar(select(SuggestionEvent.note).where(SuggestionEvent.action == "dispatch")) == "请牵头研究"


def test_dispatch_refusals(client, factory, office, office_dept):
    housing = factory.department("住房和城乡建设局")
    suggestion = factory.suggestion(status=Status.ACCEPTED, office=office)
    page = client.post(f"/office/suggestions/{suggestion.id}/dispatch", headers=EN,
                       data={"lead_id": housing.id, "co_ids": [housing.id]}).get_data(as_text=True)
    assert "The lead department cannot also be a co-handling department." in page
    page = client.post(f"/office/suggestions/{suggestion.id}/dispatch", headers=EN,
                       data={"lead_id": office_dept.id}).get_data(as_text=True)
    assert "Not a valid choice" in page
    assert suggestion.status == Status.ACCEPTED.value and db.session.query(Dispatch).count() == 0
    with pytest.raises(IntakeError) as error:
        intake.dispatch(db.session, suggestion, office, office_dept)
    assert error.value.code == "lead_invalid"

    submitted = factory.suggestion()
    response = client.post(f"/office/suggestions/{submitted.id}/dispatch", headers=EN, follow_redirects=True,
                           data={"lead_id": housing.id})
    assert response.status_code == 200
    assert "not possible while the suggestion is “Submitted, awaiting acceptance”" in response.get_data(as_text=True)
    assert submitted.status == Status.SUBMITTED.value


# --- dispute ---------------------------------------------------------------------------------------

@pytest.fixture
def dispatched_before_a_holiday(factory, office):
    """Dispatched on Monday 21 September 2026; Wednesday and Thursday are made holidays."""
    housing = factory.department("住房和城乡建设局")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.ACCEPTED, office=office)
    db.session.add_all([Holiday(day=date(2026, 9, 23), name="测试假日"), Holiday(day=date(2026, 9, 24), name="测试假日")])
    intake.dispatch(db.session, suggestion, office, housing, now=_local(date(2026, 9, 21)))
    db.session.commit()
    return suggestion, staff


def test_dispute_counts_working_days_skipping_holidays(app, dispatched_before_a_holiday):
    suggestion, staff = dispatched_before_a_holiday
    # Tue 22, Fri 25, Mon 28, Tue 29, Wed 30: five working days; without the holidays it would end Mon 28.
    with pytest.raises(IntakeError) as error:
        intake.dispute_dispatch(db.session, suggestion, staff, "不属于本部门职责", _local(date(2026, 10, 1)))
    assert error.value.code == "dispute_too_late" and error.value.params["last_day"] == date(2026, 9, 30)
    intake.dispute_dispatch(db.session, suggestion, staff, "不属于本部门职责", _local(date(2026, 9, 29)))
    db.session.commit()
    assert suggestion.status == Status.ACCEPTED.value and suggestion.lead_department_id is None
    row = db.session.scalars(select(Dispatch)).one()
    assert not row.active and row.dispute_reason == "不属于本部门职责" and row.disputed_at is not None
    event = db.session.scalar(select(SuggestionEvent).where(SuggestionEvent.action == "dispute_dispatch"))
    assert event.note == "不属于本部门职责" and not event.is_public


def test_only_the_lead_department_may_dispute(app, factory, dispatched_before_a_holiday):
    suggestion, _staff = dispatched_before_a_holiday
    stranger = factory.user(Role.DEPARTMENT_STAFF)
    with pytest.raises(TransitionNotAllowed):
        intake.dispute_dispatch(db.session, suggestion, stranger, "不是我们的", _local(date(2026, 9, 22)))
    assert suggestion.status == Status.DISPATCHED.value


def test_a_disputed_suggestion_returns_to_the_queue_flagged_and_is_dispatched_again(
        client, factory, office, dispatched_before_a_holiday):
    suggestion, staff = dispatched_before_a_holiday
    intake.dispute_dispatch(db.session, suggestion, staff, "应由交通运输局办理", _local(date(2026, 9, 22)))
    db.session.commit()
    page = client.get("/office/", headers=EN).get_data(as_text=True)
    assert suggestion.title in page and "Disputed" in page and "应由交通运输局办理" in page
    detail = client.get(f"/office/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Returned by a dispatch dispute" in detail

    transport = factory.department("交通运输局")
    client.post(f"/office/suggestions/{suggestion.id}/dispatch", data={"lead_id": transport.id})
    assert suggestion.status == Status.DISPATCHED.value and suggestion.lead_department_id == transport.id
    active = db.session.scalars(select(Dispatch).where(Dispatch.active.is_(True))).all()
    assert [d.department_id for d in active] == [transport.id]
    # The new department's window runs from the new dispatch.
    assert suggestion.dispatched_at > _local(date(2026, 9, 22))
    assert "Disputed" not in client.get("/office/", headers=EN).get_data(as_text=True)


# --- extensions ------------------------------------------------------------------------------------

def test_extension_request_and_approval(client, factory, office):
    housing = factory.department("住房和城乡建设局")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, office=office)
    with pytest.raises(IntakeError) as error:
        intake.request_extension(db.session, suggestion, staff, 31, "需要协调", utcnow())
    assert error.value.code == "extension_days"
    with pytest.raises(IntakeError) as error:
        intake.request_extension(db.session, suggestion, factory.user(Role.DEPARTMENT_STAFF), 10, "需要协调", utcnow())
    assert error.value.code == "not_lead_department"
    request = intake.request_extension(db.session, suggestion, staff, 20, "需要跨部门协调房源", utcnow())
    db.session.commit()

    assert "Extension requests to decide: 1" in client.get("/office/", headers=EN).get_data(as_text=True)
    page = client.get("/office/extensions", headers=EN).get_data(as_text=True)
    assert "需要跨部门协调房源" in page and "asks for 20 more days" in page
    response = client.post(f"/office/extensions/{request.id}", data={"decision": "approve", "note": "同意", "confirmed": "1"},
                           headers=EN, follow_redirects=True)
    assert "Extension of 20 days approved" in response.get_data(as_text=True)
    assert request.state == "approved" and request.decided_by_id == office.id
    assert suggestion.extension_days == 20
    assert "extension_approved" in [e.action for e in suggestion.events]

    # One extension only: a second request is refused, and so is deciding twice.
    with pytest.raises(IntakeError) as error:
        intake.request_extension(db.session, suggestion, staff, 5, "还需要时间", utcnow())
    assert error.value.code == "extension_exists"
    response = client.post(f"/office/extensions/{request.id}", data={"decision": "refuse"}, headers=EN,
                           follow_redirects=True)
    assert "already been decided" in response.get_data(as_text=True)
    assert suggestion.extension_days == 20


def test_extension_refusal(client, factory, office):
    housing = factory.department("住房和城乡建设局")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, office=office)
    request = intake.request_extension(db.session, suggestion, staff, 10, "需要协调", utcnow())
    db.session.commit()
    response = client.post(f"/office/extensions/{request.id}", data={"note": "理由不充分"}, headers=EN,
                           follow_redirects=True)
    assert "Choose approve or refuse." in response.get_data(as_text=True) and request.state == "pending"
    client.post(f"/office/extensions/{request.id}", data={"decision": "refuse", "note": "理由不充分", "confirmed": "1"})
    assert request.state == "refused" and request.decision_note == "理由不充分" and suggestion.extension_days == 0
    assert "No extension request is waiting." in client.get("/office/extensions", headers=EN).get_data(as_text=True)


# --- review answers --------------------------------------------------------------------------------

def _in_review(factory, office, housing):
    """Replied by the department, then the dissatisfied author asks for a review."""
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing, office=office)
    workflow.apply_transition(db.session, suggestion, "reply", staff)
    db.session.add(Reply(suggestion=suggestion, kind="reply", decision="not_adopted", body="暂不具备条件。",
                         department_id=housing.id, author_id=staff.id))
    suggestion.decision = "not_adopted"
    workflow.apply_transition(db.session, suggestion, "request_review", author, "答复没有回应我的建议")
    db.session.commit()
    return suggestion, author


def test_review_and_second_review_answered_by_the_office(client, factory, office):
    housing = factory.department("住房和城乡建设局")
    suggestion, author = _in_review(factory, office, housing)
    assert "Reviews to answer: 1" in client.get("/office/", headers=EN).get_data(as_text=True)
    page = client.get("/office/reviews", headers=EN).get_data(as_text=True)
    assert suggestion.title in page and "Under review" in page

    page = client.post(f"/office/suggestions/{suggestion.id}/review", data={"body": "", "decision": ""},
                       headers=EN).get_data(as_text=True)
    assert "This field is required." in page and suggestion.status == Status.IN_REVIEW.value
    client.post(f"/office/suggestions/{suggestion.id}/review",
                data={"body": "经复查，建议部分可行。", "decision": "partly_adopted", "confirmed": "1"})
    assert suggestion.status == Status.REVIEWED.value and suggestion.decision == "partly_adopted"
    review = db.session.scalar(select(Reply).where(Reply.kind == "review"))
    assert review.body == "经复查，建议部分可行。" and review.author_id == office.id
    assert db.session.query(Notification).filter_by(user_id=author.id, kind="review_answered").count() == 1
    assert suggestion.title not in client.get("/office/reviews").get_data(as_text=True)

    workflow.apply_transition(db.session, suggestion, "request_second_review", author)
    db.session.commit()
    client.post(f"/office/suggestions/{suggestion.id}/review", data={"body": "复核维持复查意见。", "decision": "",
                                                                    "confirmed": "1"})
    assert suggestion.status == Status.CLOSED.value and suggestion.decision == "partly_adopted"
    assert db.session.scalar(select(Reply.kind).order_by(Reply.id.desc()).limit(1)) == "second_review"

    response = client.post(f"/office/suggestions/{suggestion.id}/review", data={"body": "再答复"}, headers=EN,
                           follow_redirects=True)
    assert "No review is waiting for an answer" in response.get_data(as_text=True)


# --- decline reasons -------------------------------------------------------------------------------

def test_decline_reasons_can_be_added_edited_and_deactivated(client, factory, office):
    client.post("/office/decline-reasons", data={"code": "in-litigation", "name": "已进入诉讼程序",
                                                 "name_en": "Already in litigation", "active": "y"})
    reason = db.session.scalars(select(DeclineReason)).one()
    assert reason.active and reason.name == "已进入诉讼程序"
    page = client.post("/office/decline-reasons", data={"code": "in-litigation", "name": "重复"},
                       headers=EN).get_data(as_text=True)
    assert "This short code is already used." in page and 'value="重复"' in page

    client.post(f"/office/decline-reasons/{reason.id}", data={"code": "in-litigation", "name": "已进入诉讼、仲裁程序",
                                                             "name_en": "In litigation or arbitration", "active": "y"})
    assert reason.name == "已进入诉讼、仲裁程序"
    suggestion = factory.suggestion()
    assert "In litigation or arbitration" in client.get(f"/office/suggestions/{suggestion.id}",
                                                        headers=EN).get_data(as_text=True)
    client.post(f"/office/decline-reasons/{reason.id}/active")
    assert not reason.active
    assert "In litigation or arbitration" not in client.get(f"/office/suggestions/{suggestion.id}",
                                                            headers=EN).get_data(as_text=True)


def test_administrators_keep_the_decline_reasons_too(client, factory, auth):
    """The reasons are a reference table: the administration page links here, so admins may edit it."""
    auth.login(factory.user(Role.ADMIN))
    assert "Decline reasons" in client.get("/admin/", headers=EN).get_data(as_text=True)
    client.post("/office/decline-reasons", data={"code": "no-content", "name": "内容不明确", "active": "y"})
    assert db.session.scalars(select(DeclineReason.code)).all() == ["no-content"]
    assert client.get("/office/").status_code == 403
