"""What staff keep for their own daily work: saved queue views."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import db
from portal.timeutil import utcnow


class SavedView(db.Model):
    """A named set of queue filters one staff member returns to ("overdue housing items")."""

    __tablename__ = "saved_view"
    __table_args__ = (
        UniqueConstraint("user_id", "scope", "name"),
        CheckConstraint("scope IN ('office', 'department')", name="scope_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    # The filters as a query string, holding only the keys `work_queues.QueueFilters.KEYS`.
    query: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSubscription(db.Model):
    """A staff member who wants the daily digest (民情日报) by e-mail each morning.

    The scope follows the account, read when the digest is sent: the whole city for office staff,
    their own department for department staff (a transfer moves the subscription along with them).
    """

    __tablename__ = "digest_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestDelivery(db.Model):
    """One subscriber received the digest of one local day: `flask digest send` never sends it twice."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    day: Mapped[date]
    # None: the whole city; otherwise the department whose digest was sent.
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
