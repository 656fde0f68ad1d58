"""No irreversible click without a confirmation that says what will happen: withdraw, decline, send the
reply, publish. The first POST shows the confirmation page and changes nothing; the confirmed POST acts."""
from __future__ import annotations

import html
import re

from portal.extensions import db
from portal.models import DeclineReason, Role, Status

EN = {"Accept-Language": "en"}
REPLY = "经研究，我局采纳您的建议，将于2024年8月推出“有礼租”短期租房服务，面向来衢求职青年。"


def hidden_fields(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def test_withdraw_asks_first_then_withdraws(client, auth, factory):
    author = factory.resident()
    pending = factory.suggestion(author)
    auth.login(author)
    page = client.post(f"/suggestions/{pending.id}/withdraw", headers=EN).get_data(as_text=True)
    assert "Withdraw your suggestion?" in page and "This cannot be undone" in page and pending.title in page
    db.session.refresh(pending)
    assert pending.status == Status.SUBMITTED.value
    assert hidden_fields(page)["confirmed"] == "1"
    client.post(f"/suggestions/{pending.id}/withdraw", data=hidden_fields(page))
    db.session.refresh(pending)
    assert pending.status == Status.WITHDRAWN.value


def test_decline_shows_the_reason_and_message_before_declining(client, auth, factory):
    office = factory.user(Role.OFFICE_STAFF)
    suggestion = factory.suggestion()
    reason = DeclineReason(code="not-a-suggestion", name="属于投诉举报", name_en="A complaint, not a suggestion")
    db.session.add(reason)
    db.session.commit()
    auth.login(office)
    page = client.post(f"/office/suggestions/{suggestion.id}/decline", headers=EN,
                       data={"reason_id": reason.id, "message": "请通过12345热线反映", "note": "内部备注"}).get_data(as_text=True)
    assert "Decline this suggestion?" in page and "A complaint, not a suggestion" in page
    assert "请通过12345热线反映" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.SUBMITTED.value and suggestion.events == []
    # The confirmation carries what was typed, the internal note included.
    fields = hidden_fields(page)
    assert fields["message"] == "请通过12345热线反映" and fields["note"] == "内部备注"
    client.post(f"/office/suggestions/{suggestion.id}/decline", data=fields)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.DECLINED.value and suggestion.decline_reason_id == reason.id


def test_sending_the_reply_and_publishing_each_ask_first(client, auth, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    auth.login(staff)
    url = f"/department/suggestions/{suggestion.id}"
    page = client.post(f"{url}/reply", headers=EN, data={"decision": "adopted", "body": REPLY}).get_data(as_text=True)
    assert "Send this reply?" in page and "cannot be changed or taken back" in page and REPLY in page
    assert "Adopted" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.DISPATCHED.value and suggestion.replies == []
    sent = client.post(f"{url}/reply", headers=EN, data=hidden_fields(page), follow_redirects=True)
    assert "The reply has been sent to the author" in sent.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value and suggestion.replies[0].body == REPLY

    page = client.post(f"{url}/publish", headers=EN).get_data(as_text=True)
    assert "Publish the decision, reply and conversion?" in page and "Publishing cannot be undone" in page
    db.session.refresh(suggestion)
    assert suggestion.published_at is None
    client.post(f"{url}/publish", data=hidden_fields(page))
    db.session.refresh(suggestion)
    assert suggestion.published_at is not None


def test_an_invalid_reply_is_not_confirmed_but_shown_with_its_errors(client, auth, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    auth.login(staff)
    page = client.post(f"/department/suggestions/{suggestion.id}/reply", headers=EN,
                       data={"decision": "adopted", "body": "太短了"}).get_data(as_text=True)
    assert "What will happen" not in page and "The reply must be between" in page


# --- the undo window: a reply not yet published can be taken back for a while -----------------

def _sent_reply(client, auth, factory, housing=None):
    """A reply sent by the housing bureau's staff (signed in here the first time)."""
    if housing is None:
        housing = factory.department("住房和城乡建设局", slug="housing")
        auth.login(factory.user(Role.DEPARTMENT_STAFF, department=housing))
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing)
    sent = client.post(f"/department/suggestions/{suggestion.id}/reply", headers=EN, follow_redirects=True,
                       data={"decision": "not_adopted", "body": REPLY, "confirmed": "1"}).get_data(as_text=True)
    assert "You can take it back until" in sent and "Take the reply back" in sent
    db.session.refresh(suggestion)
    return suggestion, author


def test_a_reply_not_yet_published_can_be_taken_back_and_sent_again(client, auth, factory):
    from sqlalchemy import select

    from portal.models import Notification

    suggestion, author = _sent_reply(client, auth, factory)
    assert suggestion.status == Status.REPLIED.value
    back = client.post(f"/department/suggestions/{suggestion.id}/reply/undo", headers=EN, follow_redirects=True)
    assert "The reply has been taken back" in back.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.DISPATCHED.value and suggestion.replies == []
    assert suggestion.decision is None and suggestion.replied_at is None and suggestion.due_at is not None
    retracted = suggestion.events[-1]
    assert retracted.action == "retract_reply" and REPLY in retracted.note and not retracted.is_public
    assert all(not e.is_public for e in suggestion.events if e.action == "reply")
    kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == author.id)))
    assert kinds[-2:] == ["replied", "reply_retracted"]
    page = client.get(f"/department/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Reply taken back by the department" in page

    again = client.post(f"/department/suggestions/{suggestion.id}/reply", headers=EN, follow_redirects=True,
                        data={"decision": "adopted", "body": REPLY, "confirmed": "1"})
    assert "The reply has been sent to the author" in again.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value and suggestion.decision == "adopted"


def test_the_undo_window_closes_with_time_and_with_publication(client, auth, factory):
    from datetime import timedelta

    suggestion, _author = _sent_reply(client, auth, factory)
    suggestion.replies[0].created_at -= timedelta(minutes=16)
    db.session.commit()
    page = client.get(f"/department/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Take the reply back" not in page
    late = client.post(f"/department/suggestions/{suggestion.id}/reply/undo", headers=EN, follow_redirects=True)
    assert "can no longer be taken back" in late.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value and len(suggestion.replies) == 1

    fresh, _author = _sent_reply(client, auth, factory, housing=suggestion.lead_department)
    client.post(f"/department/suggestions/{fresh.id}/publish", data={"confirmed": "1"})
    published = client.post(f"/department/suggestions/{fresh.id}/reply/undo", headers=EN, follow_redirects=True)
    assert "can no longer be taken back" in published.get_data(as_text=True)
    db.session.refresh(fresh)
    assert fresh.status == Status.REPLIED.value and fresh.published_at is not None


def test_the_review_answer_asks_first_and_says_a_second_review_is_final(client, auth, factory):
    office = factory.user(Role.OFFICE_STAFF)
    suggestion = factory.reviewed_suggestion()
    from portal.services import workflow

    workflow.apply_transition(db.session, suggestion, "request_second_review", suggestion.author)
    db.session.commit()
    auth.login(office)
    page = client.post(f"/office/suggestions/{suggestion.id}/review", headers=EN,
                       data={"body": "复核维持复查意见。", "decision": ""}).get_data(as_text=True)
    assert "Send this second-review answer?" in page and "closed and final" in page and "复核维持复查意见。" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.IN_SECOND_REVIEW.value
    client.post(f"/office/suggestions/{suggestion.id}/review", data=hidden_fields(page))
    db.session.refresh(suggestion)
    assert suggestion.status == Status.CLOSED.value


def test_marking_a_duplicate_names_the_target_and_asks_first(client, auth, factory):
    office = factory.user(Role.OFFICE_STAFF)
    target = factory.suggestion(status=Status.ACCEPTED, title="为求职青年提供短期租房")
    duplicate = factory.suggestion(status=Status.ACCEPTED, title="外地青年租房难")
    auth.login(office)
    page = client.post(f"/office/suggestions/{duplicate.id}/duplicate", headers=EN,
                       data={"target": target.tracking_number, "note": "同一诉求"}).get_data(as_text=True)
    assert "Mark this suggestion as a duplicate?" in page and "为求职青年提供短期租房" in page
    assert "the supports cannot be moved back" in page
    db.session.refresh(duplicate)
    assert duplicate.status == Status.ACCEPTED.value
    fields = hidden_fields(page)
    assert fields["target"] == target.tracking_number and fields["note"] == "同一诉求"
    client.post(f"/office/suggestions/{duplicate.id}/duplicate", data=fields)
    db.session.refresh(duplicate)
    assert duplicate.status == Status.DUPLICATE.value and duplicate.duplicate_of_id == target.id


# --- accept, split, extensions, dispute and review requests ask first too ----------------------------

def test_accepting_says_it_goes_public_and_the_reply_clock_starts_then_accepts(client, auth, factory):
    author = factory.resident()
    suggestion = factory.suggestion(author)
    auth.login(factory.user(Role.OFFICE_STAFF))
    page = client.post(f"/office/suggestions/{suggestion.id}/accept", headers=EN,
                       data={"note": "符合受理条件", "public_note": "已受理，将尽快交办。"}).get_data(as_text=True)
    assert "Accept this suggestion?" in page
    assert "It becomes public on the portal, with personal data masked, and the author is told it was accepted." in page
    assert "The time limit for the reply starts now" in page and "can no longer be declined or split" in page
    assert "Note on the public timeline" in page and "已受理，将尽快交办。" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.SUBMITTED.value and not suggestion.is_public
    fields = hidden_fields(page)
    assert fields["note"] == "符合受理条件" and fields["confirmed"] == "1"
    done = client.post(f"/office/suggestions/{suggestion.id}/accept", headers=EN, data=fields, follow_redirects=True)
    assert "Accepted. The author has been told" in done.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.ACCEPTED.value and suggestion.is_public


def test_splitting_names_the_parts_and_asks_first(client, auth, factory):
    from portal.models import Suggestion

    original = factory.suggestion(title="小区路灯和垃圾分类两件事")
    auth.login(factory.user(Role.OFFICE_STAFF))
    typed = {"parts-0-title": "修复小区路灯", "parts-0-problem": "路灯坏了两周", "parts-0-category_id": 0,
             "parts-1-title": "完善垃圾分类", "parts-1-problem": "分类桶不够", "parts-1-category_id": 0}
    page = client.post(f"/office/suggestions/{original.id}/split", headers=EN, data=typed).get_data(as_text=True)
    assert "Split this submission into 2 suggestions?" in page
    assert "its own tracking number" in page and "closed as split" in page and "This cannot be undone." in page
    assert "Part 1" in page and "修复小区路灯" in page and "Part 2" in page and "完善垃圾分类" in page
    db.session.refresh(original)
    assert original.status == Status.SUBMITTED.value and db.session.query(Suggestion).count() == 1
    fields = hidden_fields(page)
    assert fields["parts-1-problem"] == "分类桶不够"
    client.post(f"/office/suggestions/{original.id}/split", data=fields)
    db.session.refresh(original)
    assert original.status == Status.SPLIT.value
    assert {s.title for s in db.session.query(Suggestion).filter_by(split_from_id=original.id)} == \
        {"修复小区路灯", "完善垃圾分类"}


def _accepted_on_3_march(suggestion):
    """Accepted on 3 March 2025 (Beijing time): with the statutory 60 days the reply is due on 2 May."""
    from datetime import datetime, timezone

    suggestion.accepted_at = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    db.session.commit()


def test_requesting_an_extension_gives_the_new_due_date_and_asks_first(client, auth, factory):
    from portal.models import ExtensionRequest

    housing = factory.department("住房和城乡建设局", slug="housing")
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    _accepted_on_3_march(suggestion)
    auth.login(factory.department_staff(housing))
    url = f"/department/suggestions/{suggestion.id}/extension"
    page = client.post(url, headers=EN, data={"days": "20", "reason": "需要协调多个部门统筹房源"}).get_data(as_text=True)
    assert "Ask the office for 20 more days?" in page
    assert "if it approves, the reply is due on 5/22/25, 11:59" in page
    assert "this request cannot be changed or withdrawn once sent" in page and "需要协调多个部门统筹房源" in page
    assert db.session.query(ExtensionRequest).count() == 0
    client.post(url, data=hidden_fields(page))
    request = db.session.query(ExtensionRequest).one()
    assert (request.days, request.state, request.reason) == (20, "pending", "需要协调多个部门统筹房源")


def test_the_office_confirms_approving_or_refusing_an_extension(client, auth, factory):
    from portal.services import intake
    from portal.timeutil import utcnow

    housing = factory.department("住房和城乡建设局", slug="housing")
    first = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    second = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    staff = factory.department_staff(housing)
    for suggestion in (first, second):
        _accepted_on_3_march(suggestion)
    approve = intake.request_extension(db.session, first, staff, 20, "需要协调房源", utcnow())
    refuse = intake.request_extension(db.session, second, staff, 10, "需要协调房源", utcnow())
    db.session.commit()
    auth.login(factory.user(Role.OFFICE_STAFF))

    page = client.post(f"/office/extensions/{approve.id}", headers=EN,
                       data={"decision": "approve", "note": "同意"}).get_data(as_text=True)
    assert "Approve 20 more days?" in page
    assert "gets 20 more days: its reply is then due on 5/22/25, 11:59" in page
    assert "No further extension can be requested" in page and "the decision cannot be changed" in page
    db.session.refresh(approve)
    assert approve.state == "pending"
    client.post(f"/office/extensions/{approve.id}", data=hidden_fields(page))
    db.session.refresh(approve)
    db.session.refresh(first)
    assert approve.state == "approved" and first.extension_days == 20

    page = client.post(f"/office/extensions/{refuse.id}", headers=EN,
                       data={"decision": "refuse", "note": "理由不充分"}).get_data(as_text=True)
    assert "Refuse the extension?" in page and "The reply stays due on 5/2/25, 11:59" in page
    assert "理由不充分" in page
    db.session.refresh(refuse)
    assert refuse.state == "pending"
    client.post(f"/office/extensions/{refuse.id}", data=hidden_fields(page))
    db.session.refresh(refuse)
    assert refuse.state == "refused" and refuse.decision_note == "理由不充分"


def test_disputing_a_dispatch_says_the_suggestion_goes_back_and_asks_first(client, auth, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    auth.login(factory.department_staff(housing))
    url = f"/department/suggestions/{suggestion.id}/dispute"
    page = client.post(url, headers=EN, data={"reason": "租赁住房供给属于人社部门"}).get_data(as_text=True)
    assert "Send this suggestion back to the office?" in page
    assert "Your department stops handling it" in page and "dispatches it again" in page
    assert "A dispute cannot be withdrawn once sent." in page and "租赁住房供给属于人社部门" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.DISPATCHED.value and suggestion.lead_department_id == housing.id
    client.post(url, data=hidden_fields(page))
    db.session.refresh(suggestion)
    assert suggestion.status == Status.ACCEPTED.value and suggestion.lead_department_id is None


def test_requesting_a_review_says_when_the_answer_comes_and_that_the_reason_is_public(client, auth, factory):
    from portal.services import suggestions as suggestion_service

    author = factory.resident()
    suggestion = factory.replied_suggestion(author)
    suggestion_service.rate(db.session, suggestion, author, "dissatisfied")
    db.session.commit()
    auth.login(author)
    url = f"/suggestions/{suggestion.id}/review"
    page = client.post(url, headers=EN, data={"reason": "答复没有回应我提出的租期问题。"}).get_data(as_text=True)
    page = html.unescape(page)
    assert "Request a review?" in page
    assert "The suggestion office examines the department's answer and answers you within 30 days." in page
    assert "Your reason is shown on the suggestion's public page" in page and "答复没有回应我提出的租期问题。" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value
    done = client.post(url, headers=EN, data=hidden_fields(page), follow_redirects=True)
    assert "Your request for a review has been sent." in done.get_data(as_text=True)
    db.session.refresh(suggestion)
    assert suggestion.status == Status.IN_REVIEW.value
