"""Hearings through the web forms: scheduling, joint selection, observers, conclusion, feeds, verification."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Hearing, HearingObserver, Notification, Role, Status, SuggestionEvent,
)
from portal.services import hearing_selection
from portal.services import hearings as hearings_service
from portal.timeutil import LOCAL_TZ, utcnow

EN = {"Accept-Language": "en"}
AUTHORITY_SECRET = "authority-secret-kept-in-the-safe-2026"
RESIDENT_SECRET = "我的秘密口令：衢州有礼租2026"


@pytest.fixture
def people(factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    author = factory.resident(name="李明")
    suggestion = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing)
    authority = factory.user(Role.HEARING_AUTHORITY, name="孙立")
    return {"housing": housing, "author": author, "suggestion": suggestion, "authority": authority}


def local_input(moment):
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def schedule_form(tracking_number, department_id, starts_at, **overrides):
    data = {
        "tracking_number": tracking_number, "subject": "关于青年短期租房服务的听证", "department_id": department_id,
        "starts_at": local_input(starts_at), "duration_minutes": "120", "venue": "衢州市信访局听证室（府山街道）",
        "is_public": "y", "closed_reason": "", "panel_size": "3", "strikes_per_side": "1", "observer_seats": "2",
        "registration_closes_at": local_input(starts_at - timedelta(days=1)),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def act(client, url, step, **fields):
    data = {"step": step}
    prefix = {"commit": "c-", "reveal": "r-", "strikes": "s-"}[step]
    for name, value in fields.items():
        data[name if name in ("strike",) or name.startswith("reason-") else prefix + name] = value
    return client.post(url, data=data, headers=EN, follow_redirects=True)


def test_hearing_from_scheduling_through_joint_selection_to_conclusion(client, auth, factory, people, runner):
    pool = factory.member_pool(7)
    auth.login(people["authority"])
    # The authority adds a member through the form, then schedules the hearing.
    page = client.post("/hearing-admin/members/new", data={
        "name": "钱教授", "kind": "expert", "organisation": "衢州学院", "department_id": "0",
        "term_start": "2025-01-01", "term_end": "2030-12-31", "conflicts": "", "active": "y",
        "phone": "13700001111", "email": "qian@example.cn"}, headers=EN, follow_redirects=True)
    assert "钱教授" in page.get_data(as_text=True)
    starts_at = (utcnow() + timedelta(days=10)).replace(second=0, microsecond=0)
    page = client.post("/hearing-admin/new", data=schedule_form(
        people["suggestion"].tracking_number, people["housing"].id, starts_at), headers=EN, follow_redirects=True)
    assert "The hearing is scheduled and its notice published." in page.get_data(as_text=True)
    hearing = db.session.scalar(select(Hearing))
    assert hearing.starts_at == starts_at  # typed as Beijing time, stored as the same instant in UTC
    assert db.session.scalar(select(SuggestionEvent).where(SuggestionEvent.action == "hearing_scheduled"))

    page = client.post(f"/hearing-admin/{hearing.id}/freeze", data={"f-step_hours": "24"}, headers=EN,
                       follow_redirects=True)
    assert "The pool is frozen" in page.get_data(as_text=True)
    assert hearing.pool_hash and len(hearing_selection.record_of(hearing).pool) == 8

    admin_url, resident_url = f"/hearing-admin/{hearing.id}/selection", f"/hearings/{hearing.id}/selection"
    page = act(client, admin_url, "commit", secret=AUTHORITY_SECRET)
    assert "Your commitment is published" in page.get_data(as_text=True)
    auth.logout()

    auth.login(people["author"])
    page = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "Your turn: take part in choosing the hearing members" in page
    page = client.get(resident_url, headers=EN).get_data(as_text=True)
    assert "sealed envelope" in page and 'name="c-secret"' in page
    page = act(client, resident_url, "commit", secret=RESIDENT_SECRET).get_data(as_text=True)
    assert "Your commitment is published" in page
    # A commitment cannot be changed.
    page = act(client, resident_url, "commit", secret="another-secret-chosen-later").get_data(as_text=True)
    assert "cannot be changed" in page
    assert len(hearing_selection.record_of(hearing).commitments) == 2
    auth.logout()

    auth.login(people["authority"])
    act(client, admin_url, "reveal", secret=AUTHORITY_SECRET)
    auth.logout()
    auth.login(people["author"])
    page = act(client, resident_url, "reveal", secret=RESIDENT_SECRET).get_data(as_text=True)
    assert "matches your commitment" in page
    auth.logout()

    shortlist = hearing_selection.current_phase(hearing, utcnow()).shortlist
    assert len(shortlist) == 5
    auth.login(people["authority"])
    page = act(client, admin_url, "strikes", strike=shortlist[0], **{f"reason-{shortlist[0]}": ""}).get_data(
        as_text=True)
    assert "Every strike needs a reason." in page
    act(client, admin_url, "strikes", strike=shortlist[0], **{f"reason-{shortlist[0]}": "曾在住建局任职"})
    auth.logout()
    auth.login(people["author"])
    act(client, resident_url, "strikes", strike=shortlist[1], **{f"reason-{shortlist[1]}": "曾代理对方案件"})
    auth.logout()

    db.session.refresh(hearing)
    panel = [str(seat.member_id) for seat in hearing.seats]
    assert panel == list(shortlist[2:5])
    public = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    for seat in hearing.seats:
        assert seat.member.name in public
    assert verify(runner, hearing).exit_code == 0

    # A member withdraws: the next unused, unstruck name in the draw order takes the seat.
    auth.login(people["authority"])
    order = hearing_selection.record_of(hearing).outcome.order
    withdrawn = hearing.seats[1].member_id
    page = client.post(f"/hearing-admin/{hearing.id}/withdrawal",
                       data={"w-member_id": str(withdrawn), "w-reason": "因病无法出席"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "the next name in the draw order takes the seat" in page
    db.session.refresh(hearing)
    assert [str(s.member_id) for s in hearing.seats] == [panel[0], order[5], panel[2]]
    audit = client.get(f"/hearings/{hearing.id}/audit", headers=EN).get_data(as_text=True)
    actions_hash = hearing_selection.record_of(hearing).outcome.actions_hash
    for text in ("曾在住建局任职", "曾代理对方案件", "因病无法出席", hearing.pool_hash, AUTHORITY_SECRET,
                 "the published panel follows from the published inputs", actions_hash):
        assert text in audit
    assert verify(runner, hearing).exit_code == 0

    # The hearing takes place (time moves on), then the authority publishes the conclusion.
    hearing.starts_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    page = client.post(f"/hearing-admin/{hearing.id}/conclude", data={"k-conclusion": "听证员一致认为：应扩大房源。"},
                       headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "The conclusion is published." in page
    auth.logout()
    public = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "听证员一致认为：应扩大房源。" in public and "Concluded" in public
    event = db.session.scalar(select(SuggestionEvent).where(SuggestionEvent.action == "hearing_concluded"))
    assert event is not None and event.suggestion_id == people["suggestion"].id and event.is_public


def run_selection(hearing, *, strikes=True):
    """Both sides act through the services, in order (the web forms are walked in the test above)."""
    from portal.timeutil import utcnow as now

    session = db.session
    hearing_selection.commit(session, hearing, "authority", now(), secret=AUTHORITY_SECRET)
    hearing_selection.commit(session, hearing, "resident", now(), secret=RESIDENT_SECRET)
    hearing_selection.reveal(session, hearing, "authority", AUTHORITY_SECRET, now())
    hearing_selection.reveal(session, hearing, "resident", RESIDENT_SECRET, now())
    shortlist = hearing_selection.current_phase(hearing, now()).shortlist
    hearing_selection.strike(session, hearing, "authority", [(shortlist[0], "同事关系")] if strikes else [], now())
    hearing_selection.strike(session, hearing, "resident", [(shortlist[1], "曾处理本案")] if strikes else [], now())
    session.commit()
    return hearing


def verify(runner, hearing):
    return runner.invoke(args=["hearings", "verify", str(hearing.id)])


@pytest.fixture
def selected(factory, people):
    factory.member_pool(8)
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    hearing_selection.freeze(db.session, hearing, utcnow())
    db.session.commit()
    return run_selection(hearing)


def tamper(hearing, change):
    data = json.loads(hearing.selection_json)
    change(data)
    hearing.selection_json = json.dumps(data, ensure_ascii=False)
    db.session.commit()


@pytest.mark.parametrize("what, change", [
    ("pool", lambda d: d["pool"][0].update(name="冒名顶替")),
    ("commitment", lambda d: d["commitments"][1].update(commitment="0" * 64)),
    ("secret", lambda d: d["reveals"][0].update(secret=d["reveals"][0]["secret"] + "x")),
    ("strike", lambda d: d["strikes"][0]["strikes"][0].update(member_id=d["outcome"]["shortlist"][3])),
    ("panel", lambda d: d["outcome"].update(final_panel=list(reversed(d["outcome"]["final_panel"])))),
    ("seed", lambda d: d["outcome"].update(seed="f" * 64)),
])
def test_verifier_rejects_tampered_inputs(runner, selected, what, change):
    assert verify(runner, selected).exit_code == 0
    tamper(selected, change)
    result = verify(runner, selected)
    assert result.exit_code == 1, (what, result.output)
    assert "cannot be confirmed" in result.output


def edit_reason(items):
    def change(d):
        item = d[items][0]
        (item["strikes"][0] if items == "strikes" else item)["reason"] = "事后改写的理由"
    return change


def edit_reason_and_drop_the_hash(d):
    edit_reason("withdrawals")(d)
    del d["outcome"]["actions_hash"]


@pytest.mark.parametrize("what, change, code", [
    ("strike reason", edit_reason("strikes"), "actions_hash_mismatch"),
    ("withdrawal reason", edit_reason("withdrawals"), "actions_hash_mismatch"),
    ("withdrawal reason, actions hash removed", edit_reason_and_drop_the_hash, "actions_hash_missing"),
])
def test_verifier_rejects_an_edited_reason(runner, client, selected, what, change, code):
    """A reason decides no seat, but it is part of the public record: editing it later must show."""
    hearing_selection.withdraw(db.session, selected, selected.seats[0].member_id, "因病无法出席", utcnow())
    db.session.commit()
    assert verify(runner, selected).exit_code == 0
    tamper(selected, change)
    result = verify(runner, selected)
    assert result.exit_code == 1, (what, result.output)
    assert code in result.output and "cannot be confirmed" in result.output
    page = client.get(f"/hearings/{selected.id}/audit", headers=EN).get_data(as_text=True)
    # The page names the problem in words (labels.SELECTION_PROBLEM); the CLI above gives the code.
    in_words = {"actions_hash_mismatch": "The hash of the actions differs from the recomputed one",
                "actions_hash_missing": "The record has no hash of its actions"}[code]
    assert "the published record does NOT verify" in page and in_words in page and "事后改写的理由" in page


def test_verifier_rejects_a_panel_shown_differently_from_the_record(runner, selected, factory):
    outsider = factory.hearing_member("顶替者", "other")
    selected.seats[0].member_id = outsider.id
    db.session.commit()
    result = verify(runner, selected)
    assert result.exit_code == 1 and "portal_panel_mismatch" in result.output


def test_verify_and_list_commands(runner, selected, factory, people):
    unfinished = factory.hearing(people["suggestion"], authority=people["authority"], days_ahead=20)
    assert verify(runner, unfinished).exit_code == 1
    assert runner.invoke(args=["hearings", "verify", "999"]).exit_code == 2
    lines = runner.invoke(args=["hearings", "list"]).output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(selected.id), str(unfinished.id)]
    when = selected.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    assert lines[0].split("\t")[1:3] == [when, "scheduled"]


def test_the_downloaded_record_verifies_with_the_standalone_tool(client, selected, tmp_path):
    from panel_selection.__main__ import main

    response = client.get(f"/hearings/{selected.id}/selection.json")
    assert response.mimetype == "application/json"
    path = tmp_path / "record.json"
    path.write_bytes(response.data)
    assert main(["verify", str(path)]) == 0


def test_no_reveal_before_both_committed_and_the_resident_commits_second(client, auth, factory, people):
    factory.member_pool(6)
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    hearing_selection.freeze(db.session, hearing, utcnow())
    db.session.commit()
    url = f"/hearings/{hearing.id}/selection"
    auth.login(people["author"])
    page = act(client, url, "commit", commitment="a" * 64).get_data(as_text=True)
    assert "The resident commits after the hearing authority has committed" in page
    page = act(client, url, "reveal", secret=RESIDENT_SECRET).get_data(as_text=True)
    assert "Nobody can reveal before both sides have committed" in page
    auth.logout()
    auth.login(people["authority"])
    act(client, f"/hearing-admin/{hearing.id}/selection", "commit", secret=AUTHORITY_SECRET)
    page = act(client, f"/hearing-admin/{hearing.id}/selection", "reveal", secret=AUTHORITY_SECRET)
    assert "Nobody can reveal before both sides have committed" in page.get_data(as_text=True)
    page = act(client, f"/hearing-admin/{hearing.id}/selection", "commit", secret="a-new-secret-after-all-123")
    assert "cannot be changed" in page.get_data(as_text=True)
    record = hearing_selection.record_of(hearing)
    assert len(record.commitments) == 1 and record.reveals == ()


def test_a_short_secret_is_refused_and_the_resident_may_bring_their_own_commitment(client, auth, factory, people):
    factory.member_pool(6)
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    hearing_selection.freeze(db.session, hearing, utcnow())
    hearing_selection.commit(db.session, hearing, "authority", utcnow(), secret=AUTHORITY_SECRET)
    db.session.commit()
    auth.login(people["author"])
    url = f"/hearings/{hearing.id}/selection"
    page = act(client, url, "commit", secret="short").get_data(as_text=True)
    assert "A secret has 16 to 256 characters" in page and 'value="short"' in page
    # Computed on the resident's own device: the portal never sees the secret before the reveal.
    own = hearing_selection.record_of(hearing).commitment_for("resident", RESIDENT_SECRET)
    act(client, url, "commit", secret="", commitment=own)
    assert hearing_selection.record_of(hearing).commitments[1].commitment == own


def test_only_the_author_acts_for_the_resident_side(client, auth, factory, people):
    factory.member_pool(6)
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    auth.login(factory.resident(name="王芳"))
    assert client.get(f"/hearings/{hearing.id}/selection").status_code == 403
    assert client.post(f"/hearings/{hearing.id}/selection", data={"step": "commit"}).status_code == 403


def test_a_panel_final_by_deadline_is_shown_at_once_and_stored_by_the_sync_job(client, auth, factory, people,
                                                                              runner):
    factory.member_pool(6)
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    # Frozen ten hours ago with one hour per step: every deadline has passed, nobody acted but the authority.
    frozen = utcnow() - timedelta(hours=10)
    hearing_selection.freeze(db.session, hearing, frozen, timedelta(hours=1))
    hearing_selection.commit(db.session, hearing, "authority", frozen + timedelta(minutes=5), secret=AUTHORITY_SECRET)
    db.session.commit()
    stored = hearing.selection_json
    page = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    audit = client.get(f"/hearings/{hearing.id}/audit", headers=EN).get_data(as_text=True)
    assert "did not commit in time" in audit and "did not reveal in time" in audit
    download = client.get(f"/hearings/{hearing.id}/selection.json").get_json()
    assert len(download["outcome"]["final_panel"]) == 3
    auth.login(people["authority"])
    manage = client.get(f"/hearing-admin/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "Panel final" in client.get("/hearing-admin/", headers=EN).get_data(as_text=True)
    # Shown at once, but no GET wrote anything: the job (or the next action) stores the outcome.
    db.session.expire_all()
    assert hearing.seats == [] and hearing.selection_json == stored and hearing.selection_final_at is None
    result = runner.invoke(args=["hearings", "sync"])
    assert result.exit_code == 0 and "1 selection(s) updated" in result.output
    db.session.expire_all()
    assert [str(seat.member_id) for seat in hearing.seats] == download["outcome"]["final_panel"]
    for seat in hearing.seats:
        assert seat.member.name in page and seat.member.name in manage
    assert hearing_selection.verify_stored(hearing).ok
    assert "0 selection(s) updated" in runner.invoke(args=["hearings", "sync"]).output


def test_notice_shorter_than_seven_days_is_refused(client, auth, people):
    auth.login(people["authority"])
    starts_at = utcnow() + timedelta(days=6)
    page = client.post("/hearing-admin/new", data=schedule_form(
        people["suggestion"].tracking_number, people["housing"].id, starts_at), headers=EN)
    text = page.get_data(as_text=True)
    assert "at least 7 days before the hearing" in text
    assert "衢州市信访局听证室（府山街道）" in text  # what was typed is kept
    assert db.session.scalar(select(Hearing)) is None
    zh = client.post("/hearing-admin/new", data=schedule_form(
        people["suggestion"].tracking_number, people["housing"].id, starts_at),
        headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "至少提前7天" in zh


def test_postponement_needs_fresh_notice_and_is_shown(client, auth, factory, people):
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    auth.login(people["authority"])
    too_soon = utcnow() + timedelta(days=5)
    page = client.post(f"/hearing-admin/{hearing.id}/postpone", data={
        "p-new_starts_at": local_input(too_soon), "p-reason": "场地维修"}, headers=EN).get_data(as_text=True)
    assert "at least 7 days" in page
    later = (utcnow() + timedelta(days=21)).replace(second=0, microsecond=0)
    client.post(f"/hearing-admin/{hearing.id}/postpone", data={
        "p-new_starts_at": local_input(later), "p-reason": "场地维修"}, headers=EN)
    db.session.refresh(hearing)
    assert hearing.starts_at == later and hearing.status == "postponed" and hearing.sequence == 1
    page = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "场地维修" in page and "Postponed" in page


def test_closed_hearing_shows_only_date_subject_and_status(client, auth, factory, people):
    hearing = factory.hearing(people["suggestion"], authority=people["authority"], is_public=False,
                              closed_reason="涉及当事人隐私")
    factory.member_pool(6)
    hearing_selection.freeze(db.session, hearing, utcnow())
    db.session.commit()
    for url in (f"/hearings/{hearing.id}", "/hearings/", f"/hearings/{hearing.id}/hearing.ics"):
        text = client.get(url, headers=EN).get_data(as_text=True)
        assert "关于青年短期租房服务的听证" in text
        assert "衢州市信访局听证室" not in text and "涉及当事人隐私" not in text and "听证员01" not in text
    assert client.get(f"/hearings/{hearing.id}/audit").status_code == 404
    assert client.get(f"/hearings/{hearing.id}/selection.json").status_code == 404
    assert "关于青年短期租房服务的听证" not in client.get("/hearings/calendar.ics").get_data(as_text=True)
    auth.login(people["author"])
    assert "涉及当事人隐私" in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert client.get(f"/hearings/{hearing.id}/audit").status_code == 200


def test_icalendar_feeds_and_a_cancellation(client, auth, factory, people):
    hearing = factory.hearing(people["suggestion"], authority=people["authority"])
    page = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert f'<link rel="alternate" type="text/calendar" title="' in page
    assert f'href="/hearings/{hearing.id}/hearing.ics"' in page

    def event(url):
        response = client.get(url)
        assert response.mimetype == "text/calendar"
        calendar = Calendar.from_ical(response.data)
        assert calendar["VERSION"] == "2.0" and calendar.walk("VTIMEZONE")
        (found,) = [e for e in calendar.walk("VEVENT") if e["UID"] == f"hearing-{hearing.id}@people-suggestion-portal"]
        return found

    first = event(f"/hearings/{hearing.id}/hearing.ics")
    start = first.decoded("DTSTART")
    assert str(start.tzinfo) == "Asia/Shanghai" and first["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert start == hearing.starts_at and start.utcoffset() == timedelta(hours=8)
    assert first.decoded("DTSTAMP") and first["LOCATION"] == "衢州市信访局听证室"
    assert int(first["SEQUENCE"]) == 0 and first["STATUS"] == "CONFIRMED"
    assert event("/hearings/calendar.ics")["SUMMARY"] == hearing.subject

    auth.login(people["authority"])
    client.post(f"/hearing-admin/{hearing.id}/cancel", data={"x-reason": "信访人撤回复查申请"})
    auth.logout()
    cancelled = event("/hearings/calendar.ics")
    assert cancelled["STATUS"] == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    assert event(f"/hearings/{hearing.id}/hearing.ics")["STATUS"] == "CANCELLED"
    page = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "信访人撤回复查申请" in page and "Cancelled" in page


def test_observers_waiting_list_and_closing(client, auth, factory, people, caplog):
    caplog.set_level("INFO", logger="portal.mail")
    hearing = factory.hearing(people["suggestion"], authority=people["authority"], observer_seats=2)
    residents = [factory.resident(name=name) for name in ("张伟", "王静", "刘强", "陈丽", "杨帆")]
    phones = {}
    for person in residents[:4]:
        auth.login(person)
        page = client.post(f"/hearings/{hearing.id}/observers", headers=EN, follow_redirects=True)
        phones[person.display_name] = person.login_name
        auth.logout()
    states = {o.user.display_name: o.state for o in db.session.scalars(select(HearingObserver))}
    assert states == {"张伟": "confirmed", "王静": "confirmed", "刘强": "waiting", "陈丽": "waiting"}
    assert "you are on the waiting list" in page.get_data(as_text=True)

    auth.login(residents[0])
    page = client.post(f"/hearings/{hearing.id}/observers/cancel", headers=EN, follow_redirects=True)
    assert "Your registration is cancelled." in page.get_data(as_text=True)
    auth.logout()
    states = {o.user.display_name: o.state for o in db.session.scalars(select(HearingObserver))}
    assert states["刘强"] == "confirmed" and states["陈丽"] == "waiting"  # first come, first served
    notice = db.session.scalar(select(Notification).where(Notification.user_id == residents[2].id,
                                                          Notification.kind == "hearing_observer_promoted"))
    assert notice is not None
    mails = [r.getMessage() for r in caplog.records if r.name == "portal.mail"]
    assert any(residents[2].email in m and hearing.reference in m for m in mails)
    auth.login(residents[2])
    page = client.get(f"/hearings/{hearing.id}", headers=EN).get_data(as_text=True)
    assert "Seat confirmed" in page and "given to you from the waiting list" in page
    auth.logout()

    # Registration closes at the set time.
    hearing.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    auth.login(residents[4])
    page = client.post(f"/hearings/{hearing.id}/observers", headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "Observer registration for this hearing is closed." in page
    assert db.session.scalar(select(HearingObserver).where(HearingObserver.user_id == residents[4].id)) is None
    auth.logout()

    # The authority prints the list with contact details; the public never sees them.
    auth.login(people["authority"])
    printed = client.get(f"/hearing-admin/{hearing.id}/observers").get_data(as_text=True)
    assert "王静" in printed and "刘强" in printed and phones["王静"] in printed and "张伟" not in printed
    auth.logout()
    for url in (f"/hearings/{hearing.id}", "/hearings/", "/hearings/calendar.ics", f"/hearings/{hearing.id}/hearing.ics"):
        text = client.get(url).get_data(as_text=True)
        for name, login in phones.items():
            assert name not in text and login not in text


def test_no_member_contact_data_on_public_pages_or_feeds(client, selected):
    members = [seat.member for seat in selected.seats]
    urls = [f"/hearings/{selected.id}", f"/hearings/{selected.id}/audit", f"/hearings/{selected.id}/selection.json",
            "/hearings/", "/hearings/calendar.ics", f"/hearings/{selected.id}/hearing.ics"]
    pages = {url: client.get(url).get_data(as_text=True) for url in urls}
    assert members[0].name in pages[f"/hearings/{selected.id}"]
    for url, text in pages.items():
        for member in members:
            assert member.phone not in text and member.email not in text and member.organisation not in text, url


def test_eligibility_excludes_affiliated_expired_inactive_and_busy_members(factory, people):
    affiliated = factory.hearing_member("住建局退休干部", "other", department=people["housing"])
    expired = factory.hearing_member("任期已满", "deputy", term_end=utcnow().date() - timedelta(days=30))
    inactive = factory.hearing_member("暂停履职", "cppcc", active=False)
    factory.member_pool(6)
    first = factory.hearing(people["suggestion"], authority=people["authority"])
    hearing_selection.freeze(db.session, first, utcnow())
    db.session.commit()
    run_selection(first)
    same_day = factory.hearing(people["suggestion"], authority=people["authority"])
    reasons = {e.member.name: e.reasons for e in hearing_selection.eligibility(db.session, same_day)}
    assert reasons[affiliated.name] == ["affiliated_with_involved_department"]
    assert reasons[expired.name] == ["term_ended"] and reasons[inactive.name] == ["inactive"]
    for seat in first.seats:
        assert reasons[seat.member.name] == ["on_another_hearing"]


def test_office_sees_the_conclusion_for_its_review(client, auth, factory, people, selected):
    selected.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.login(people["authority"])
    client.post(f"/hearing-admin/{selected.id}/conclude", data={"k-conclusion": "建议复查维持原答复。"})
    auth.logout()
    auth.login(factory.user(Role.OFFICE_STAFF, name="刘洋"))
    page = client.get(f"/hearings/for-suggestion/{people['suggestion'].id}").get_data(as_text=True)
    assert "建议复查维持原答复。" in page and f"/hearings/{selected.id}" in page


def test_demo_hearings_are_idempotent_and_verifiable(runner, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    items = db.session.scalars(select(Hearing).order_by(Hearing.starts_at)).all()
    assert [h.status for h in items] == ["concluded", "scheduled"]
    past, upcoming = items
    assert verify(runner, past).exit_code == 0
    assert upcoming.starts_at - utcnow() >= timedelta(days=7)
    assert hearing_selection.current_phase(upcoming, utcnow()).name == "resident_commit"
    page = client.get(f"/hearings/{past.id}/audit", headers=EN).get_data(as_text=True)
    assert "出差无法出席" in page and "the published panel follows from the published inputs" in page


def test_the_office_review_answer_shows_the_hearing_conclusion(client, auth, factory):
    from portal.models import Reply
    from portal.services import workflow

    housing = factory.department("住房和城乡建设局")
    office = factory.user(Role.OFFICE_STAFF, name="刘洋")
    staff = factory.user(Role.DEPARTMENT_STAFF, department=housing)
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing, office=office)
    workflow.apply_transition(db.session, suggestion, "reply", staff)
    db.session.add(Reply(suggestion=suggestion, kind="reply", decision="not_adopted", body="暂不具备条件。",
                         department_id=housing.id, author_id=staff.id))
    workflow.apply_transition(db.session, suggestion, "request_review", author, "答复没有回应我的建议")
    db.session.commit()
    hearing = factory.hearing(suggestion)
    hearing.starts_at = utcnow() - timedelta(hours=2)
    hearings_service.conclude(db.session, hearing, "听证认为应重新研究房源供给。", None, utcnow())
    db.session.commit()
    auth.login(office)
    page = client.get(f"/office/suggestions/{suggestion.id}/review", headers=EN).get_data(as_text=True)
    assert "听证认为应重新研究房源供给。" in page and f"/hearings/{hearing.id}" in page
    history = client.get(f"/office/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Hearing scheduled" in history and "Hearing concluded; conclusion published" in history
