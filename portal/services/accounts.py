"""Accounts: registration, authentication with throttling, password changes."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from portal.models import LoginAttempt, Role, User

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?\d{7,15}$")


class AccountError(Exception):
    """A problem the person can fix; `code` selects the translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def normalize_login(value: str) -> tuple[str, str]:
    """('email', 'a@b.cn') or ('phone', '13800138000'); raises AccountError('bad_login')."""
    value = (value or "").strip()
    if _EMAIL.match(value):
        return "email", value.lower()
    digits = re.sub(r"[\s-]", "", value)
    if _PHONE.match(digits):
        return "phone", digits
    raise AccountError("bad_login")


def find_by_login(session: Session, login: str) -> Optional[User]:
    try:
        kind, value = normalize_login(login)
    except AccountError:
        return None
    column = User.email if kind == "email" else User.phone
    return session.scalar(select(User).where(column == value))


def create_user(session: Session, login: str, password: str, display_name: str, *,
                role: Role = Role.RESIDENT, department_id: int | None = None,
                anonymous: bool = False, locale: str | None = None) -> User:
    kind, value = normalize_login(login)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)
    column = User.email if kind == "email" else User.phone
    if session.scalar(select(func.count()).select_from(User).where(column == value)):
        raise AccountError("login_taken")
    user = User(display_name=display_name.strip(), role=role.value, department_id=department_id,
                prefers_anonymous=anonymous, locale=locale)
    setattr(user, kind, value)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, login: str, now: datetime) -> list[datetime]:
    return list(session.scalars(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.login_name == login, LoginAttempt.attempted_at > now - FAILURE_WINDOW)
        .order_by(LoginAttempt.attempted_at)))


def authenticate(session: Session, login: str, password: str, now: datetime) -> User:
    """The user, or AccountError('throttled' | 'bad_credentials' | 'inactive')."""
    key = (login or "").strip().lower()
    failures = _recent_failures(session, key, now)
    if len(failures) >= MAX_FAILURES:
        wait = failures[0] + FAILURE_WINDOW - now
        raise AccountError("throttled", minutes=max(1, int(wait.total_seconds() // 60) + 1))
    user = find_by_login(session, login)
    if user is None or not user.check_password(password):
        session.add(LoginAttempt(login_name=key, attempted_at=now))
        raise AccountError("bad_credentials")
    if not user.active:
        raise AccountError("inactive")
    session.execute(delete(LoginAttempt).where(LoginAttempt.login_name == key))
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("wrong_current_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)
    user.set_password(new)


def search_users(session: Session, text: str = "", role: str | None = None):
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    if text:
        like = f"%{text}%"
        query = query.where(or_(User.display_name.ilike(like), User.email.ilike(like), User.phone.ilike(like)))
    return session.scalars(query)
