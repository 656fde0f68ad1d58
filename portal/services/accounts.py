"""Accounts: registration, authentication, the password policy, password changes.

Guessing is throttled before `authenticate` is called (portal/ratelimits.py), per normalised identity.
Answers and timing never tell whether an account exists: a log-in with an unknown name still
hashes a password, and registration of a taken identity looks like a fresh one (see
portal/services/verification.py).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from portal.inputs import parse_int
from portal.models import Role, User

MIN_PASSWORD_LENGTH = 8
# zxcvbn's score 3 means "safely unguessable": more than 10^8 guesses. Below that are the common
# passwords of its lists (password, 12345678, 1qaz2wsx, woaini1314 …), keyboard walks, repeats,
# dates and the person's own phone number or name.
MIN_PASSWORD_SCORE = 3
# zxcvbn's matching grows quickly with length; a long passphrase is strong enough on its first 72.
_POLICY_CHECKED_LENGTH = 72

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")


class AccountError(Exception):
    """A problem the person can fix; `code` selects the translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def normalize_login(value: str) -> tuple[str, str]:
    """('email', 'a@b.cn') or ('phone', '13800138000'); raises AccountError('bad_login').

    One account however its phone is typed: full-width digits (NFKC), spaces, dots, dashes, brackets.
    """
    value = unicodedata.normalize("NFKC", value or "").strip()
    if _EMAIL.match(value):
        return "email", value.lower()
    digits = re.sub(r"[\s.\-()]", "", value)
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


def check_password_policy(password: str, *personal: str) -> None:
    """AccountError('short_password' | 'weak_password') unless the password is long and uncommon.

    `personal` are the person's own words (phone, e-mail, name): a password built from them is weak.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)
    words = [word for word in personal if word]
    if zxcvbn(password[:_POLICY_CHECKED_LENGTH], user_inputs=words)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError("weak_password")


def login_taken(session: Session, kind: str, value: str) -> bool:
    column = User.email if kind == "email" else User.phone
    return bool(session.scalar(select(func.count()).select_from(User).where(column == value)))


def create_user(session: Session, login: str, password: str, display_name: str, *,
                role: Role = Role.RESIDENT, department_id: int | None = None,
                anonymous: bool = False, locale: str | None = None, password_hash: str | None = None) -> User:
    """A new account. Staff accounts come from administrators; residents from a confirmed code.

    `password_hash` is given when the password was checked and hashed earlier (a registration
    waiting for its code keeps only the hash).
    """
    kind, value = normalize_login(login)
    if password_hash is None:
        check_password_policy(password, value, display_name)
    if login_taken(session, kind, value):
        raise AccountError("login_taken")
    user = User(display_name=display_name.strip(), role=role.value, department_id=department_id,
                prefers_anonymous=anonymous, locale=locale)
    setattr(user, kind, value)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user


def user_for_session_id(session: Session, session_id: str) -> Optional[User]:
    """The user a session or remember-me cookie names, if that cookie is still current.

    The id is "<user id>.<session version>" (User.get_id): a cookie from before the last log-out or
    password change names an old version and loads nobody.
    """
    user_part, _, version_part = (session_id or "").partition(".")
    user_id, version = parse_int(user_part), parse_int(version_part, minimum=0)
    if user_id is None or version is None:
        return None
    user = session.get(User, user_id)
    if user is None or user.session_version != version or user.deleted_at is not None:
        return None
    return user


@lru_cache(maxsize=1)
def _dummy_password_hash() -> str:
    return generate_password_hash("no account has this password")


def authenticate(session: Session, login: str, password: str) -> User:
    """The user, or AccountError('bad_credentials' | 'inactive')."""
    user = find_by_login(session, login)
    if user is None:
        # The same scrypt work as for a real account, so the answer's timing reveals nothing.
        check_password_hash(_dummy_password_hash(), password)
    if user is None or not user.check_password(password):
        raise AccountError("bad_credentials")
    if not user.active:
        raise AccountError("inactive")
    return user


def set_new_password(user: User, new: str) -> None:
    """A changed or reset password ends every session and remember-me cookie of the account."""
    check_password_policy(new, user.phone or "", user.email or "", user.display_name)
    user.set_password(new)
    user.end_all_sessions()


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("wrong_current_password")
    set_new_password(user, new)


def search_users(session: Session, text: str = "", role: str | None = None):
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    if text:
        like = f"%{text}%"
        query = query.where(or_(User.display_name.ilike(like), User.email.ilike(like), User.phone.ilike(like)))
    return session.scalars(query)
