"""Factories that build what a test needs by name, through the same services the portal uses."""
from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.models import (
    Category, Conversion, Decision, Department, District, ReplyTemplate, Role, Status, Suggestion, ThemedCall, User,
)
from portal.services import accounts, handling, intake, themed_calls
from portal.timeutil import utcnow

_counter = itertools.count(1)


class Factory:
    PASSWORD = "correct-horse-battery"

    def __init__(self, session: Session):
        self.session = session

    def department(self, name: str = "住房和城乡建设局", slug: str | None = None, **kwargs) -> Department:
        n = next(_counter)
        department = Department(slug=slug or f"dept-{n}", name=name, name_en=kwargs.pop("name_en", f"Department {n}"),
                                **kwargs)
        self.session.add(department)
        self.session.commit()
        return department

    def category(self, name: str = "城乡建设", department: Department | None = None) -> Category:
        n = next(_counter)
        category = Category(slug=f"cat-{n}", name=name, name_en=f"Category {n}", default_department=department)
        self.session.add(category)
        self.session.commit()
        return category

    def district(self, name: str = "柯城区") -> District:
        n = next(_counter)
        district = District(slug=f"district-{n}", name=name, name_en=f"District {n}")
        self.session.add(district)
        self.session.commit()
        return district

    def user(self, role: Role = Role.RESIDENT, *, name: str = "李明", department: Department | None = None,
             login: str | None = None, anonymous: bool = False) -> User:
        n = next(_counter)
        if role == Role.DEPARTMENT_STAFF and department is None:
            department = self.department()
        user = accounts.create_user(self.session, login or f"user{n}@example.cn", self.PASSWORD, name,
                                    role=role, department_id=department.id if department else None,
                                    anonymous=anonymous)
        self.session.commit()
        return user

    def resident(self, **kwargs) -> User:
        return self.user(Role.RESIDENT, **kwargs)

    def suggestion(self, author: User | None = None, *, status: Status = Status.SUBMITTED,
                   title: str = "为来衢求职的青年提供短期租房服务",
                   problem: str = "外地青年来衢州求职，短期内很难租到合适的房子。",
                   measures: str = "由政府统筹房源，推出面向求职青年的短期租房服务。",
                   category: Category | None = None, district: District | None = None,
                   lead_department: Department | None = None, office: User | None = None,
                   decision: Decision = Decision.ADOPTED) -> Suggestion:
        """A suggestion moved to `status` through the real state machine."""
        n = next(_counter)
        suggestion = Suggestion(
            tracking_number=f"T{n:09d}", title=title, problem=problem, measures=measures,
            author=author or self.resident(), category=category, district=district,
            submitted_at=utcnow() - timedelta(days=3),
        )
        self.session.add(suggestion)
        self.session.flush()
        path = {
            Status.SUBMITTED: [],
            Status.ACCEPTED: ["accept"],
            Status.DISPATCHED: ["accept", "dispatch"],
            Status.REPLIED: ["accept", "dispatch", "reply"],
        }
        if status not in path:
            raise ValueError(f"the factory cannot yet build a suggestion in {status}")
        office = office or (self.user(Role.OFFICE_STAFF, name="受理员") if path[status] else None)
        for action in path[status]:
            if action == "accept":
                intake.accept(self.session, suggestion, office)
            elif action == "dispatch":
                intake.dispatch(self.session, suggestion, office, lead_department or self.department())
            elif action == "reply":
                self._reply(suggestion, decision)
        self.session.commit()
        return suggestion

    # --- the department's side (portal.services.handling, portal.services.themed_calls) ---------

    REPLY_BODY = "经研究，我局采纳您的建议，将于八月推出面向来衢求职青年的“有礼租”短期租房服务。"

    def department_staff(self, department: Department) -> User:
        """A staff member of `department` (the first one, or a new one)."""
        existing = next((u for u in department.staff if u.role == Role.DEPARTMENT_STAFF.value), None)
        return existing or self.user(Role.DEPARTMENT_STAFF, name="承办人", department=department)

    def _reply(self, suggestion: Suggestion, decision: Decision = Decision.ADOPTED) -> None:
        staff = self.department_staff(suggestion.lead_department)
        handling.give_reply(self.session, suggestion, staff, decision.value, self.REPLY_BODY)

    def conversion(self, suggestion: Suggestion, *, type_: str = "public_welfare",
                   description: str = "推出“有礼租”短期租房服务", outcomes=(("房源", 50, "套"),)) -> Conversion:
        """A conversion of a replied, adopted suggestion, recorded by its lead department."""
        from datetime import date
        from decimal import Decimal

        staff = self.department_staff(suggestion.lead_department)
        rows = [handling.OutcomeRow(name, Decimal(value), unit) for name, value, unit in outcomes]
        conversion = handling.record_conversion(self.session, suggestion, staff, type_, description,
                                                date(2024, 8, 1), rows)
        self.session.commit()
        return conversion

    def reply_template(self, department: Department, title: str = "采纳答复",
                       body: str = "感谢您的建议。经研究，我局决定采纳，并将尽快落实。") -> ReplyTemplate:
        template = handling.save_template(self.session, self.department_staff(department), title, body)
        self.session.commit()
        return template

    def themed_call(self, department: Department, *, title: str = "青年人才安居专项征集",
                    description: str = "围绕来衢青年的住房需求征集建议。", opens_in_days: float = -10,
                    closes_in_days: float = 20) -> ThemedCall:
        """A call opening/closing this many days from now (negative: in the past)."""
        now = utcnow()
        call = themed_calls.create_call(self.session, self.department_staff(department), title, description,
                                        now + timedelta(days=opens_in_days), now + timedelta(days=closes_in_days))
        self.session.commit()
        return call
