"""The suggestion office takes suggestions in: queue, accept, decline, ask, duplicates, splits, on-behalf intake."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Channel, DeadlinePolicy, DeclineReason, Follow, Notification, Role, Status, Suggestion, SuggestionEvent, Support,
)
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}


@pytest.fixture
def office(factory, auth):
    department = factory.department("人民建议征集办公室", slug="office", is_office=True)
    user = factory.user(Role.OFFICE_STAFF, name="刘洋", department=department)
    auth.login(user)
    return user


def _events(suggestion) -> list[str]:
    return list(db.session.scalars(select(SuggestionEvent.action).where(SuggestionEvent.suggestion_id == suggestion.id)
                                   .order_by(SuggestionEvent.id)))


def _notices(user, kind) -> int:
    return db.session.query(Notification).filter_by(user_id=user.id, kind=kind).count()


def _received(suggestion, days_ago: int) -> None:
    suggestion.submitted_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


# --- the queue -------------------------------------------------------------------------------------

def test_queue_lists_what_waits_for_the_office_earliest_deadline_first(client, factory, office):
    late = factory.suggestion(title="路灯不亮已两周")
    _received(late, 20)
    fresh = factory.suggestion(title="公交站台加装雨棚")
    _received(fresh, 1)
    middle = factory.suggestion(title="菜市场周边停车难")
    _received(middle, 8)
    accepted = factory.suggestion(status=Status.ACCEPTED, title="等待交办的建议")
    dispatched = factory.suggestion(status=Status.DISPATCHED, title="已交办的建议")

    page = client.get("/office/", headers=EN).get_data(as_text=True)
    order = [t for t in re.findall(r">([^<>]+)</a>", page)
             if t in {late.title, fresh.title, middle.title, accepted.title}]
    assert order == [late.title, middle.title, fresh.title, accepted.title]
    assert dispatched.title not in page
    # Only the suggestion received 20 days ago is past the 15 days to accept.
    assert page.count("badge-overdue") == 1
    row = page[page.index(late.title) - 400: page.index(late.title)]
    assert "Overdue" in row


def test_queue_filters(client, factory, office):
    housing = factory.category("城乡建设")
    transport = factory.category("交通运输")
    kecheng = factory.district("柯城区")
    late = factory.suggestion(title="路灯不亮已两周", category=housing, district=kecheng)
    _received(late, 20)
    factory.suggestion(title="公交站台加装雨棚", category=transport)
    asking = factory.suggestion(title="老旧小区加装电梯")
    asking.status = Status.NEEDS_INFO.value
    asking.channel = Channel.PHONE.value
    db.session.commit()

    def titles(**args):
        page = client.get("/office/", query_string=args).get_data(as_text=True)
        return {t for t in ("路灯不亮已两周", "公交站台加装雨棚", "老旧小区加装电梯") if t in page}

    assert titles() == {"路灯不亮已两周", "公交站台加装雨棚", "老旧小区加装电梯"}
    assert titles(overdue="1") == {"路灯不亮已两周"}
    assert titles(q="雨棚") == {"公交站台加装雨棚"}
    assert titles(category=transport.id) == {"公交站台加装雨棚"}
    assert titles(district=kecheng.id) == {"路灯不亮已两周"}
    assert titles(channel="phone") == {"老旧小区加装电梯"}
    assert titles(status="needs_info") == {"老旧小区加装电梯"}


def test_queue_is_paginated(client, factory, office):
    author = factory.resident()
    for n in range(27):
        factory.suggestion(author, title=f"建议第{n:02d}号")
    first = client.get("/office/", headers=EN).get_data(as_text=True)
    second = client.get("/office/?page=2", headers=EN).get_data(as_text=True)
    assert "Suggestions waiting: 27" in first and "Page 1 of 2" in first
    assert first.count("建议第") == 25 and second.count("建议第") == 2


# --- accept, decline, ask --------------------------------------------------------------------------

def test_accept_through_the_form_tells_the_author_and_is_audited(client, factory, office):
    author = factory.resident()
    suggestion = factory.suggestion(author)
    page = client.get(f"/office/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert suggestion.problem in page and "Ask the author for more information" in page

    response = client.post(f"/office/suggestions/{suggestion.id}/accept", data={"note": "符合受理条件", "confirmed": "1"},
                           headers=EN, follow_redirects=True)
    assert "Accepted. The author has been told" in response.get_data(as_text=True)
    assert suggestion.status == Status.ACCEPTED.value and suggestion.accepted_at is not None
    assert _events(suggestion) == ["accept"]
    assert _notices(author, "accepted") == 1


def test_accepting_a_declined_suggestion_is_refused_clearly(client, factory, office):
    suggestion = factory.suggestion()
    reason = DeclineReason(code="no-content", name="内容不明确，无法办理", name_en="Too unclear to handle")
    db.session.add(reason)
    db.session.commit()
    client.post(f"/office/suggestions/{suggestion.id}/decline",
                data={"reason_id": reason.id, "message": "请补充具体地点", "confirmed": "1"})
    response = client.post(f"/office/suggestions/{suggestion.id}/accept", data={}, headers=EN, follow_redirects=True)
    assert response.status_code == 200
    assert "This is not possible while the suggestion is “Not accepted”" in response.get_data(as_text=True)
    assert suggestion.status == Status.DECLINED.value
    assert _events(suggestion) == ["decline"]


def test_decline_needs_a_reason_and_a_message_and_tells_the_author(client, factory, office):
    author = factory.resident()
    suggestion = factory.suggestion(author)
    active = DeclineReason(code="not-a-suggestion", name="属于投诉举报", name_en="A complaint, not a suggestion")
    retired = DeclineReason(code="old", name="旧理由", name_en="Old reason", active=False)
    db.session.add_all([active, retired])
    db.session.commit()

    page = client.get(f"/office/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "A complaint, not a suggestion" in page and "Old reason" not in page

    page = client.post(f"/office/suggestions/{suggestion.id}/decline", data={"reason_id": active.id, "message": ""},
                       headers=EN).get_data(as_text=True)
    assert "This field is required." in page and suggestion.status == Status.SUBMITTED.value
    page = client.post(f"/office/suggestions/{suggestion.id}/decline",
                       data={"reason_id": retired.id, "message": "请通过12345热线反映"}, headers=EN).get_data(as_text=True)
    assert "Not a valid choice" in page and "请通过12345热线反映" in page

    client.post(f"/office/suggestions/{suggestion.id}/decline",
                data={"reason_id": active.id, "message": "请通过12345热线反映", "confirmed": "1"})
    assert suggestion.status == Status.DECLINED.value and suggestion.decline_reason_id == active.id
    event = db.session.scalar(select(SuggestionEvent).where(SuggestionEvent.action == "decline"))
    assert event.public_note == "请通过12345热线反映" and not event.is_public
    assert _notices(author, "declined") == 1


def test_ask_the_author_for_more_information(client, factory, office):
    author = factory.resident()
    suggestion = factory.suggestion(author)
    client.post(f"/office/suggestions/{suggestion.id}/request-info", data={"question": "请说明具体是哪个小区？"})
    assert suggestion.status == Status.NEEDS_INFO.value
    event = db.session.scalar(select(SuggestionEvent).where(SuggestionEvent.action == "request_info"))
    assert event.public_note == "请说明具体是哪个小区？"
    assert _notices(author, "needs_info") == 1
    # Still in the queue, now waiting for the author.
    page = client.get("/office/", headers=EN).get_data(as_text=True)
    assert suggestion.title in page and "Waiting for the author" in page


# --- duplicates ------------------------------------------------------------------------------------

def test_duplicate_moves_supports_counting_a_resident_who_supported_both_once(client, factory, office):
    target = factory.suggestion(status=Status.ACCEPTED, title="为求职青年提供短期租房")
    duplicate = factory.suggestion(title="外地青年租房难")
    a, b, c, d = (factory.resident(name=n) for n in ("甲", "乙", "丙", "丁"))
    db.session.add_all([Support(suggestion_id=target.id, user_id=a.id), Support(suggestion_id=target.id, user_id=b.id),
                        Support(suggestion_id=duplicate.id, user_id=b.id),
                        Support(suggestion_id=duplicate.id, user_id=c.id),
                        Follow(suggestion_id=duplicate.id, user_id=d.id),
                        Follow(suggestion_id=duplicate.id, user_id=b.id),
                        Follow(suggestion_id=target.id, user_id=b.id)])
    target.support_count, duplicate.support_count = 2, 2
    db.session.commit()

    response = client.post(f"/office/suggestions/{duplicate.id}/duplicate",
                           data={"target": target.tracking_number, "confirmed": "1"}, headers=EN,
                           follow_redirects=True)
    assert f"Marked as a duplicate of {target.tracking_number}" in response.get_data(as_text=True)
    supporters = set(db.session.scalars(select(Support.user_id).where(Support.suggestion_id == target.id)))
    assert supporters == {a.id, b.id, c.id}
    assert target.support_count == 3 and duplicate.support_count == 0
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.suggestion_id == target.id)))
    assert followers == {b.id, d.id, duplicate.author_id}
    assert duplicate.status == Status.DUPLICATE.value and duplicate.duplicate_of_id == target.id
    page = client.get(f"/office/suggestions/{duplicate.id}", headers=EN).get_data(as_text=True)
    assert "Duplicate of" in page and target.tracking_number in page


def test_duplicate_of_an_unknown_or_same_suggestion_is_refused_keeping_the_input(client, factory, office):
    suggestion = factory.suggestion()
    page = client.post(f"/office/suggestions/{suggestion.id}/duplicate", data={"target": "20990101000000"},
                       headers=EN).get_data(as_text=True)
    assert "No suggestion has this tracking number." in page and 'value="20990101000000"' in page
    page = client.post(f"/office/suggestions/{suggestion.id}/duplicate", data={"target": str(suggestion.id)},
                       headers=EN).get_data(as_text=True)
    assert "A suggestion cannot duplicate itself." in page
    assert suggestion.status == Status.SUBMITTED.value


# --- split -----------------------------------------------------------------------------------------

def test_split_registers_each_demand_as_a_tracked_suggestion(client, factory, office):
    category = factory.category("城乡建设")
    author = factory.resident()
    original = factory.suggestion(author, title="小区路灯和垃圾分类两件事", category=category)
    page = client.get(f"/office/suggestions/{original.id}/split", headers=EN).get_data(as_text=True)
    assert page.count('value="小区路灯和垃圾分类两件事"') == 2  # both parts prefilled

    page = client.post(f"/office/suggestions/{original.id}/split", headers=EN, data={
        "parts-0-title": "小区路灯和垃圾分类两件事", "parts-0-problem": "p", "parts-0-category_id": category.id,
        "add_part": "y"}).get_data(as_text=True)
    assert 'name="parts-1-title"' in page and original.status == Status.SUBMITTED.value

    response = client.post(f"/office/suggestions/{original.id}/split", headers=EN, follow_redirects=True, data={
        "parts-0-title": "修复小区路灯", "parts-0-problem": "路灯坏了两周", "parts-0-measures": "尽快维修",
        "parts-0-category_id": category.id,
        "parts-1-title": "完善垃圾分类", "parts-1-problem": "分类桶不够", "parts-1-measures": "",
        "parts-1-category_id": 0, "confirmed": "1"})
    assert "Registered as 2 separate suggestions" in response.get_data(as_text=True)
    children = db.session.scalars(select(Suggestion).where(Suggestion.split_from_id == original.id)
                                  .order_by(Suggestion.id)).all()
    assert [c.title for c in children] == ["修复小区路灯", "完善垃圾分类"]
    assert len({c.tracking_number for c in children} | {original.tracking_number}) == 3
    assert all(c.author_id == author.id and c.status == Status.SUBMITTED.value for c in children)
    assert children[0].category_id == category.id and children[1].category_id is None
    assert original.status == Status.SPLIT.value
    page = client.get(f"/office/suggestions/{original.id}").get_data(as_text=True)
    assert all(c.tracking_number in page for c in children)

    # Each child is then accepted on its own.
    client.post(f"/office/suggestions/{children[0].id}/accept", data={"confirmed": "1"})
    assert children[0].status == Status.ACCEPTED.value and children[1].status == Status.SUBMITTED.value


def test_split_needs_two_complete_parts(client, factory, office):
    original = factory.suggestion()
    page = client.post(f"/office/suggestions/{original.id}/split", headers=EN, data={
        "parts-0-title": "修复小区路灯", "parts-0-problem": "路灯坏了", "parts-0-category_id": 0,
        "parts-1-title": "完善垃圾分类", "parts-1-problem": "", "parts-1-category_id": 0}).get_data(as_text=True)
    assert "Every part needs a title and a problem." in page and 'value="完善垃圾分类"' in page
    assert original.status == Status.SUBMITTED.value
    assert db.session.query(Suggestion).count() == 1


# --- on-behalf intake ------------------------------------------------------------------------------

ON_BEHALF = {
    "channel": "phone", "contact_name": "王建华", "contact_phone": "13912345678",
    "title": "建议在火车站设立青年驿站", "problem": "来衢求职的青年找不到落脚的地方。", "measures": "设立青年驿站。",
    "category_id": 0, "district_id": 0, "display": "masked", "policy_id": 0,
}


def test_on_behalf_intake_hands_out_a_tracking_number_and_keeps_contact_data_private(client, factory, office, auth):
    response = client.post("/office/register", data=ON_BEHALF, headers=EN)
    assert response.status_code == 302
    suggestion = db.session.scalars(select(Suggestion)).one()
    receipt = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert suggestion.tracking_number in receipt and "Give the resident this tracking number" in receipt
    assert suggestion.channel == "phone" and suggestion.registered_by_id == office.id
    assert suggestion.contact_name == "王建华" and suggestion.contact_phone == "13912345678"
    assert suggestion.author_id is None and suggestion.public_author == "王**"
    assert _events(suggestion) == ["registered_on_behalf"]
    staff_page = client.get(f"/office/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "王建华" in staff_page and "13912345678" in staff_page

    client.post(f"/office/suggestions/{suggestion.id}/accept", data={"confirmed": "1"})
    assert suggestion.is_public
    auth.logout()
    public_pages = ["/"]
    for endpoint, args in (("suggestions.detail", {"suggestion_id": suggestion.id}), ("suggestions.index", {}),
                           ("suggestions.track", {})):
        if endpoint in client.application.view_functions:
            with client.application.test_request_context():
                from flask import url_for
                public_pages.append(url_for(endpoint, **args))
    for url in public_pages:
        page = client.get(url).get_data(as_text=True)
        assert "王建华" not in page and "13912345678" not in page, url
    assert suggestion.title in client.get("/").get_data(as_text=True)
    resident = factory.resident()
    auth.login(resident)
    assert client.get(f"/office/suggestions/{suggestion.id}").status_code == 403


def test_on_behalf_intake_links_an_account_by_phone_and_can_use_the_fast_track(client, factory, office):
    resident = factory.resident(login="13912345678")
    fast = DeadlinePolicy(code="fast-track", name="民意速办（10-30-24）", accept_days=1, reply_days=15,
                          acknowledge_minutes=10, callback_minutes=30, first_round_hours=24)
    db.session.add(fast)
    db.session.commit()
    page = client.get("/office/register", headers=EN).get_data(as_text=True)
    assert "民意速办（10-30-24）" in page
    client.post("/office/register", data={**ON_BEHALF, "channel": "in_person", "link_account": "y",
                                          "contact_phone": "139 1234-5678",
                                          "display": "anonymous", "policy_id": fast.id})
    suggestion = db.session.scalars(select(Suggestion)).one()
    assert suggestion.author_id == resident.id and suggestion.show_anonymous and suggestion.public_author is None
    assert suggestion.policy_id == fast.id and suggestion.channel == "in_person"
    assert suggestion.contact_phone == "13912345678"


def test_on_behalf_intake_keeps_what_was_typed_when_something_is_missing(client, factory, office):
    page = client.post("/office/register", data={**ON_BEHALF, "contact_name": "", "contact_phone": "abc"},
                       headers=EN).get_data(as_text=True)
    assert "This field is required." in page and "Enter a phone number of digits only." in page
    assert "建议在火车站设立青年驿站" in page and "来衢求职的青年找不到落脚的地方。" in page
    assert db.session.query(Suggestion).count() == 0
