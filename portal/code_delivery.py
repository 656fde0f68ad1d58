"""Delivery of one-time codes (and the notice to an owner whose identity someone tried to register).

Services queue a message on the database session; after the transaction commits it is handed to
the job thread (portal.jobs), rendered there in the person's language and sent. A rolled-back
registration never sends anything, no gateway call happens inside the transaction, and the
request answers without waiting for the gateway: a reset for an existing account (a code is
sent) takes as long as one for an unknown account (nothing is sent). Backends (VERIFICATION_SENDER):

- `log`: printed to the log, like mail in development;
- `sms`: a generic HTTP SMS gateway, POST JSON {"to", "text"} to VERIFICATION_SMS_URL with
  VERIFICATION_SMS_KEY as a bearer token; reaches phone numbers;
- `smtp`: the mail settings' SMTP server; reaches e-mail addresses.
"""
from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from portal import jobs
from portal.transaction_hooks import after_real_commit, after_real_rollback

log = logging.getLogger(__name__)
PENDING_CODES = "pending_codes"

# What each message says; `code` messages carry the one-time code.
CODE = "code"
ALREADY_REGISTERED = "already_registered"


@dataclass(frozen=True)
class CodeMessage:
    kind: str  # CODE or ALREADY_REGISTERED
    channel: str  # "phone" or "email"
    target: str
    locale: str | None
    code: str = ""
    minutes: int = 0


def queue(session: Session, message: CodeMessage) -> None:
    session.info.setdefault(PENDING_CODES, []).append(message)


def can_reach(channel: str) -> bool:
    """Whether the configured senders can deliver to a phone number ("phone") or e-mail ("email")."""
    return _backend_for(channel) is not None


def _backend_for(channel: str) -> str | None:
    for backend in current_app.config["VERIFICATION_SENDER"]:
        if backend == "log" or (backend, channel) in (("sms", "phone"), ("smtp", "email")):
            return backend
    return None


def render(message: CodeMessage) -> tuple[str, str]:
    """(subject, text) in the person's language."""
    with force_locale(message.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Your code for the suggestion portal")
        if message.kind == CODE:
            text = gettext("Your code for the people's-suggestion portal is %(code)s. It is valid for "
                           "%(minutes)s minutes. Do not give it to anyone; staff never ask for it.",
                           code=message.code, minutes=message.minutes)
        else:
            text = gettext("Someone tried to create an account on the people's-suggestion portal with this "
                           "phone number or e-mail address, which already has one. If it was you, log in, "
                           "or reset your password if you forgot it. If not, you can ignore this message.")
    return subject, text


def deliver(message: CodeMessage) -> None:
    backend = _backend_for(message.channel)
    subject, text = render(message)
    if backend == "log":
        log.info("code message to %s: %s", message.target, text)
    elif backend == "sms":
        _post_to_sms_gateway(message.target, text)
    elif backend == "smtp":
        from portal.mail import send_smtp

        send_smtp(message.target, subject, text)
    else:  # registration refuses channels nobody can reach; this is a configuration change mid-way
        log.error("no VERIFICATION_SENDER reaches %s addresses; message to %s dropped",
                  message.channel, message.target)


def _post_to_sms_gateway(phone: str, text: str) -> None:
    config = current_app.config
    request = urllib.request.Request(
        config["VERIFICATION_SMS_URL"], method="POST",
        data=json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Authorization": f"Bearer {config['VERIFICATION_SMS_KEY']}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured http(s) URL)
        if not 200 <= response.status < 300:
            raise OSError(f"SMS gateway answered {response.status}")


@after_real_commit
def _deliver_after_commit(session: Session) -> None:
    # A failure is logged by the job runner; the person can ask for a new code.
    for message in session.info.pop(PENDING_CODES, []):
        jobs.submit(deliver, message, failure=f"could not deliver a code message to {message.target}")


@after_real_rollback
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_CODES, None)
