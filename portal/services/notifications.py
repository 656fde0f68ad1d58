"""Tell the author, supporters and followers when a suggestion moves.

In-portal notices are rows written in the same transaction as the change. E-mails are prepared
alongside and, once that transaction commits, sent by the job thread (portal.jobs), so a rolled-back
change never mails anyone and a slow mail server never slows the request.
The text is rendered in each reader's own language (labels.NOTIFICATION).
"""
from __future__ import annotations

import logging

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Follow, Notification, Suggestion, Support, User
from portal.transaction_hooks import after_real_commit, after_real_rollback

log = logging.getLogger(__name__)
PENDING_MAIL = "pending_mail"


def recipients(session: Session, suggestion: Suggestion) -> list[User]:
    """Author, supporters and followers who want notices, each once."""
    ids = set(session.scalars(select(Support.user_id).where(Support.suggestion_id == suggestion.id)))
    ids |= set(session.scalars(select(Follow.user_id).where(Follow.suggestion_id == suggestion.id)))
    if suggestion.author_id is not None:
        ids.add(suggestion.author_id)
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids), User.notifications_enabled.is_(True),
                                                   User.active.is_(True)).order_by(User.id)))


def notify(session: Session, suggestion: Suggestion, kind: str, exclude: User | None = None) -> int:
    """Write a notice for everyone concerned (but `exclude`, usually the actor); returns how many."""
    from portal import labels

    if kind not in labels.NOTIFICATION:
        raise ValueError(f"unknown notification kind {kind!r}: add it to labels.NOTIFICATION")
    count = 0
    for user in recipients(session, suggestion):
        if exclude is not None and user.id == exclude.id:
            continue
        session.add(Notification(user_id=user.id, suggestion_id=suggestion.id, kind=kind))
        if user.email:
            session.info.setdefault(PENDING_MAIL, []).append(_prepare_mail(user, suggestion, kind))
        count += 1
    session.flush()
    return count


def _prepare_mail(user: User, suggestion: Suggestion, kind: str) -> tuple[str, str, str]:
    from portal import labels
    from portal.services.public_views import public_title

    # Supporters and followers are the public: they read the title as the public pages show it.
    title = suggestion.title if user.id == suggestion.author_id else public_title(suggestion)

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Suggestion %(number)s: %(what)s", number=suggestion.tracking_number,
                          what=str(labels.NOTIFICATION[kind]))
        try:
            link = url_for("suggestions.detail", suggestion_id=suggestion.id, _external=True)
        except Exception:  # no request or no public page (CLI runs): the tracking number suffices
            link = ""
        body = "\n\n".join(part for part in (
            title, str(labels.NOTIFICATION[kind]), link,
            gettext("You receive this because you made, support or follow this suggestion. "
                    "You can turn notifications off in your profile.")) if part)
    return user.email, subject, body


@after_real_commit
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_MAIL, [])
    if not pending:
        return
    from portal import jobs
    from portal.mail import send_mail

    # A mail server outage must not undo or fail the committed change: the runner logs it.
    for to, subject, body in pending:
        jobs.submit(send_mail, to, subject, body, failure=f"could not send mail to {to}")


@after_real_rollback
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_MAIL, None)
