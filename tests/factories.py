"""Factories that build what a test needs by name, through the same services the portal uses."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.models import (
    Category, Conversion, ConversionOutcome, ConversionProgress, Decision, Department, District, Rating, Reply,
    ReplyTemplate, Role, Status, Suggestion, ThemedCall, User,
)
from portal.services import accounts, handling, intake, themed_calls, workflow
from portal.timeutil import LOCAL_TZ, utcnow

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

    # --- hearings ----------------------------------------------------------------------------------------

    def hearing_member(self, name: str = "赵律师", kind: str = "lawyer", *, department: Department | None = None,
                       term_start: date | None = None, term_end: date | None = None, active: bool = True,
                       phone: str = "13911112222", email: str = "member@example.cn", conflicts: str = ""):
        from portal.services import hearings

        today = utcnow().astimezone(LOCAL_TZ).date()
        member = hearings.save_member(self.session, None, hearings.MemberInput(
            name=name, kind=kind, organisation="衢州市律师协会", department_id=department.id if department else None,
            term_start=term_start or today - timedelta(days=365), term_end=term_end or today + timedelta(days=365),
            conflicts=conflicts, conflict_department_ids=[], active=active, phone=phone, email=email))
        self.session.commit()
        return member

    def member_pool(self, size: int = 9) -> list:
        kinds = ["deputy", "cppcc", "lawyer", "expert", "community"]
        return [self.hearing_member(f"听证员{i:02d}", kinds[i % len(kinds)], phone=f"1390000{i:04d}",
                                    email=f"member{i}@example.cn") for i in range(1, size + 1)]

    def hearing(self, suggestion: Suggestion, *, authority: User | None = None, days_ahead: int = 14,
                is_public: bool = True, panel_size: int = 3, strikes_per_side: int = 1, observer_seats: int = 2,
                closed_reason: str = "", department: Department | None = None):
        """A hearing scheduled through the service, `days_ahead` days from now."""
        from portal.services import hearings

        now = utcnow()
        hearing = hearings.schedule(self.session, suggestion, hearings.HearingInput(
            subject="关于青年短期租房服务的听证", department_id=(department or suggestion.lead_department
                                                           or self.department()).id,
            starts_at=(now + timedelta(days=days_ahead)).replace(second=0, microsecond=0), duration_minutes=120, venue="衢州市信访局听证室",
            is_public=is_public, closed_reason=closed_reason, panel_size=panel_size,
            strikes_per_side=strikes_per_side, observer_seats=observer_seats,
            registration_closes_at=now + timedelta(days=days_ahead - 1)),
            authority or self.user(Role.HEARING_AUTHORITY, name="孙立"), now)
        self.session.commit()
        return hearing

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
