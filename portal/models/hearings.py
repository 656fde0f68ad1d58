"""Hearings (信访听证): the member pool, scheduled hearings, their jointly selected panel and observers.

The selection itself is a `panel_selection.SelectionRecord` kept as JSON on the hearing
(`selection_json`); the panel seats are copied out of it so the schedule, the eligibility rule
"not on another hearing at that time" and the public page can query them.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Department, User
from portal.models.base import db
from portal.models.suggestions import Suggestion
from portal.timeutil import utcnow


class MemberKind(str, enum.Enum):
    DEPUTY = "deputy"            # 人大代表
    CPPCC = "cppcc"              # 政协委员
    LAWYER = "lawyer"            # 律师
    EXPERT = "expert"            # 专家学者
    COMMUNITY = "community"      # 社区代表
    OTHER = "other"


class HearingStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"      # still going ahead, at a new time
    CANCELLED = "cancelled"
    CONCLUDED = "concluded"      # held, conclusion published


class ObserverState(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


member_conflict_department = Table(
    "hearing_member_conflict",
    db.metadata,
    Column("member_id", ForeignKey("hearing_member.id"), primary_key=True),
    Column("department_id", ForeignKey("department.id"), primary_key=True),
)


class HearingMember(db.Model):
    """听证员. Only name and kind are ever public; organisation and contact stay with the authority."""

    __tablename__ = "hearing_member"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(MemberKind)})", name="kind_known"),
        CheckConstraint("term_end >= term_start", name="term_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    # The department the member works for or belongs to, which they must stand aside from (回避).
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"))
    term_start: Mapped[date]
    term_end: Mapped[date]  # inclusive
    conflicts: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Optional[Department]] = relationship()
    conflict_departments: Mapped[list[Department]] = relationship(secondary=member_conflict_department,
                                                                  order_by=Department.id)


class Hearing(db.Model):
    __tablename__ = "hearing"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(HearingStatus)})", name="status_known"),
        CheckConstraint("panel_size IN (3, 5, 7)", name="panel_size_odd"),
        CheckConstraint("strikes_per_side BETWEEN 0 AND 2", name="strikes_range"),
        CheckConstraint("observer_seats >= 0", name="observer_seats_positive"),
        CheckConstraint("is_public OR closed_reason != ''", name="closed_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public reference, also the `hearing_ref` hashed into the selection.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    venue: Mapped[str] = mapped_column(String(200))
    is_public: Mapped[bool] = mapped_column(default=True)
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    panel_size: Mapped[int] = mapped_column(default=3)
    strikes_per_side: Mapped[int] = mapped_column(default=1)
    observer_seats: Mapped[int] = mapped_column(default=0)
    registration_closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=HearingStatus.SCHEDULED.value, index=True)
    # iCalendar SEQUENCE: bumped on every change a calendar must pick up (postponement, cancellation).
    sequence: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[Optional[datetime]]
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    concluded_at: Mapped[Optional[datetime]]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The joint selection: the full record as published (panel_selection's to_dict), and copies of
    # the pieces the portal queries.
    selection_json: Mapped[Optional[str]] = mapped_column(Text)
    pool_hash: Mapped[Optional[str]] = mapped_column(String(64))
    selection_final_at: Mapped[Optional[datetime]]

    suggestion: Mapped[Suggestion] = relationship()
    department: Mapped[Department] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    postponements: Mapped[list["HearingPostponement"]] = relationship(
        back_populates="hearing", order_by="HearingPostponement.id", cascade="all, delete-orphan")
    seats: Mapped[list["HearingSeat"]] = relationship(
        back_populates="hearing", order_by="HearingSeat.seat", cascade="all, delete-orphan")
    observers: Mapped[list["HearingObserver"]] = relationship(
        back_populates="hearing", order_by="HearingObserver.id", cascade="all, delete-orphan")

    @property
    def is_cancelled(self) -> bool:
        return self.status == HearingStatus.CANCELLED.value

    @property
    def is_concluded(self) -> bool:
        return self.status == HearingStatus.CONCLUDED.value


class HearingPostponement(db.Model):
    __tablename__ = "hearing_postponement"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    old_starts_at: Mapped[datetime]
    new_starts_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    hearing: Mapped[Hearing] = relationship(back_populates="postponements")


class HearingSeat(db.Model):
    """One seat of the final panel (after replacements), copied from the selection record."""

    __tablename__ = "hearing_seat"
    __table_args__ = (UniqueConstraint("hearing_id", "seat"), UniqueConstraint("hearing_id", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("hearing_member.id"), index=True)
    seat: Mapped[int]

    hearing: Mapped[Hearing] = relationship(back_populates="seats")
    member: Mapped[HearingMember] = relationship()


class HearingObserver(db.Model):
    """旁听: one resident's registration. Waiting-list order is first come, first served (`queued_at`)."""

    __tablename__ = "hearing_observer"
    __table_args__ = (
        UniqueConstraint("hearing_id", "user_id"),
        CheckConstraint(f"state IN ({_in(ObserverState)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[Optional[datetime]]
    promoted_at: Mapped[Optional[datetime]]  # set when a freed seat went to this waiting registration
    cancelled_at: Mapped[Optional[datetime]]

    hearing: Mapped[Hearing] = relationship(back_populates="observers")
    user: Mapped[User] = relationship()
