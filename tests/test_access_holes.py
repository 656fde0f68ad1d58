"""Access holes found while probing, each closed: what a visitor may not see stays unseen."""
from __future__ import annotations

from portal.extensions import db
from portal.models import Role, Status
from portal.services import handling, intake
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}
UNPUBLISHED_REPLY = "人社局内部拟答复：拟采纳，八月前推出见习岗位租房补贴。"


def test_a_department_that_disputed_no_longer_sees_the_new_lead_departments_unpublished_reply(client, auth, factory):
    housing, hrss = factory.department("住房和城乡建设局"), factory.department("人力资源和社会保障局")
    office = factory.user(Role.OFFICE_STAFF, department=factory.department("建议办", is_office=True))
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, office=office)
    housing_staff, hrss_staff = factory.department_staff(housing), factory.department_staff(hrss)
    intake.dispute_dispatch(db.session, suggestion, housing_staff, "不属于我局职责", utcnow())
    intake.dispatch(db.session, suggestion, office, hrss)
    handling.give_reply(db.session, suggestion, hrss_staff, "adopted", UNPUBLISHED_REPLY)
    db.session.commit()

    auth.login(hrss_staff)
    assert UNPUBLISHED_REPLY in client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    auth.logout()
    auth.login(housing_staff)
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert suggestion.title in page  # the suggestion itself is public
    assert UNPUBLISHED_REPLY not in page
    assert client.get(f"/department/suggestions/{suggestion.id}").status_code == 403


def test_the_hearing_authority_cannot_read_private_suggestions_through_the_hearing_lookup(client, auth, factory):
    private = factory.suggestion(title="我家楼下的私人纠纷")  # submitted, not accepted: not public
    authority = factory.user(Role.HEARING_AUTHORITY)
    auth.login(authority)
    response = client.get(f"/hearings/for-suggestion/{private.id}")
    assert response.status_code == 404
    assert "我家楼下的私人纠纷" not in response.get_data(as_text=True)
    assert client.get("/hearings/for-suggestion/987654").status_code == 404


def test_owner_only_pages_hide_a_private_suggestion_from_another_resident(client, auth, factory):
    private = factory.suggestion(title="我家楼下的私人纠纷")
    auth.login(factory.resident(name="王芳"))
    for url in (f"/suggestions/{private.id}/sent", f"/suggestions/{private.id}/resubmit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/suggestions/{private.id}/withdraw").status_code == 404


def test_another_departments_template_does_not_exist_for_a_department(client, auth, factory):
    housing, hrss = factory.department("住房和城乡建设局"), factory.department("人力资源和社会保障局")
    template = factory.reply_template(housing, title="内部模板")
    auth.login(factory.department_staff(hrss))
    assert client.get(f"/department/templates/{template.id}").status_code == 404
    assert client.post(f"/department/templates/{template.id}/delete").status_code == 404


def test_a_department_cannot_learn_of_another_departments_unannounced_call(client, auth, factory):
    housing, hrss = factory.department("住房和城乡建设局"), factory.department("人力资源和社会保障局")
    upcoming = factory.themed_call(housing, title="尚未公布的专项征集", opens_in_days=5, closes_in_days=30)
    announced = factory.themed_call(housing)
    auth.login(factory.department_staff(hrss))
    assert client.get(f"/department/calls/{upcoming.id}").status_code == 404
    assert client.get(f"/department/calls/{announced.id}").status_code == 403
