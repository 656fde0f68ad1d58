"""Who receives the daily digest (民情日报) by e-mail, and which days each of them has received.

A subscription belongs to a staff account; its scope is read from the account when the digest
is sent: the whole city for the suggestion office, the own department for department staff.
Other roles cannot subscribe. A delivery row per (subscriber, day) makes sending idempotent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.models import DigestDelivery, DigestSubscription, Role, User


class SubscriptionError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Recipient:
    user: User
    department_id: Optional[int]  # None: the whole city


def can_subscribe(user: User) -> bool:
    return user.has_role(Role.OFFICE_STAFF) or (user.has_role(Role.DEPARTMENT_STAFF)
                                                and user.department_id is not None)


def scope_of(user: User) -> Optional[int]:
    """The department whose digest the user receives; None for the whole city."""
    return None if user.has_role(Role.OFFICE_STAFF) else user.department_id


def is_subscribed(session: Session, user: User) -> bool:
    return session.scalar(select(DigestSubscription.id).where(DigestSubscription.user_id == user.id)) is not None


def subscribe(session: Session, user: User) -> bool:
    """Subscribe `user`; False if already subscribed. SubscriptionError('not_staff') for other roles."""
    if not can_subscribe(user):
        raise SubscriptionError("not_staff")
    if is_subscribed(session, user):
        return False
    session.add(DigestSubscription(user_id=user.id))
    session.flush()
    return True


def unsubscribe(session: Session, user: User) -> bool:
    """End the subscription; False if there was none."""
    deleted = session.execute(delete(DigestSubscription).where(DigestSubscription.user_id == user.id)).rowcount
    session.flush()
    return bool(deleted)


def recipients(session: Session, day: date, force: bool = False) -> list[Recipient]:
    """Active subscribers with an e-mail address who may still subscribe and have not yet received
    the digest of `day` (all of them with `force`), in account order."""
    users = session.scalars(select(User).join(DigestSubscription, DigestSubscription.user_id == User.id)
                            .where(User.active.is_(True), User.email.is_not(None)).order_by(User.id)).all()
    done = set() if force else set(session.scalars(
        select(DigestDelivery.user_id).where(DigestDelivery.day == day)))
    return [Recipient(user, scope_of(user)) for user in users if can_subscribe(user) and user.id not in done]


def record_delivery(session: Session, recipient: Recipient, day: date, now: datetime) -> None:
    """Remember that `recipient` received the digest of `day` (a forced resend updates the time)."""
    row = session.scalar(select(DigestDelivery).where(DigestDelivery.user_id == recipient.user.id,
                                                      DigestDelivery.day == day))
    if row is None:
        session.add(DigestDelivery(user_id=recipient.user.id, day=day, department_id=recipient.department_id,
                                   sent_at=now))
    else:
        row.sent_at, row.department_id = now, recipient.department_id
    session.flush()


def deliveries(session: Session, day: date) -> list[DigestDelivery]:
    return list(session.scalars(select(DigestDelivery).where(DigestDelivery.day == day)
                                .order_by(DigestDelivery.user_id)))
