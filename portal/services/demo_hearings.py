"""Demo hearings: a member pool, one upcoming public hearing mid-selection and one concluded hearing.

Idempotent (members by name, hearings by suggestion). The concluded hearing is replayed in the past
through the real services, so its audit page verifies. The demo authority's secret for the
upcoming hearing is DEMO_AUTHORITY_SECRET, so `hearing@demo.gov.cn` can reveal it when its turn comes.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Department, Dispatch, Hearing, HearingMember, Reply, Suggestion, User
from portal.services import hearing_selection, hearings, workflow
from portal.timeutil import LOCAL_TZ, utcnow

DEMO_AUTHORITY_SECRET = "demo-authority-secret-2026"
DEMO_RESIDENT_SECRET = "demo-resident-secret-衢州有礼租"

# name, kind, organisation, affiliated department slug, term years from today (negative: ended)
MEMBERS = [
    ("周国强", "deputy", "衢州市人大代表", None, 3),
    ("吴晓梅", "deputy", "柯城区人大代表", None, 3),
    ("郑建华", "cppcc", "衢州市政协委员", None, 3),
    ("王丽娟", "cppcc", "衢江区政协委员", None, 2),
    ("冯志远", "lawyer", "浙江衢州律师事务所", None, 3),
    ("陈思雨", "lawyer", "衢州市法律援助中心", None, 2),
    ("褚文博", "expert", "衢州学院", None, 3),
    ("卫红", "expert", "衢州市社会科学院", None, 3),
    ("蒋海燕", "community", "府山街道社区", None, 2),
    ("沈立新", "community", "荷花街道社区", None, 3),
    ("韩明", "other", "衢州市住房和城乡建设局（退休）", "housing", 3),
    ("杨秋生", "other", "衢州市消费者协会", None, -1),
]


def load(session: Session, departments: dict[str, Department], users: dict[str, User]) -> dict:
    _members(session, departments)
    authority = users["hearing@demo.gov.cn"]
    upcoming = _suggestion(session, users, departments, "DEMOHEARING1",
                           "为来衢求职青年提供短期租房服务的复查",
                           "答复称房源不足，但未说明何时增加，求职青年仍难以短期租房。")
    concluded = _suggestion(session, users, departments, "DEMOHEARING2",
                            "老旧小区加装电梯费用分摊办法",
                            "加装电梯的费用分摊方案未考虑一楼住户的意见，答复未回应分摊标准。")
    if not hearings.hearings_for_suggestion(session, concluded):
        _concluded_hearing(session, concluded, departments["housing"], authority)
    if not hearings.hearings_for_suggestion(session, upcoming):
        _upcoming_hearing(session, upcoming, departments["housing"], authority)
    return {"hearing members": len(MEMBERS), "hearings": 2}


def _members(session: Session, departments: dict[str, Department]) -> None:
    today = utcnow().astimezone(LOCAL_TZ).date()
    for index, (name, kind, organisation, department, years) in enumerate(MEMBERS, start=1):
        if session.scalar(select(HearingMember).where(HearingMember.name == name)) is not None:
            continue
        start = today - timedelta(days=365 * 2) if years < 0 else today - timedelta(days=200)
        hearings.save_member(session, None, hearings.MemberInput(
            name=name, kind=kind, organisation=organisation,
            department_id=departments[department].id if department else None, term_start=start,
            term_end=today + timedelta(days=365 * years), conflicts="", conflict_department_ids=[], active=True,
            phone=f"1380571{index:04d}", email=f"member{index}@demo.example.cn"))


def _suggestion(session, users, departments, tracking: str, title: str, problem: str) -> Suggestion:
    """A suggestion answered, rated dissatisfied and now under review: the usual way to a hearing."""
    suggestion = session.scalar(select(Suggestion).where(Suggestion.tracking_number == tracking))
    if suggestion is not None:
        return suggestion
    author, office = users["13800000001"], users["office@demo.gov.cn"]
    staff, housing = users["housing@demo.gov.cn"], departments["housing"]
    suggestion = Suggestion(tracking_number=tracking, title=title, problem=problem,
                            measures="请组织听证，听取各方意见后重新研究。", author=author,
                            submitted_at=utcnow() - timedelta(days=90))
    session.add(suggestion)
    session.flush()
    workflow.apply_transition(session, suggestion, "accept", office)
    suggestion.lead_department = housing
    session.add(Dispatch(suggestion=suggestion, department=housing, dispatched_by_id=office.id))
    workflow.apply_transition(session, suggestion, "dispatch", office)
    session.add(Reply(suggestion=suggestion, kind="reply", decision="for_reference", department=housing,
                      author_id=staff.id, body="感谢您的建议，我局将在今后工作中统筹研究。"))
    workflow.apply_transition(session, suggestion, "reply", staff)
    workflow.apply_transition(session, suggestion, "request_review", author, public_note="对答复不满意，申请复查并请求听证。")
    return suggestion


def _input(subject, housing, starts_at, seats=20):
    return hearings.HearingInput(
        subject=subject, department_id=housing.id, starts_at=starts_at, duration_minutes=120,
        venue="衢州市信访局一楼听证室（柯城区府山街道）", is_public=True, closed_reason="", panel_size=5,
        strikes_per_side=1, observer_seats=seats, registration_closes_at=starts_at - timedelta(days=1))


def _concluded_hearing(session, suggestion, housing, authority) -> Hearing:
    now = utcnow()
    t = (now - timedelta(days=40)).replace(second=0, microsecond=0)
    hearing = hearings.schedule(session, suggestion, _input("老旧小区加装电梯费用分摊听证", housing, t + timedelta(days=10)),
                                authority, t)
    frozen = t + timedelta(hours=1)
    hearing_selection.freeze(session, hearing, frozen, timedelta(days=1))
    step = timedelta(days=1)
    at = frozen + timedelta(hours=2)
    hearing_selection.commit(session, hearing, "authority", at, secret=DEMO_AUTHORITY_SECRET)
    hearing_selection.commit(session, hearing, "resident", at + step, secret=DEMO_RESIDENT_SECRET)
    hearing_selection.reveal(session, hearing, "authority", DEMO_AUTHORITY_SECRET, at + 2 * step)
    hearing_selection.reveal(session, hearing, "resident", DEMO_RESIDENT_SECRET, at + 3 * step)
    shortlist = hearing_selection.current_phase(hearing, at + 4 * step).shortlist
    hearing_selection.strike(session, hearing, "authority", [(shortlist[0], "曾参与本小区加装电梯方案评审")], at + 4 * step)
    hearing_selection.strike(session, hearing, "resident", [(shortlist[1], "与电梯安装企业有业务往来")], at + 5 * step)
    member = hearing.seats[0].member_id
    hearing_selection.withdraw(session, hearing, member, "出差无法出席", at + 6 * step)
    hearings.conclude(session, hearing,
                      "经听证，听证员认为：一楼住户的意见应纳入费用分摊方案；建议住建局在30日内会同街道重新制定分摊标准，"
                      "并公开征求意见。复查时应依据本结论作出答复。", authority, t + timedelta(days=10, hours=3))
    return hearing


def _upcoming_hearing(session, suggestion, housing, authority) -> Hearing:
    now = utcnow()
    starts_at = (now + timedelta(days=14)).astimezone(LOCAL_TZ).replace(hour=9, minute=30, second=0, microsecond=0)
    hearing = hearings.schedule(session, suggestion, _input("为来衢求职青年提供短期租房服务的听证", housing, starts_at),
                                authority, now - timedelta(minutes=2))
    hearing_selection.freeze(session, hearing, now - timedelta(minutes=1), timedelta(days=1))
    hearing_selection.commit(session, hearing, "authority", now - timedelta(seconds=30), secret=DEMO_AUTHORITY_SECRET)
    return hearing
