"""Factories that build what a test needs by name, through the same services the portal uses."""
from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.models import Category, Department, District, Role, Status, Suggestion, User
from portal.services import accounts, intake
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
