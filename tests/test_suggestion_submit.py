"""A resident submits a suggestion, gets a tracking number, answers a request for information, withdraws."""
from __future__ import annotations

import re
from datetime import timedelta

from portal.extensions import db
from portal.models import Status, Suggestion, SuggestionEvent, ThemedCall
from portal.services import suggestions as service
from portal.services import workflow
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}
TRACKING = re.compile(r"JY\d{8}[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}")


def _form(category, district=None, **overrides):
    data = {"title": "为来衢求职的青年提供短期租房服务",
            "problem": "外地青年来衢州求职，短期内很难租到合适的房子，押金和租期都不适合。",
            "measures": "由政府统筹房源，推出面向求职青年的短期租房服务。",
            "category": str(category.id), "district": str(district.id) if district else "0", "themed_call": "0"}
    data.update(overrides)
    return data


def test_a_visitor_is_sent_to_log_in_and_comes_back_to_the_form(client, factory):
    resident = factory.resident()
    response = client.get("/suggestions/new")
    assert response.status_code == 302 and "/account/login?next=/suggestions/new" in response.headers["Location"]
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/account/register?next=/suggestions/new" in login_page  # or register, and still come back
    back = client.post("/account/login?next=/suggestions/new",
                       data={"login": resident.login_name, "password": factory.PASSWORD})
    assert back.headers["Location"] == "/suggestions/new"


def test_submitting_gives_a_tracking_number_anyone_can_look_up(client, auth, factory):
    resident = factory.resident(name="王小明")
    category, district = factory.category(), factory.district()
    auth.login(resident)
    response = client.post("/suggestions/new", data=_form(category, district))
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    suggestion = db.session.query(Suggestion).one()
    assert TRACKING.fullmatch(suggestion.tracking_number)
    assert suggestion.tracking_number in confirmation and "your suggestion has been sent" in confirmation
    assert suggestion.status == Status.SUBMITTED.value and suggestion.author_id == resident.id
    assert suggestion.district_id == district.id and suggestion.show_anonymous is False

    auth.logout()
    # Lower case and spaces are forgiven; the page shows status and date, not the unaccepted text.
    typed = suggestion.tracking_number.lower()[:6] + " " + suggestion.tracking_number.lower()[6:]
    page = client.get("/suggestions/track", query_string={"number": typed}, headers=EN).get_data(as_text=True)
    assert "Submitted, awaiting acceptance" in page
    assert "短期租房" not in page and "王" not in page


def test_unknown_tracking_number_says_so(client):
    page = client.get("/suggestions/track?number=JY20990101AAAAAAAA", headers=EN).get_data(as_text=True)
    assert "No suggestion has this tracking number" in page


def test_tracking_numbers_are_unique_even_when_the_random_part_repeats(app, factory):
    existing = factory.suggestion()
    now = utcnow()
    taken = service.new_tracking_number(db.session, now, random_part=lambda: "ABCDEFGH")
    existing.tracking_number = taken
    db.session.commit()
    parts = iter(["ABCDEFGH", "ABCDEFGH", "ZZZZ2222"])
    assert service.new_tracking_number(db.session, now, random_part=lambda: next(parts)) == taken[:-8] + "ZZZZ2222"


def test_invalid_input_keeps_everything_typed(client, auth, factory):
    auth.login(factory.resident())
    category = factory.category()
    data = _form(category, title="短", measures="")
    page = client.post("/suggestions/new", data=data, headers=EN).get_data(as_text=True)
    assert "Please correct the marked fields" in page
    assert "Please write between 4 and 100 characters." in page
    assert "外地青年来衢州求职，短期内很难租到合适的房子" in page and 'value="短"' in page
    assert db.session.query(Suggestion).count() == 0


def test_anonymity_defaults_to_the_profile_choice(client, auth, factory):
    auth.login(factory.resident(anonymous=True))
    page = client.get("/suggestions/new").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*id="anonymous"[^>]*>', page).group(0)
    assert "checked" in checkbox
    client.post("/suggestions/new", data=_form(factory.category(), anonymous="y"))
    assert db.session.query(Suggestion).one().show_anonymous is True


