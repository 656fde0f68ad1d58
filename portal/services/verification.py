"""One-time codes: registration confirms the phone number or e-mail; a forgotten password is reset.

A code is six digits, valid for CODE_MINUTES, kept only as a keyed hash, and refused after
MAX_CODE_ATTEMPTS wrong tries. Nothing here tells whether an account exists: registering a taken
identity or resetting an unknown one goes through the same steps and answers (the code row is
made and checked alike); only what is sent differs, and it goes to the address's owner.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal import code_delivery
from portal.code_delivery import CodeMessage
from portal.models import User, VerificationCode
from portal.services.accounts import (
    AccountError, check_password_policy, create_user, find_by_login, login_taken, normalize_login,
    set_new_password,
)

CODE_MINUTES = 10
MAX_CODE_ATTEMPTS = 5
REGISTER = "register"
RESET = "reset"


def _hash(row: VerificationCode, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{row.purpose}:{row.target}:{code}".encode(), hashlib.sha256).hexdigest()


def _issue(session: Session, row: VerificationCode, now: datetime, *, send_code: bool,
           channel: str, locale: Optional[str], notice: Optional[str] = None) -> None:
    """A fresh code on `row`; queued for delivery when `send_code`, else `notice` (or nothing) is sent."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row.code_hash, row.attempts, row.expires_at = _hash(row, code), 0, now + timedelta(minutes=CODE_MINUTES)
    session.flush()
    if send_code:
        code_delivery.queue(session, CodeMessage(code_delivery.CODE, channel, row.target, locale, code, CODE_MINUTES))
    elif notice:
        code_delivery.queue(session, CodeMessage(notice, channel, row.target, locale))


def _reachable(login: str) -> tuple[str, str]:
    kind, value = normalize_login(login)
    if not code_delivery.can_reach(kind):
        raise AccountError("channel_unavailable_" + kind)
    return kind, value


def start_registration(session: Session, login: str, password: str, display_name: str, *,
                       anonymous: bool, locale: Optional[str], now: datetime) -> VerificationCode:
    """The pending registration whose code was sent; the account is made by `confirm_registration`.

    When the identity already has an account, its owner is told instead and no code is sent, so
    the pending row can never be confirmed; the person registering sees the same next page.
    """
    kind, value = _reachable(login)
    check_password_policy(password, value, display_name)
    taken = login_taken(session, kind, value)
    row = VerificationCode(purpose=REGISTER, target=value, expires_at=now, created_at=now, payload_json=json.dumps({
        "kind": kind, "display_name": display_name.strip(), "anonymous": bool(anonymous), "locale": locale,
        # Hashed in both cases: the answer takes the same time whether or not the identity is taken.
        "password_hash": generate_password_hash(password), "taken": taken}))
    session.add(row)
    _issue(session, row, now, send_code=not taken, channel=kind, locale=locale,
           notice=code_delivery.ALREADY_REGISTERED)
    return row


def start_reset(session: Session, login: str, *, locale: Optional[str], now: datetime) -> VerificationCode:
    """A reset code, sent only when an account has this identity (the answer is the same either way)."""
    kind, value = _reachable(login)
    user = find_by_login(session, value)
    if user is not None and not user.active:
        user = None  # a deactivated account is not reopened by a code
    row = VerificationCode(purpose=RESET, target=value, expires_at=now, created_at=now,
                           user_id=user.id if user else None, payload_json=json.dumps({"kind": kind}))
    session.add(row)
    _issue(session, row, now, send_code=user is not None, channel=kind, locale=user.locale if user else locale)
    return row


def resend(session: Session, row_id: Optional[int], *, locale: Optional[str], now: datetime) -> VerificationCode:
    """A new code (the old one stops working) for a pending registration or reset."""
    row = _pending(session, row_id, now, allow_expired=True)
    payload = json.loads(row.payload_json)
    if row.purpose == REGISTER:
        _issue(session, row, now, send_code=not payload.get("taken"), channel=payload["kind"],
               locale=payload.get("locale") or locale, notice=code_delivery.ALREADY_REGISTERED)
    else:
        _issue(session, row, now, send_code=row.user_id is not None, channel=payload["kind"], locale=locale)
    return row


def _pending(session: Session, row_id: Optional[int], now: datetime, *, allow_expired: bool = False
             ) -> VerificationCode:
    row = session.get(VerificationCode, row_id) if row_id else None
    if row is None or row.used_at is not None:
        raise AccountError("no_pending_code")
    if not allow_expired and now > row.expires_at:
        raise AccountError("code_expired")
    return row


def _check_code(row: VerificationCode, code: str) -> None:
    """Counts the attempt (the caller commits it even when refused) and checks the code."""
    if row.attempts >= MAX_CODE_ATTEMPTS:
        raise AccountError("code_attempts")
    row.attempts += 1
    given = "".join(ch for ch in (code or "") if not ch.isspace())
    if not hmac.compare_digest(row.code_hash, _hash(row, given)):
        raise AccountError("code_attempts" if row.attempts >= MAX_CODE_ATTEMPTS else "wrong_code",
                           left=MAX_CODE_ATTEMPTS - row.attempts)


def confirm_registration(session: Session, row_id: Optional[int], code: str, now: datetime) -> User:
    row = _pending(session, row_id, now)
    if row.purpose != REGISTER:
        raise AccountError("no_pending_code")
    _check_code(row, code)
    payload = json.loads(row.payload_json)
    if payload.get("taken"):  # unreachable with a right code: none was ever sent
        raise AccountError("wrong_code", left=MAX_CODE_ATTEMPTS - row.attempts)
    row.used_at = now
    user = create_user(session, row.target, "", payload["display_name"], anonymous=payload["anonymous"],
                       locale=payload.get("locale"), password_hash=payload["password_hash"])
    # The password hash has served its purpose; no copy stays beside the account's own.
    row.payload_json = "{}"
    return user


def finish_reset(session: Session, row_id: Optional[int], code: str, new_password: str, now: datetime) -> None:
    row = _pending(session, row_id, now)
    if row.purpose != RESET:
        raise AccountError("no_pending_code")
    check_password_policy(new_password, row.target)  # before the attempt counts: a right code stays usable
    _check_code(row, code)
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None:  # unreachable with a right code: none was sent for an unknown identity
        raise AccountError("wrong_code", left=MAX_CODE_ATTEMPTS - row.attempts)
    set_new_password(user, new_password)
    row.used_at = now


def forget_codes_of(session: Session, user: User) -> None:
    """Codes naming the user or their addresses (account deletion)."""
    targets = [value for value in (user.phone, user.email) if value]
    session.execute(delete(VerificationCode).where(
        (VerificationCode.user_id == user.id) | VerificationCode.target.in_(targets)))
