"""Suggestions and everything that happens to them, from submission to conversion and review.

Statuses change only through `portal.services.workflow`, which writes a `SuggestionEvent` for each.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Category, Department, District, User
from portal.models.base import db
from portal.timeutil import utcnow


class Status(str, enum.Enum):
    SUBMITTED = "submitted"          # waiting for the office to accept it
    NEEDS_INFO = "needs_info"        # the office asked the author for more information
    WITHDRAWN = "withdrawn"          # the author took it back before acceptance
    DECLINED = "declined"            # 不予受理, with a reason code
    DUPLICATE = "duplicate"          # merged into another suggestion; supports moved there
    SPLIT = "split"                  # 分诉求登记: registered again as several suggestions
    ACCEPTED = "accepted"            # 受理; waiting for dispatch (or back after a dispute)
    DISPATCHED = "dispatched"        # 交办; the lead department must reply
    REPLIED = "replied"              # decision and written reply given
    IN_REVIEW = "in_review"          # 复查 requested by a dissatisfied author
    REVIEWED = "reviewed"            # 复查 answered; a second review may follow
    IN_SECOND_REVIEW = "in_second_review"  # 复核 requested
    CLOSED = "closed"                # final


# Suggestions the public can see: the office has taken them in.
PUBLIC_STATUSES = (
    Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED, Status.IN_REVIEW,
    Status.REVIEWED, Status.IN_SECOND_REVIEW, Status.CLOSED,
)
# Still open for supports: accepted but not yet answered.
OPEN_STATUSES = (Status.ACCEPTED, Status.DISPATCHED)


class Decision(str, enum.Enum):
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    FOR_REFERENCE = "for_reference"
    NOT_ADOPTED = "not_adopted"


class ConversionType(str, enum.Enum):
    """上海市人民建议征集若干规定, Art. 13."""

    PUBLIC_WELFARE = "public_welfare"
    AGENCY_IMPROVEMENT = "agency_improvement"
    LEGISLATION = "legislation"
    CONGRESS_OVERSIGHT = "congress_oversight"
    DEPUTY_MOTION = "deputy_motion"
    GOVERNMENT_DECISION = "government_decision"
    OTHER = "other"


class Channel(str, enum.Enum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    PHONE = "phone"
    LETTER = "letter"
    COLLECTION_POINT = "collection_point"
    IMPORT = "import"


class RatingLevel(str, enum.Enum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class DeadlinePolicy(db.Model):
    """Time limits as data: the statutory defaults and a fast-track policy ("10-30-24")."""

    __tablename__ = "deadline_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    accept_days: Mapped[int] = mapped_column(default=15)
    dispute_working_days: Mapped[int] = mapped_column(default=5)
    reply_days: Mapped[int] = mapped_column(default=60)
    extension_max_days: Mapped[int] = mapped_column(default=30)
    review_request_days: Mapped[int] = mapped_column(default=30)
    review_answer_days: Mapped[int] = mapped_column(default=30)
    rating_days: Mapped[int] = mapped_column(default=30)
    support_threshold: Mapped[int] = mapped_column(default=100)
    widely_supported_reply_days: Mapped[int] = mapped_column(default=30)
    # Fast track only (民意速办): acknowledge, phone the author, finish a first round.
    acknowledge_minutes: Mapped[Optional[int]]
    callback_minutes: Mapped[Optional[int]]
    first_round_hours: Mapped[Optional[int]]
    is_default: Mapped[bool] = mapped_column(default=False)


class Holiday(db.Model):
    """Public holidays and the weekend days worked instead (调休), for counting working days."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_workday: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(60), default="")


class DeclineReason(db.Model):
    __tablename__ = "decline_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)


class ThemedCall(db.Model):
    """专项征集: a department asks for suggestions on a topic within a period."""

    __tablename__ = "themed_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    collective_answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()


