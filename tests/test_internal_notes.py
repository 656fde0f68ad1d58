"""The reply, the conversion and the review answer each separate a note for colleagues from the
published text: the clerk sees which field is which, the note lands on the audit event, staff
timelines show it, and neither the author nor the public ever does."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, Status, SuggestionEvent
from portal.services import suggestions as suggestion_service

EN = {"Accept-Language": "en"}
REPLY = "经研究，我局采纳您的建议，将于八月推出面向来衢求职青年的“有礼租”短期租房服务。"
NOTE_LABEL = "Internal note — only staff see this"


def outcome_rows(rows=(), blanks=5) -> dict:
    data = {}
    for i, (name, value, unit) in enumerate(list(rows) + [("", "", "")] * (blanks - len(rows))):
        data.update({f"outcomes-{i}-name": name, f"outcomes-{i}-value": value, f"outcomes-{i}-unit": unit})
    return data


def notes(suggestion) -> dict[str, str]:
    rows = db.session.scalars(select(SuggestionEvent).where(SuggestionEvent.suggestion_id == suggestion.id)
                              .order_by(SuggestionEvent.id))
    return {e.action: e.note for e in rows if e.note}


def _labels_in_order(page: str, *labels: str) -> bool:
    positions = [page.find(f">{label}<") for label in labels]
    return -1 not in positions and positions == sorted(positions)


def test_the_department_writes_its_internal_notes_beside_the_reply_and_the_conversion(client, auth, factory):
    housing = factory.department("住房和城乡建设局")
    author = factory.resident(name="张三丰")
    suggestion = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing)
    auth.login(factory.department_staff(housing))

    form = client.get(f"/department/suggestions/{suggestion.id}/reply", headers=EN).get_data(as_text=True)
    assert _labels_in_order(form, "Published text", NOTE_LABEL)
    assert "never shown to the author or the public" in form
    client.post(f"/department/suggestions/{suggestion.id}/reply",
                data={"decision": "adopted", "body": REPLY, "note": "  局长已同意，预算另报。 ", "confirmed": "1"})

    form = client.get(f"/department/suggestions/{suggestion.id}/conversions/new", headers=EN).get_data(as_text=True)
    assert _labels_in_order(form, "Published text", NOTE_LABEL)
    client.post(f"/department/suggestions/{suggestion.id}/conversions/new", data={
        "type": "public_welfare", "description": "推出“有礼租”短期租房服务", "started_on": "2024-08-01",
        "note": "房源由国资公司提供", **outcome_rows([("房源", "50", "套")])})
    conversion = suggestion.conversions[0]
    client.post(f"/department/conversions/{conversion.id}/edit", data={
        "type": "public_welfare", "description": "推出“有礼租”短期租房服务", "started_on": "2024-08-01",
        "note": "签约数按住建局统计更正", **outcome_rows([("房源", "50", "套"), ("签约", "13", "人")])})
    assert [o.name for o in conversion.outcomes] == ["房源", "签约"]
    assert notes(suggestion) == {"reply": "局长已同意，预算另报。", "converted": "房源由国资公司提供",
                                 "conversion_updated": "签约数按住建局统计更正"}
    client.post(f"/department/suggestions/{suggestion.id}/publish", data={"confirmed": "1"})

    timeline = client.get(f"/department/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "局长已同意" in timeline and "房源由国资公司提供" in timeline and "签约数按住建局统计更正" in timeline
    assert "Conversion edited" in timeline

    auth.login(author)
    own = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True) + \
        client.get("/suggestions/mine").get_data(as_text=True)
    auth.logout()
    public = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    for page in (own, public):
        assert REPLY in page and "推出“有礼租”短期租房服务" in page
        assert "局长已同意" not in page and "房源由国资公司提供" not in page and "签约数按住建局统计更正" not in page


def test_the_office_writes_an_internal_note_beside_the_review_answer(client, auth, factory):
    author = factory.resident(name="张三丰")
    suggestion = factory.suggestion(author, status=Status.REPLIED)
    suggestion_service.rate(db.session, suggestion, author, "dissatisfied")
    suggestion_service.request_review(db.session, suggestion, author, "答复没有回应房源数量的问题。")
    db.session.commit()
    auth.login(factory.user(Role.OFFICE_STAFF, name="受理员"))

    form = client.get(f"/office/suggestions/{suggestion.id}/review", headers=EN).get_data(as_text=True)
    assert _labels_in_order(form, "Published text", NOTE_LABEL)
    response = client.post(f"/office/suggestions/{suggestion.id}/review", data={
        "body": "经复查，原答复已说明房源数量为 50 套。", "decision": "", "note": "复查组意见：维持原决定",
        "confirmed": "1"})
    assert response.status_code == 302
    assert suggestion.status == Status.REVIEWED.value
    assert notes(suggestion) == {"answer_review": "复查组意见：维持原决定"}
    assert "复查组意见：维持原决定" in client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)

    auth.login(author)
    own = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "经复查，原答复已说明房源数量为 50 套。" in own and "复查组意见" not in own


def test_an_overlong_internal_note_is_refused_with_a_message(client, auth, factory):
    suggestion = factory.suggestion(status=Status.DISPATCHED)
    auth.login(factory.department_staff(suggestion.lead_department))
    response = client.post(f"/department/suggestions/{suggestion.id}/reply", headers=EN,
                           data={"decision": "adopted", "body": REPLY, "note": "长" * 4001})
    assert response.status_code == 200
    assert "Field cannot be longer than 4000 characters." in response.get_data(as_text=True)
    assert suggestion.status == Status.DISPATCHED.value
