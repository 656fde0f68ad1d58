"""Quality review (评查): the office's checklist, the weekly samples of published replies and the
review items, each with its scores and an audit row for every change of state.

States of a review item change only through `portal.services.quality.apply`, whose transitions
are data (`portal.services.quality.TRANSITIONS`).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Department, User
from portal.models.base import db
from portal.models.suggestions import Suggestion
from portal.timeutil import utcnow


class ReviewState(str, enum.Enum):
    AWAITING_REVIEW = "awaiting_review"  # drawn into a sample; the office has not scored it yet
    RETURNED = "returned"                # failed; back with the department for correction
    CORRECTED = "corrected"              # the department recorded its correction; the office re-checks
    CLOSED = "closed"                    # passed (first time or after correction)


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class QualityCriterion(db.Model):
    """One line of the checklist. `code` names the seeded criteria, which show as translated
    labels; criteria the office adds carry only their own text."""

    __tablename__ = "quality_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualitySample(db.Model):
    """The draw for one ISO week: its seed and the random value it came from, recorded so that
    anyone can draw the same replies again (`portal.services.quality.draw`)."""

    __tablename__ = "quality_sample"
    __table_args__ = (
        UniqueConstraint("iso_year", "iso_week"),
        CheckConstraint("per_department > 0", name="per_department_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iso_year: Mapped[int]
    iso_week: Mapped[int]
    nonce: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))
    per_department: Mapped[int]
    population_size: Mapped[int] = mapped_column(default=0)
    # SHA-256 of the population ("department:suggestion" lines, sorted), to show it did not change.
    population_digest: Mapped[str] = mapped_column(String(64), default="")
    drawn_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)

    drawn_by: Mapped[Optional[User]] = relationship()
    items: Mapped[list["QualityReviewItem"]] = relationship(
        back_populates="sample", order_by="QualityReviewItem.id", cascade="all, delete-orphan")


class QualityReviewItem(db.Model):
    """One sampled reply under review."""

    __tablename__ = "quality_review_item"
    __table_args__ = (
        UniqueConstraint("suggestion_id"),  # a reply is sampled at most once
        CheckConstraint(f"state IN ({_in(ReviewState)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("quality_sample.id"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ReviewState.AWAITING_REVIEW.value, index=True)
    # Internal: the reviewer's findings and the department's correction; never public.
    findings: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    correction_due: Mapped[Optional[datetime]]
    # Whether the first scoring passed (None until scored): the pass rate counts this.
    passed_first_time: Mapped[Optional[bool]]
    rounds: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[Optional[datetime]]

    sample: Mapped[QualitySample] = relationship(back_populates="items")
    suggestion: Mapped[Suggestion] = relationship()
    department: Mapped[Department] = relationship()
    scores: Mapped[list["QualityScore"]] = relationship(
        back_populates="item", order_by="[QualityScore.round, QualityScore.id]", cascade="all, delete-orphan")
    events: Mapped[list["QualityReviewEvent"]] = relationship(
        back_populates="item", order_by="QualityReviewEvent.id", cascade="all, delete-orphan")


class QualityScore(db.Model):
    """Pass or fail on one criterion, in one round of scoring (1 = the review, 2… = re-checks)."""

    __tablename__ = "quality_score"
    __table_args__ = (UniqueConstraint("item_id", "criterion_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("quality_review_item.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("quality_criterion.id"))
    round: Mapped[int]
    passed: Mapped[bool]

    item: Mapped[QualityReviewItem] = relationship(back_populates="scores")
    criterion: Mapped[QualityCriterion] = relationship()


class QualityReviewEvent(db.Model):
    """The audit trail of a review item: one row per transition."""

    __tablename__ = "quality_review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("quality_review_item.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[QualityReviewItem] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()