class Suggestion(db.Model):
    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(Status)})", name="status_known"),
        CheckConstraint(f"channel IN ({_in(Channel)})", name="channel_known"),
        CheckConstraint("support_count >= 0", name="support_count_positive"),
        # One index for every public sort, alone and behind each public filter, ending in id so
        # that keyset pagination (portal/services/pagination.py) seeks instead of scanning:
        # home and lists (newest, most supported), outcomes (newest published), by category,
        # district, lead department, themed call, widely supported, decision.
        Index("ix_suggestion_newest", "accepted_at", "id"),
        Index("ix_suggestion_supported", "support_count", "id"),
        Index("ix_suggestion_published", "published_at", "id"),
        Index("ix_suggestion_category_newest", "category_id", "accepted_at", "id"),
        Index("ix_suggestion_district_newest", "district_id", "accepted_at", "id"),
        Index("ix_suggestion_department_newest", "lead_department_id", "accepted_at", "id"),
        Index("ix_suggestion_call_newest", "themed_call_id", "accepted_at", "id"),
        Index("ix_suggestion_widely", "widely_supported_at"),  # few rows: found, then sorted
        Index("ix_suggestion_decision_published", "decision", "published_at", "id"),
        # Metrics count by the date an event completed a measure (period filters).
        Index("ix_suggestion_replied_at", "replied_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    # Identifier in a legacy system this suggestion was imported from, for idempotent imports.
    external_id: Mapped[Optional[str]] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("district.id"))
    themed_call_id: Mapped[Optional[int]] = mapped_column(ForeignKey("themed_call.id"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"), index=True)
    show_anonymous: Mapped[bool] = mapped_column(default=False)
    # Private: who to contact when staff registered the suggestion on a resident's behalf.
    contact_name: Mapped[Optional[str]] = mapped_column(String(60))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default=Channel.ONLINE.value)
    registered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    policy_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deadline_policy.id"))

    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value, index=True)
    lead_department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"), index=True)
    decline_reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("decline_reason.id"))
    duplicate_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestion.id"))
    split_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestion.id"))
    decision: Mapped[Optional[str]] = mapped_column(String(20))

    # History brought over from a previous system (`flask suggestions import`): searchable and in
    # open data, never in the live queues or the live metrics.
    imported: Mapped[bool] = mapped_column(default=False, index=True)
    # When the staff's next answer is due (accept, reply, review answer), kept current by
    # `portal.services.work_queues` whenever a deadline starts or changes; None when nobody on
    # the staff side is waited for. Overdue is then one comparison in SQL.
    due_at: Mapped[Optional[datetime]] = mapped_column(index=True)

    support_count: Mapped[int] = mapped_column(default=0)
    widely_supported_at: Mapped[Optional[datetime]]
    extension_days: Mapped[int] = mapped_column(default=0)

    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accepted_at: Mapped[Optional[datetime]]
    dispatched_at: Mapped[Optional[datetime]]
    replied_at: Mapped[Optional[datetime]]
    published_at: Mapped[Optional[datetime]]
    closed_at: Mapped[Optional[datetime]]

    category: Mapped[Optional[Category]] = relationship()
    district: Mapped[Optional[District]] = relationship()
    themed_call: Mapped[Optional[ThemedCall]] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
    registered_by: Mapped[Optional[User]] = relationship(foreign_keys=[registered_by_id])
    policy: Mapped[Optional[DeadlinePolicy]] = relationship()
    lead_department: Mapped[Optional[Department]] = relationship()
    decline_reason: Mapped[Optional[DeclineReason]] = relationship()
    duplicate_of: Mapped[Optional["Suggestion"]] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    split_from: Mapped[Optional["Suggestion"]] = relationship(remote_side=[id], foreign_keys=[split_from_id])

    events: Mapped[list["SuggestionEvent"]] = relationship(
        back_populates="suggestion", order_by="SuggestionEvent.id", cascade="all, delete-orphan")
    dispatches: Mapped[list["Dispatch"]] = relationship(
        back_populates="suggestion", order_by="Dispatch.id", cascade="all, delete-orphan")
    replies: Mapped[list["Reply"]] = relationship(
        back_populates="suggestion", order_by="Reply.id", cascade="all, delete-orphan")
    conversions: Mapped[list["Conversion"]] = relationship(
        back_populates="suggestion", order_by="Conversion.id", cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.status in {s.value for s in PUBLIC_STATUSES}

    @property
    def is_open_for_support(self) -> bool:
        return self.status in {s.value for s in OPEN_STATUSES}

    @property
    def public_author(self) -> Optional[str]:
        """Masked name, or None when the author chose to be anonymous (templates say so)."""
        if self.show_anonymous:
            return None
        if self.author is not None:
            return self.author.masked_name
        if self.contact_name:
            name = self.contact_name.strip()
            return (name[0] + "**") if name else None
        return None


class SuggestionEvent(db.Model):
    """The audit trail: one row for every change of state, and other public milestones."""

    __tablename__ = "suggestion_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[Optional[str]] = mapped_column(String(20))
    to_status: Mapped[Optional[str]] = mapped_column(String(20))
    # A note for colleagues (the accept note, dispatch instructions, a dispute's reasoning): shown on
    # staff pages only, never to the author or the public.
    note: Mapped[str] = mapped_column(Text, default="")
    # Text meant for the author and, when the event is public, for everyone (a question to the
    # author, a decline message, a hearing reference, progress). Public views read only this.
    public_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Events before acceptance and staff-only steps stay off the public timeline altogether.
    is_public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()


class Support(db.Model):
    """附议. The unique constraint makes "one per resident" hold under concurrent clicks."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(db.Model):
    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dispatch(db.Model):
    """交办: the lead department answers; co-handling departments contribute."""

    __tablename__ = "dispatch"
    __table_args__ = (CheckConstraint("role IN ('lead', 'co')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="lead")
    dispatched_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    dispatched_at: Mapped[datetime] = mapped_column(default=utcnow)
    disputed_at: Mapped[Optional[datetime]]
    dispute_reason: Mapped[Optional[str]] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    suggestion: Mapped[Suggestion] = relationship(back_populates="dispatches")
    department: Mapped[Department] = relationship()


class Reply(db.Model):
    """A written answer: the department's reply, or the answer to a review or second review."""

    __tablename__ = "reply"
    __table_args__ = (
        CheckConstraint("kind IN ('reply', 'review', 'second_review')", name="kind_known"),
        CheckConstraint(f"decision IS NULL OR decision IN ({_in(Decision)})", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="reply")
    decision: Mapped[Optional[str]] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="replies")
    department: Mapped[Optional[Department]] = relationship()
    rating: Mapped[Optional["Rating"]] = relationship(back_populates="reply", uselist=False)


class ReplyTemplate(db.Model):
    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)


