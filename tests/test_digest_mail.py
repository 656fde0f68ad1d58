"""The daily digest by e-mail: staff subscribe on the digest page, `flask digest send` mails each
subscriber their scope's digest in their language, once per day."""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.models import DigestDelivery, DigestSubscription, Role, Status
from portal.timeutil import LOCAL_TZ, local_date, utcnow

PHONE = "13912345678"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def _mails(caplog) -> dict[str, str]:
    """Recipient address -> the logged mail (subject and body)."""
    mails = {}
    for record in caplog.records:
        if record.name == "portal.mail" and record.getMessage().startswith("mail to "):
            to, _, rest = record.getMessage()[len("mail to "):].partition(": ")
            mails[to] = mails.get(to, "") + rest
    return mails


@pytest.fixture
def world(factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    housing.name_en = "Housing Bureau"
    yesterday = local_date(utcnow()) - timedelta(days=1)
    for n, title in enumerate(("老城区停车难", f"请联系我{PHONE}解决噪音问题")):
        factory.suggestion(title=title).submitted_at = _at(yesterday, 9 + n)
    late = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="超期未答复的建议")
    late.accepted_at = utcnow() - timedelta(days=70)
    office = factory.user(Role.OFFICE_STAFF, name="刘洋", login="liu@office.example.cn")
    office.locale = "en"
    clerk = factory.user(Role.DEPARTMENT_STAFF, name="陈静", department=housing, login="chen@housing.example.cn")
    clerk.locale = "zh_Hant"
    db.session.commit()
    return dict(housing=housing, yesterday=yesterday, office=office, clerk=clerk)


def test_subscribers_receive_their_digest_once_in_their_language(client, auth, runner, factory, world, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    auth.login(world["office"])
    page = client.get("/office/digest", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You do not receive this digest by e-mail." in page
    client.post("/office/digest/subscription", data={"action": "subscribe"})
    page = client.get("/office/digest", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You receive this digest by e-mail each morning" in page
    auth.logout()
    auth.login(world["clerk"])
    client.post("/department/digest/subscription", data={"action": "subscribe"})
    factory.resident(name="王五", login="wang@example.cn")  # residents never get the digest

    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    assert f"digest of {world['yesterday'].isoformat()}: sent 2, failed 0" in result.output
    mails = _mails(caplog)
    assert sorted(mails) == ["chen@housing.example.cn", "liu@office.example.cn"]

    city = mails["liu@office.example.cn"]
    assert city.startswith("Daily digest, ") and ": The whole city" in city.splitlines()[0]
    assert "2 suggestions came in; over the previous 7 days" in city
    assert "老城区停车难" in city and PHONE not in city  # titles as the public sees them: masked
    assert "Submitted, awaiting acceptance" in city and "submitted)" not in city  # status labels, not codes
    assert "Overdue at the start of the day: 1" in city and "超期未答复的建议" in city

    housing = mails["chen@housing.example.cn"]
    assert housing.splitlines()[0].startswith("民情日報") and "住房和城鄉建設局" in housing.splitlines()[0]
    assert "超期未答复的建议" in housing and "老城区停车难" not in housing  # only the department's work

    caplog.clear()
    again = runner.invoke(args=["digest", "send"])
    assert "sent 0, failed 0" in again.output and _mails(caplog) == {}
    assert db.session.query(DigestDelivery).count() == 2

    forced = runner.invoke(args=["digest", "send", "--force", "--date", world["yesterday"].isoformat()])
    assert "sent 2, failed 0" in forced.output and len(_mails(caplog)) == 2


def test_unsubscribing_stops_the_mail_and_a_past_day_can_be_sent(client, auth, runner, world, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    auth.login(world["office"])
    client.post("/office/digest/subscription", data={"action": "subscribe"})
    client.post("/office/digest/subscription", data={"action": "unsubscribe"})
    assert db.session.query(DigestSubscription).count() == 0
    assert "sent 0" in runner.invoke(args=["digest", "send"]).output
    client.post("/office/digest/subscription", data={"action": "subscribe"})
    earlier = world["yesterday"] - timedelta(days=3)
    result = runner.invoke(args=["digest", "send", "--date", earlier.isoformat()])
    assert "sent 1" in result.output
    assert "0 suggestions came in" in _mails(caplog)["liu@office.example.cn"]


def test_hostile_input_to_the_command_and_the_form(client, auth, runner, world):
    assert runner.invoke(args=["digest", "send", "--date", "2026-13-99"]).exit_code == 2
    tomorrow = local_date(utcnow()) + timedelta(days=1)
    assert runner.invoke(args=["digest", "send", "--date", tomorrow.isoformat()]).exit_code == 2
    auth.login(world["office"])
    response = client.post("/office/digest/subscription", data={"action": "everything"},
                           headers={"Accept-Language": "en"}, follow_redirects=True)
    assert response.status_code == 200 and "The subscription was not changed" in response.get_data(as_text=True)
    assert db.session.query(DigestSubscription).count() == 0


def test_profile_links_staff_to_the_digest_subscription(client, auth, world):
    auth.login(world["office"])  # reads English (the profile's language)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "You do not receive the daily digest by e-mail." in page and "/office/digest#digest-mail" in page
    auth.logout()
    auth.login(world["clerk"])  # reads Traditional Chinese
    page = client.get("/account/profile").get_data(as_text=True)
    assert "民情日報" in page and "/department/digest#digest-mail" in page


def test_the_mailed_digest_groups_yesterdays_similar_suggestions(runner, factory, world, caplog):
    # Hot topics come from the search index, as on the page: three parking suggestions that came
    # in yesterday are one group; the street-light one stands alone and is not a topic.
    caplog.set_level(logging.INFO, logger="portal.mail")
    for n in range(3):
        factory.suggestion(status=Status.ACCEPTED, title=f"老城区夜间停车难问题{n}",
                           problem="老城区停车位严重不足，晚上车辆乱停乱放，堵塞消防通道。",
                           measures="建设立体停车场，开放机关单位停车位夜间共享。").submitted_at = _at(world["yesterday"], 10)
    factory.suggestion(status=Status.ACCEPTED, title="江滨公园路灯不亮", problem="步道的路灯坏了很久，晚上散步很危险。",
                       measures="尽快维修路灯。").submitted_at = _at(world["yesterday"], 11)
    db.session.add(DigestSubscription(user_id=world["office"].id))
    db.session.commit()
    assert runner.invoke(args=["search", "sync"]).exit_code == 0

    assert runner.invoke(args=["digest", "send"]).exit_code == 0
    city = _mails(caplog)["liu@office.example.cn"]
    topics = city.split("Hot topics", 1)[1].split("Due today", 1)[0]
    assert "3 similar suggestions" in topics
    assert all(f"老城区夜间停车难问题{n}" in topics for n in range(3))
    assert "江滨公园路灯不亮" not in topics
