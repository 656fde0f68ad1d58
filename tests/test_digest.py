"""The daily digest (民情日报): a clerk's morning reads yesterday's arrivals and today's deadlines."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.models import Role, Status
from portal.services import digest
from portal.timeutil import LOCAL_TZ, local_date, utcnow

EN = {"Accept-Language": "en"}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


@pytest.fixture
def housing(factory):
    return factory.department("住房和城乡建设局", slug="housing")


def test_digest_lists_yesterdays_arrivals_and_todays_deadlines(client, auth, factory, housing):
    today = local_date(utcnow())
    yesterday = today - timedelta(days=1)
    rent = factory.category("城乡建设", department=housing)
    kecheng = factory.district("柯城区")
    arrived = [factory.suggestion(title=f"昨天收到{n}", category=rent, district=kecheng) for n in range(3)]
    for n, suggestion in enumerate(arrived):
        suggestion.submitted_at = _at(yesterday, 9 + n)
    older = factory.suggestion(title="上周收到")
    older.submitted_at = _at(today - timedelta(days=3), 10)  # one in the 7 days before yesterday
    due = factory.suggestion(title="今天到期的建议")
    due.submitted_at = _at(today - timedelta(days=15), 10)  # 15 days to accept: due at the end of today
    db.session.commit()

    office = factory.user(Role.OFFICE_STAFF, name="刘洋")
    auth.login(office)
    page = client.get(f"/office/digest?date={yesterday.isoformat()}", headers=EN).get_data(as_text=True)
    assert "3 suggestions came in; over the previous 7 days 0.1 a day on average" in page
    by_category = page[page.index("By category"):page.index("</table>", page.index("By category"))]
    assert re.search(r"Category \d+</th><td>3<", by_category)
    assert all(s.title in page for s in arrived)

    this_morning = client.get("/office/digest", headers=EN).get_data(as_text=True)
    due_section = this_morning[this_morning.index('id="digest-due"'):this_morning.index('id="digest-overdue"')]
    assert "今天到期的建议" in due_section and "昨天收到" not in due_section


def test_digest_overdue_and_review_requests_for_a_department(client, auth, factory, housing):
    late = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="超期的建议")
    late.accepted_at = utcnow() - timedelta(days=70)
    reviewed = factory.reviewed_suggestion(lead_department=housing, title="申请复查的建议")
    db.session.commit()
    today = local_date(utcnow())
    result = digest.compute(db.session, today, housing.id)
    assert [s.title for s in result.overdue] == ["超期的建议"] and result.overdue_total == 1
    assert [s.title for s in result.review_requests] == ["申请复查的建议"]
    assert [s.title for s in result.dissatisfied] == ["申请复查的建议"]
    auth.login(factory.department_staff(housing))
    page = client.get("/department/digest", headers=EN).get_data(as_text=True)
    assert "Overdue at the start of the day: 1" in page and reviewed.title in page


def test_hot_topics_group_similar_suggestions(app, runner, factory):
    from portal.digest_views import similar_ids

    today = local_date(utcnow())
    parking = [factory.suggestion(status=Status.ACCEPTED, title=f"老城区停车难问题{n}",
                                  problem="老城区停车位严重不足，晚上车辆乱停乱放，堵塞消防通道。",
                                  measures="建设立体停车场，开放机关单位停车位夜间共享。") for n in range(3)]
    lights = factory.suggestion(status=Status.ACCEPTED, title="江滨公园路灯不亮",
                                problem="江滨公园步道的路灯坏了很久，晚上散步很危险。", measures="尽快维修路灯。")
    for s in parking + [lights]:
        s.submitted_at = _at(today, 8)
    db.session.commit()
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    result = digest.compute(db.session, today, similar=similar_ids)
    assert [sorted(s.title for s in group) for group in result.hot_topics] == [
        ["老城区停车难问题0", "老城区停车难问题1", "老城区停车难问题2"]]


def test_a_malformed_date_shows_today(client, auth, factory):
    auth.login(factory.user(Role.OFFICE_STAFF, name="刘洋"))
    page = client.get("/office/digest?date=2026-13-99", headers=EN)
    assert page.status_code == 200
