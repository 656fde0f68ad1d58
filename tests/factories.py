"""Factories that build what a test needs by name, through the same services the portal uses."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.models import (
    Category, Conversion, ConversionOutcome, ConversionProgress, Department, District, Rating, Reply, Role,
    Status, Suggestion, User,
)
from portal.services import accounts, intake, workflow
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
                   lead_department: Department | None = None, office: User | None = None) -> Suggestion:
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
        }
        if status not in path:
            raise ValueError(f"the factory cannot yet build a suggestion in {status}")
        office = office or (self.user(Role.OFFICE_STAFF, name="受理员") if path[status] else None)
        for action in path[status]:
            if action == "accept":
                intake.accept(self.session, suggestion, office)
            elif action == "dispatch":
                intake.dispatch(self.session, suggestion, office, lead_department or self.department())
        self.session.commit()
        return suggestion

    # --- further along the closed loop (the department's and office's pages are built elsewhere;
    # these move the suggestion with the real state machine and write the rows those pages write) ---

    def needs_info_suggestion(self, author: User | None = None, note: str = "请补充具体地点和涉及人数。",
                              **kwargs) -> Suggestion:
        suggestion = self.suggestion(author, **kwargs)
        office = self.user(Role.OFFICE_STAFF, name="受理员")
        intake.request_info(self.session, suggestion, office, note)
        self.session.commit()
        return suggestion

    def replied_suggestion(self, author: User | None = None, *, decision: str = "adopted",
                           body: str = "经研究，采纳您的建议，已推出有礼租服务。",
                           replied_at: datetime | None = None, **kwargs) -> Suggestion:
        """Dispatched, then answered by a staff member of the lead department."""
        suggestion = self.suggestion(author, status=Status.DISPATCHED, **kwargs)
        staff = self.user(Role.DEPARTMENT_STAFF, name="承办人", department=suggestion.lead_department)
        event = workflow.apply_transition(self.session, suggestion, "reply", staff)
        moment = replied_at or event.created_at
        event.created_at = suggestion.replied_at = moment
        suggestion.decision = decision
        self.session.add(Reply(suggestion=suggestion, kind="reply", decision=decision, body=body,
                               department=suggestion.lead_department, author_id=staff.id, created_at=moment))
        self.session.commit()
        return suggestion

    def reviewed_suggestion(self, author: User | None = None, *, answered_at: datetime | None = None,
                            body: str = "经复查，原答复意见正确。", **kwargs) -> Suggestion:
        """Replied, rated dissatisfied, review requested, and the review answered by the office."""
        suggestion = self.replied_suggestion(author, **kwargs)
        reply = suggestion.replies[-1]
        self.session.add(Rating(reply=reply, suggestion_id=suggestion.id, level="dissatisfied",
                                comment="没有回应我的问题"))
        workflow.apply_transition(self.session, suggestion, "request_review", suggestion.author, "答非所问")
        office = self.user(Role.OFFICE_STAFF, name="复查员")
        review = intake.answer_review(self.session, suggestion, office, body)
        if answered_at is not None:
            review.created_at = suggestion.events[-1].created_at = answered_at
        self.session.commit()
        return suggestion

    def published_suggestion(self, author: User | None = None, *, conversion_type: str = "public_welfare",
                             outcomes: tuple = (("房源", 50, "套"), ("咨询", 112, "人"), ("签约", 13, "人")),
                             progress: tuple = ((date(2024, 8, 1), 40, "有礼租服务上线"),
                                                (date(2024, 9, 1), 100, "首批房源全部推出")),
                             **kwargs) -> Suggestion:
        """Replied and published, with one conversion, its outcomes and progress notes."""
        suggestion = self.replied_suggestion(author, **kwargs)
        suggestion.published_at = suggestion.replied_at
        workflow.record_event(self.session, suggestion, "published", None)
        if conversion_type:
            conversion = Conversion(suggestion=suggestion, type=conversion_type,
                                    description="推出面向来衢求职青年的有礼租短期租房服务。",
                                    started_on=date(2024, 8, 1))
            for position, (name, value, unit) in enumerate(outcomes):
                conversion.outcomes.append(ConversionOutcome(position=position, name=name, value=Decimal(value),
                                                             unit=unit))
            for day, percent, note in progress:
                conversion.progress.append(ConversionProgress(recorded_on=day, percent=percent, note=note))
            self.session.add(conversion)
            workflow.record_event(self.session, suggestion, "converted", None)
        self.session.commit()
        return suggestion