class ExtensionRequest(db.Model):
    """One extension of at most 30 days, with a reason, approved or refused by the office."""

    __tablename__ = "extension_request"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state_known"),
        CheckConstraint("days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[Optional[datetime]]

    suggestion: Mapped[Suggestion] = relationship()


class Conversion(db.Model):
    """转化: what an adopted suggestion became, with measurable outcomes and progress."""

    __tablename__ = "conversion"
    __table_args__ = (CheckConstraint(f"type IN ({_in(ConversionType)})", name="type_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="conversions")
    outcomes: Mapped[list["ConversionOutcome"]] = relationship(
        back_populates="conversion", order_by="ConversionOutcome.position", cascade="all, delete-orphan")
    progress: Mapped[list["ConversionProgress"]] = relationship(
        back_populates="conversion", order_by="ConversionProgress.recorded_on", cascade="all, delete-orphan")


class ConversionOutcome(db.Model):
    """One measurable outcome row: 房源 50 套, 咨询 112 人, 签约 13 人."""

    __tablename__ = "conversion_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversion_id: Mapped[int] = mapped_column(ForeignKey("conversion.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")

    conversion: Mapped[Conversion] = relationship(back_populates="outcomes")


class ConversionProgress(db.Model):
    __tablename__ = "conversion_progress"
    __table_args__ = (CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversion_id: Mapped[int] = mapped_column(ForeignKey("conversion.id"), index=True)
    recorded_on: Mapped[date]
    percent: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversion: Mapped[Conversion] = relationship(back_populates="progress")


class Rating(db.Model):
    """The author's rating of one reply (满意 / 基本满意 / 不满意)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("reply_id"),
        CheckConstraint(f"level IN ({_in(RatingLevel)})", name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("reply.id"))
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    level: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reply: Mapped[Reply] = relationship(back_populates="rating")


class Notification(db.Model):
    """In-portal notice. Text is rendered at display time in the reader's language from `kind`."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestion.id"))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]]

    suggestion: Mapped[Optional[Suggestion]] = relationship()


class PublicEvent(db.Model):
    """One line of the public event log (open data, `portal.services.event_log`).

    Written in the transaction of the change it records and never changed afterwards: the
    canonical JSON line is stored as it is served, so a day's file is these lines in `id` order.
    `day` is the local calendar day whose file holds the line. No foreign keys: the log outlives
    whatever happens to the records it speaks of.
    """

    __tablename__ = "public_event"
    __table_args__ = (Index("ix_public_event_day_id", "day", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the event's sequence number
    day: Mapped[date]
    line: Mapped[str] = mapped_column(Text, default="")


class OverdueLogged(db.Model):
    """Which staff deadline of a suggestion the event log has already reported as passed
    (`flask events overdue`), so each deadline is reported once. Kept apart from `suggestion` so
    that noting it changes nothing that is indexed or cached."""

    __tablename__ = "overdue_logged"

    suggestion_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    due_at: Mapped[datetime]