def test_themed_call_can_be_preselected_and_must_be_open(client, auth, factory):
    auth.login(factory.resident())
    category, department = factory.category(), factory.department()
    now = utcnow()
    open_call = ThemedCall(department=department, title="青年人才安居专项征集", description="…",
                           opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))
    closed_call = ThemedCall(department=department, title="去年的征集", description="…",
                             opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=300))
    db.session.add_all([open_call, closed_call])
    db.session.commit()
    page = client.get(f"/suggestions/new?call={open_call.id}").get_data(as_text=True)
    assert f'<option selected value="{open_call.id}">' in page and "去年的征集" not in page
    refused = client.post("/suggestions/new", data=_form(category, themed_call=str(closed_call.id)), headers=EN)
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    client.post("/suggestions/new", data=_form(category, themed_call=str(open_call.id)))
    assert db.session.query(Suggestion).one().themed_call_id == open_call.id


def test_staff_cannot_submit_as_residents(client, auth, factory):
    from portal.models import Role

    auth.login(factory.user(Role.OFFICE_STAFF))
    assert client.get("/suggestions/new").status_code == 403


def test_author_sees_the_request_for_information_and_resubmits(client, auth, factory):
    author = factory.resident()
    suggestion = factory.needs_info_suggestion(author, note="请补充具体是哪个小区。")
    auth.login(author)
    detail = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "请补充具体是哪个小区。" in detail and "asks for more information" in detail
    form = client.get(f"/suggestions/{suggestion.id}/resubmit").get_data(as_text=True)
    assert "请补充具体是哪个小区。" in form and suggestion.title in form
    bad = client.post(f"/suggestions/{suggestion.id}/resubmit",
                      data={"title": suggestion.title, "problem": "太短", "measures": "补充后的对策建议"})
    assert 'aria-invalid="true"' in bad.get_data(as_text=True) and "补充后的对策建议" in bad.get_data(as_text=True)
    response = client.post(f"/suggestions/{suggestion.id}/resubmit", data={
        "title": suggestion.title, "problem": "柯城区荷花街道的外地求职青年，短期租房很难。",
        "measures": "补充后的对策建议：统筹房源。", "note": "已补充小区"})
    assert response.status_code == 302
    db.session.refresh(suggestion)
    assert suggestion.status == Status.SUBMITTED.value and suggestion.problem.startswith("柯城区荷花街道")
    assert suggestion.events[-1].action == "resubmit"


def test_only_the_author_may_resubmit(client, auth, factory):
    suggestion = factory.needs_info_suggestion()
    auth.login(factory.resident())
    # Someone else's unpublished suggestion answers as if it did not exist.
    assert client.get(f"/suggestions/{suggestion.id}/resubmit").status_code == 404
    assert client.post(f"/suggestions/{suggestion.id}/resubmit", data={}).status_code == 404


def test_author_can_withdraw_before_acceptance_only(client, auth, factory):
    author = factory.resident()
    pending = factory.suggestion(author)
    accepted = factory.suggestion(author, status=Status.ACCEPTED)
    auth.login(author)
    client.post(f"/suggestions/{pending.id}/withdraw", data={"confirmed": "1"})
    response = client.post(f"/suggestions/{accepted.id}/withdraw", headers=EN, data={"confirmed": "1"})
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "can be withdrawn only before it is accepted" in page
    db.session.refresh(pending)
    db.session.refresh(accepted)
    assert pending.status == Status.WITHDRAWN.value and accepted.status == Status.ACCEPTED.value
    other = factory.suggestion()  # someone else's, not yet public: as if it did not exist
    assert client.post(f"/suggestions/{other.id}/withdraw").status_code == 404


def test_my_suggestions_lists_status_timeline_and_next_deadline(client, auth, factory):
    author = factory.resident()
    submitted = factory.suggestion(author, title="第一条建议：增设公交站")
    dispatched = factory.suggestion(author, status=Status.DISPATCHED, title="第二条建议：短期租房")
    factory.suggestion(title="别人的建议")
    auth.login(author)
    page = client.get("/suggestions/mine", headers=EN).get_data(as_text=True)
    assert "第一条建议" in page and "第二条建议" in page and "别人的建议" not in page
    assert "Decision on acceptance due" in page and "Reply due" in page
    assert "— Dispatched to the department</li>" in page  # the dispatched one's timeline
    assert submitted.tracking_number in page and dispatched.tracking_number in page


def test_the_submit_service_records_a_private_event(app, factory):
    resident, category = factory.resident(), factory.category()
    suggestion = service.submit(db.session, resident, title="标题标题", problem="问题问题问题问题问题",
                                measures="对策对策对策", category_id=category.id, district_id=None,
                                themed_call_id=None, show_anonymous=False)
    event = db.session.query(SuggestionEvent).one()
    assert event.suggestion_id == suggestion.id and event.action == "submit" and not event.is_public
    assert workflow.can(resident, suggestion, "withdraw")
