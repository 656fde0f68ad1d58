"""A small, hand-built year of suggestions whose metrics can be worked out on paper.

Every status change goes through `workflow.apply_transition`; the times are then set to the
dates below (10:00 in Shanghai), as if each step had happened on that day. The expected figures
in tests/test_metrics.py follow from this table (statutory limits: accept within 15 days, reply
within 60 days of acceptance plus an extension, review request within 30 days of the reply).

key  dept       channel    submitted  decided        replied          decision (published?)   rating / review
S1   housing    online     03-01      acc 03-05 ok   04-10 ok         adopted (yes), converted satisfied, closed
S2   housing    phone      03-01      acc 03-20 late 05-25 late       partly (yes)            dissatisfied, review
S3   transport  online     06-01      acc 06-02 ok   08-20 ok (+30d)  not adopted (yes)       basically satisfied
S4   transport  letter     06-01      acc 06-02 ok   07-01 ok         adopted (NO)            none; window over
S5   housing    online     11-01      acc 11-03 ok   12-20 ok         for reference (yes)     none; window open
S6   —          online     02-01      dec 02-10 ok
S7   —          in_person  02-01      dec 02-20 late
S8   housing    online     2024-12-20 acc 01-02 ok   (dispatched, no reply)
S9   —          online     12-30      (waiting for acceptance)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from portal.extensions import db
from portal.models import (
    Conversion, ConversionOutcome, ExtensionRequest, Rating, Reply, Role, Suggestion,
)
from portal.services import workflow
from portal.services.demo import load_reference_data
from portal.timeutil import LOCAL_TZ

# Fixed "now" for the review window: the last day of 2025.
NOW = datetime(2025, 12, 31, 12, 0, tzinfo=LOCAL_TZ)
AUTHOR_NAME = "张三丰"
PLANTED_PHONE = "13912345678"
UNPUBLISHED_REPLY = "此答复尚未公开：拟于下月实施。"
PUBLISHED_REPLY = "经研究，采纳该建议，已推出有礼租服务。"
DECLINED_TITLE = "不予受理的投诉事项"
WAITING_TITLE = "尚在等待受理的建议"

_MILESTONES = {"accept": "accepted_at", "dispatch": "dispatched_at", "reply": "replied_at", "close": "closed_at"}


def on(day: str, hour: int = 10) -> datetime:
    """A moment on a local calendar day (default 10:00 in Shanghai)."""
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=LOCAL_TZ)


@dataclass
class World:
    housing: object
    transport: object
    office: object
    author: object
    suggestions: dict


class _Builder:
    def __init__(self, factory):
        self.factory = factory
        self.session = db.session
        departments = load_reference_data(self.session)
        self.housing, self.transport = departments["housing"], departments["transport"]
        self.office = factory.user(Role.OFFICE_STAFF, name="受理员", department=departments["office"])
        self.staff = {d.id: factory.user(Role.DEPARTMENT_STAFF, name="办理员", department=d)
                      for d in (self.housing, self.transport)}
        self.author = factory.resident(name=AUTHOR_NAME)
        self.count = 0

    def step(self, s: Suggestion, action: str, actor, when: datetime) -> None:
        event = workflow.apply_transition(self.session, s, action, actor)
        event.created_at = when
        if action in _MILESTONES:
            setattr(s, _MILESTONES[action], when)

    def suggestion(self, submitted: str, channel: str, title: str = "为来衢求职的青年提供短期租房服务",
                   problem: str = "外地青年来衢州求职，短期内很难租到合适的房子。") -> Suggestion:
        self.count += 1
        s = Suggestion(tracking_number=f"M{self.count:06d}", title=title, problem=problem,
                       measures="由政府统筹房源，推出面向求职青年的短期租房服务。", author=self.author,
                       channel=channel, submitted_at=on(submitted))
        self.session.add(s)
        self.session.flush()
        return s

    def replied(self, s: Suggestion, department, accepted: str, replied: str, decision: str,
                body: str = PUBLISHED_REPLY, published: bool = True) -> Reply:
        self.step(s, "accept", self.office, on(accepted))
        s.lead_department = department
        self.step(s, "dispatch", self.office, on(accepted, 11))
        self.step(s, "reply", self.staff[department.id], on(replied))
        s.decision = decision
        reply = Reply(suggestion=s, kind="reply", decision=decision, body=body, department=department,
                      created_at=on(replied))
        self.session.add(reply)
        if published:
            s.published_at = on(replied, 15)
            workflow.record_event(self.session, s, "published", self.staff[department.id]).created_at = on(replied, 15)
        self.session.flush()
        return reply

    def rate(self, s: Suggestion, reply: Reply, level: str, day: str) -> None:
        self.session.add(Rating(reply=reply, suggestion_id=s.id, level=level, created_at=on(day)))
        self.session.flush()


def build(factory) -> World:
    b = _Builder(factory)
    housing, transport = b.housing, b.transport
    s = {}

    s["S1"] = b.suggestion("2025-03-01", "online", problem=f"我的电话是{PLANTED_PHONE}，外地青年短期租房难。")
    reply = b.replied(s["S1"], housing, "2025-03-05", "2025-04-10", "adopted")
    b.rate(s["S1"], reply, "satisfied", "2025-04-12")
    b.step(s["S1"], "close", b.author, on("2025-04-12", 11))
    conversion = Conversion(suggestion=s["S1"], type="public_welfare", description="推出“有礼租”短期租房服务",
                            started_on=date(2024, 8, 1), created_at=on("2025-04-20"))
    conversion.outcomes = [ConversionOutcome(position=0, name="房源", value=Decimal(50), unit="套"),
                           ConversionOutcome(position=1, name="签约", value=Decimal(13), unit="人")]
    b.session.add(conversion)

    s["S2"] = b.suggestion("2025-03-01", "phone", title="增加公交夜班线路")
    reply = b.replied(s["S2"], housing, "2025-03-20", "2025-05-25", "partly_adopted")
    b.rate(s["S2"], reply, "dissatisfied", "2025-05-26")
    b.step(s["S2"], "request_review", b.author, on("2025-05-27"))
    b.step(s["S2"], "answer_review", b.office, on("2025-06-10"))

    s["S3"] = b.suggestion("2025-06-01", "online", title="老旧小区加装电梯")
    b.session.add(ExtensionRequest(suggestion=s["S3"], department_id=transport.id,
                                   requested_by_id=b.staff[transport.id].id, days=30, reason="需要协调多个部门",
                                   state="approved", decided_by_id=b.office.id, requested_at=on("2025-07-20"),
                                   decided_at=on("2025-07-21")))
    s["S3"].extension_days = 30
    reply = b.replied(s["S3"], transport, "2025-06-02", "2025-08-20", "not_adopted")
    b.rate(s["S3"], reply, "basically_satisfied", "2025-08-22")

    s["S4"] = b.suggestion("2025-06-01", "letter", title="设置共享单车停放点")
    b.replied(s["S4"], transport, "2025-06-02", "2025-07-01", "adopted", body=UNPUBLISHED_REPLY, published=False)

    s["S5"] = b.suggestion("2025-11-01", "online", title="延长图书馆开放时间")
    b.replied(s["S5"], housing, "2025-11-03", "2025-12-20", "for_reference")

    s["S6"] = b.suggestion("2025-02-01", "online", title=DECLINED_TITLE)
    b.step(s["S6"], "decline", b.office, on("2025-02-10"))
    s["S7"] = b.suggestion("2025-02-01", "in_person", title="个人纠纷")
    b.step(s["S7"], "decline", b.office, on("2025-02-20"))

    s["S8"] = b.suggestion("2024-12-20", "online", title="学校门口增设护学岗")
    b.step(s["S8"], "accept", b.office, on("2025-01-02"))
    s["S8"].lead_department = housing
    b.step(s["S8"], "dispatch", b.office, on("2025-01-03"))

    s["S9"] = b.suggestion("2025-12-30", "online", title=WAITING_TITLE)
    b.session.commit()
    return World(housing=housing, transport=transport, office=b.office, author=b.author, suggestions=s)


def year_2025() -> dict:
    return dict(start=date(2025, 1, 1), end=date(2025, 12, 31), now=NOW)

